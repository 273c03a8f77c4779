/// How memtop gets its agent into a running CPython: checked before anything is done, said
/// before it is done.
///
/// CPython 3.14+ runs a script at its next safe point through `sys.remote_exec` (PEP 768),
/// called by the target's own interpreter binary (`/proc/PID/exe`: caller and target must be
/// the same version). Older versions only through a debugger, as memray attach does: `gdb -p
/// PID -batch` calls `PyGILState_Ensure()`, `PyRun_SimpleString(...)`, `PyGILState_Release($1)`.
/// Nothing runs through a shell.
public struct PythonAttachPlan: Sendable, Equatable {
  public enum Method: Sendable, Equatable {
    /// `sys.remote_exec` run by the target's interpreter.
    case remoteExec
    /// gdb at this path.
    case gdb(String)
  }

  /// The process injected into (a launcher already followed to its interpreter).
  public var pid: Int32
  /// Its interpreter binary.
  public var executable: String
  /// `3.11`.
  public var version: (major: Int, minor: Int)
  public var method: Method

  public static func == (a: Self, b: Self) -> Bool {
    a.pid == b.pid && a.executable == b.executable && a.version == b.version && a.method == b.method
  }

  /// Seconds the injector may take before it is stopped (gdb reads the interpreter's symbols
  /// first: slow on a loaded machine).
  public var timeout: Double {
    switch method {
    case .remoteExec: 60
    case .gdb: 120
    }
  }

  /// The one line said before injecting: what memtop does, and how to avoid it.
  public var announcement: String {
    let how =
      switch method {
      case .remoteExec: "with sys.remote_exec (Python \(version.major).\(version.minor))"
      case .gdb: "through gdb (Python \(version.major).\(version.minor): the target stops for a moment)"
      }
    return
      "--python: memtop will inject code into process \(pid) \(how) to load its Python agent; to avoid injecting, drop --python, or launch the program under memtop (memtop --python -- python3 app.py)"
  }

  /// The injector's argv, to run `script` (a plain path) in the target.
  public func arguments(script: String) -> [String] {
    switch method {
    case .remoteExec:
      return [executable, "-I", "-S", "-c", "import sys; sys.remote_exec(\(pid), '\(script)')"]
    case .gdb(let gdb):
      return [
        gdb, "-p", String(pid), "-batch", "-nx", "-iex", "set debuginfod enabled off", "-ex", "set confirm off",
        "-ex", "set pagination off", "-ex", "call (int)PyGILState_Ensure()",
        "-ex", "call (int)PyRun_SimpleString(\"exec(open('\(script)').read(), {})\")",
        "-ex", "call (void)PyGILState_Release($1)",
      ]
    }
  }
}

/// Checks a running process before injecting into it.
public enum PythonAttach {
  /// Plans the injection into `pid`, or refuses with one line naming the problem and the fix:
  /// not CPython, gdb missing (before 3.14), ptrace not permitted, already traced.
  ///
  /// - Parameter probeVersion: runs `[exe, -I, -S, -c, code]` and returns its output (nil on
  ///   failure or timeout); asked only once the program looks like a Python interpreter.
  public static func plan(
    pid: Int32, procRoot: String = "/proc", findProgram: (String) -> String? = Self.findOnPath,
    probeVersion: ([String]) -> String?
  ) throws(MemtopError) -> PythonAttachPlan {
    let process = "process \(pid)"
    guard var executable = Syscalls.readLink("\(procRoot)/\(pid)/exe") else {
      throw MemtopError(
        message:
          "--python: cannot read \(procRoot)/\(pid)/exe (\(process) is another user's, or gone); run memtop as the user the process runs as"
      )
    }
    if executable.hasSuffix(" (deleted)") { executable = "\(procRoot)/\(pid)/exe" }
    let program = Sanitizer.terminalSafe(executable, maxLength: 120)
    let base = executable.split(separator: "/").last.map(String.init) ?? executable
    let maps = Syscalls.readSmallFile("\(procRoot)/\(pid)/maps") ?? ""
    let looksLikePython = base.hasPrefix("python") || maps.contains("/libpython3.")
    guard looksLikePython else {
      throw MemtopError(
        message:
          "--python: \(process) is not CPython (its program is \(program)); --python loads an agent into CPython 3.8+ only: drop --python"
      )
    }
    let code = "import sys; print(sys.implementation.name, sys.version_info[0], sys.version_info[1])"
    let answer = probeVersion([executable, "-I", "-S", "-c", code]) ?? ""
    let words = answer.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    guard words.count >= 3, let major = Int(words[1]), let minor = Int(words[2]) else {
      throw MemtopError(
        message:
          "--python: cannot tell which Python \(process) runs (\(program) did not answer); --python attaches to CPython 3.8+ only: drop --python, or launch the program under memtop"
      )
    }
    guard words[0] == "cpython" else {
      throw MemtopError(
        message:
          "--python: \(process) runs \(Sanitizer.terminalSafe(words[0], maxLength: 20)) \(major).\(minor), not CPython; the agent loads into CPython only: drop --python"
      )
    }
    guard (major, minor) >= (3, 8) else {
      throw MemtopError(
        message:
          "--python: \(process) runs Python \(major).\(minor); the agent needs CPython 3.8 or later: drop --python")
    }
    if let tracer = tracerPID(pid, procRoot: procRoot), tracer != 0 {
      throw MemtopError(
        message:
          "--python: \(process) is already being traced by process \(tracer) (a debugger); detach it first, or drop --python"
      )
    }
    guard procRoot != "/proc" || Syscalls.mayTrace(pid) else {
      throw MemtopError(
        message:
          "--python: memtop may not ptrace \(process) (another user's process, or kernel.yama.ptrace_scope forbids it); run memtop as that user, set kernel.yama.ptrace_scope to 0, or launch the program under memtop (memtop --python -- python3 app.py)"
      )
    }
    let method: PythonAttachPlan.Method
    if (major, minor) >= (3, 14) {
      method = .remoteExec
    } else {
      guard let gdb = findProgram("gdb") else {
        throw MemtopError(
          message:
            "--python: attaching to Python \(major).\(minor) needs gdb, which is not installed; install it (apt install gdb), or launch the program under memtop (memtop --python -- python3 app.py)"
        )
      }
      method = .gdb(gdb)
    }
    return PythonAttachPlan(pid: pid, executable: executable, version: (major, minor), method: method)
  }

  /// `TracerPid:` of the process, if readable.
  static func tracerPID(_ pid: Int32, procRoot: String) -> Int32? {
    guard let status = Syscalls.readSmallFile("\(procRoot)/\(pid)/status") else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("TracerPid:") {
      return Int32(String(line.dropFirst("TracerPid:".count)).trimmingSpaces())
    }
    return nil
  }

  /// The first executable `name` on `PATH`.
  public static func findOnPath(_ name: String) -> String? {
    if case .success(let path) = ChildProcess.resolve(name) { return path }
    return nil
  }
}
