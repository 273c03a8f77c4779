import MemtopFormat
import MemtopSampling
import MemtopSystem

/// How memtop gets its agent into a running CPython: checked before anything is done, said
/// before it is done, and never by running code the target's owner controls.
///
/// The version is read, not asked: from the `libpython3.X` the process maps, else the
/// constant `Py_Version` in its binary (3.11+), else a binary named `python3.X`. Nothing of
/// the target's is executed to learn it (its interpreter and stdlib may belong to someone
/// else). The target must run as memtop's user: the agent's files are private to that user,
/// and memtop refuses rather than inject into another user's process.
///
/// CPython before 3.14 — and 3.14+ when its interpreter binary is not trusted — get the loader
/// through gdb, as a **pending call**: gdb maps one page in the target, writes a short
/// bootstrap into it and calls `Py_AddPendingCall(PyRun_SimpleString, page)`, which needs
/// neither the GIL nor a thread state and returns at once; the interpreter runs the
/// bootstrap at its next safe point: in its main thread before 3.12, in whichever of its
/// threads runs Python code first from 3.12 (``PythonAttachPlan/queueCall``). gdb never waits for the GIL and is
/// never inside a long call, so a busy interpreter or a signal cannot leave the target in a
/// debugger frame (`set unwindonsignal on`, every signal passed on untouched). CPython 3.14+
/// uses `sys.remote_exec` (PEP 768), run by the target's own interpreter binary only when
/// that binary is memtop's user's or root's and nobody else may write it or its folders.
/// Nothing runs through a shell.
public struct PythonAttachPlan: Sendable, Equatable {
  public enum Method: Sendable, Equatable {
    /// `sys.remote_exec` run by the target's interpreter.
    case remoteExec
    /// gdb at this path, queueing a pending call.
    case gdb(String)
  }

  /// The process injected into (a launcher already followed to its interpreter).
  public var pid: Int32
  /// Its interpreter binary.
  public var executable: String
  /// `3.11`.
  public var version: (major: Int, minor: Int)
  public var method: Method
  /// The user id the target and memtop share: the bootstrap runs the loader only from a
  /// directory and file this user owns.
  package var owner: UInt32

  public static func == (a: Self, b: Self) -> Bool {
    a.pid == b.pid && a.executable == b.executable && a.version == b.version && a.method == b.method
      && a.owner == b.owner
  }

  /// Seconds the injector may take before memtop says so (gdb reads the interpreter's symbols
  /// first: slow on a loaded machine). It is not stopped then: see ``PythonWatch``.
  public var timeout: Double {
    switch method {
    case .remoteExec: 60
    case .gdb: 120
    }
  }

  /// The one line said before injecting: what memtop does, and how to avoid it.
  public var announcement: String { announcement(members: 0) }

  /// The line said before injecting, when up to `members` processes of the target's tree get
  /// an agent too (`--children`).
  public func announcement(members: Int) -> String {
    let how =
      switch method {
      case .remoteExec: "with sys.remote_exec (Python \(version.major).\(version.minor))"
      case .gdb:
        "through gdb (Python \(version.major).\(version.minor): the target stops for a moment, and loads the agent at its next safe point)"
      }
    return
      "--python: memtop will inject code into process \(pid) \(how) to load its Python agent\(members > 0 ? ", and likewise into each CPython process of its tree (at most \(members))" : ""); to avoid injecting, drop --python, or launch the program under memtop (memtop --python -- python3 app.py)"
  }

  /// The injector's argv. `script` is the attach script (a plain path inside memtop's private
  /// directory); `commandFile` the gdb command file (``gdbCommands(script:)``), unused for
  /// `sys.remote_exec`.
  public func arguments(script: String, commandFile: String) -> [String] {
    switch method {
    case .remoteExec:
      return [executable, "-I", "-S", "-c", "import sys; sys.remote_exec(\(pid), '\(script)')"]
    case .gdb(let gdb):
      return [
        // The program is named by /proc/PID/exe, which opens the running binary even when its
        // file was replaced or removed since.
        gdb, "-p", String(pid), "-batch", "-nx", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off",
        "/proc/\(pid)/exe", "-x", commandFile,
      ]
    }
  }

  /// The Python run in the target's main thread: it executes `script` only when its folder
  /// is a directory of ``owner``'s with no access for others and the file (never a link) is
  /// ``owner``'s, in a fresh namespace, and swallows every error so nothing reaches the
  /// program (not even a traceback on its stderr). It defines no name in `__main__`.
  package func bootstrap(script: String) -> String {
    let folder = script.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    let inner = [
      "import os, stat",
      "d = os.lstat(\"\(folder)\")",
      "if stat.S_ISDIR(d.st_mode) and d.st_uid == \(owner) and not d.st_mode & 0o077:",
      " f = os.open(\"\(script)\", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)",
      " try:",
      "  s = os.fstat(f)",
      "  b = os.read(f, 1 << 20) if stat.S_ISREG(s.st_mode) and s.st_uid == \(owner) else b\"\"",
      " finally:",
      "  os.close(f)",
      " if b:",
      "  exec(compile(b, \"\(script)\", \"exec\"), {})",
    ].joined(separator: "\\n")
    return "try:\n exec('\(inner)', {})\nexcept BaseException:\n pass\n"
  }

  /// Whether the loader may run in any thread that runs Python code (3.12+), not only the main
  /// thread: a program whose main thread waits in C (`thread.join()`, `os.waitpid()`) while
  /// its other threads work still loads the agent.
  public var anyThreadRunsTheLoader: Bool { (version.major, version.minor) >= (3, 12) }

  /// The gdb line that queues the loader. CPython 3.12+ keeps a pending-call queue per
  /// interpreter that every thread of it serves at its next safe point (flags 0: not only the
  /// main thread, the argument not freed); `_PyEval_AddPendingCall` takes the same lock and
  /// wakes the same way as `Py_AddPendingCall`, which before 3.12 is the only queue and is
  /// served by the main thread alone.
  var queueCall: String {
    if anyThreadRunsTheLoader {
      return
        "set $memtop_queued = ((int (*)(void *, void *, void *, int)) _PyEval_AddPendingCall)(((void *(*)(void)) PyInterpreterState_Main)(), (void *) PyRun_SimpleString, $memtop_page, 0)"
    }
    return
      "set $memtop_queued = ((int (*)(void *, void *)) Py_AddPendingCall)((void *) PyRun_SimpleString, $memtop_page)"
  }

  /// The gdb command file: signals pass through and unwind a call they interrupt; one page
  /// is mapped in the target, the bootstrap written into it, and the pending call queued. The
  /// page stays (4 KiB): the interpreter reads it later, after gdb has left.
  package func gdbCommands(script: String) -> String {
    let code = Array(bootstrap(script: script).utf8)
    var literal = ""
    for byte in code {
      switch byte {
      case UInt8(ascii: "\\"): literal += "\\\\"
      case UInt8(ascii: "\""): literal += "\\\""
      case UInt8(ascii: "\n"): literal += "\\n"
      default: literal.append(Character(Unicode.Scalar(byte)))
      }
    }
    return """
      set confirm off
      set pagination off
      set unwindonsignal on
      handle all nostop noprint pass
      set $memtop_page = ((void *(*)(void *, unsigned long, int, int, int, long)) mmap)(0, 4096, 3, 0x22, -1, 0)
      if $memtop_page != (void *) -1 && $memtop_page != 0
        set {char[\(code.count + 1)]} $memtop_page = "\(literal)"
        \(queueCall)
        printf "memtop: pending call %d\\n", $memtop_queued
      else
        printf "memtop: no page for the call\\n"
      end

      """
  }
}

/// Checks a running process before injecting into it.
package enum PythonAttach {
  /// Plans the injection into `pid`, or refuses with one line naming the problem and the fix:
  /// another user's process, stopped, not CPython, a version that cannot be read without
  /// running the target's code, gdb missing, ptrace not permitted, already traced. Runs
  /// nothing.
  public static func plan(
    pid: Int32, procRoot: String = "/proc", memtopUser: UInt32 = Syscalls.effectiveUserID(),
    findProgram: (String) -> String? = Self.findOnPath
  ) throws(MemtopError) -> PythonAttachPlan {
    let process = "process \(pid)"
    let status = Syscalls.readSmallFile("\(procRoot)/\(pid)/status") ?? ""
    let owners = userIDs(status)
    if let other = owners.first(where: { $0 != memtopUser }) {
      let who = memtopUser == 0 ? "root" : "uid \(memtopUser)"
      throw MemtopError(
        message:
          "--python: \(process) runs as uid \(other) and memtop as \(who); memtop loads its agent only into its own user's processes (the agent's files are private to that user, and another user's interpreter is never run with memtop's rights): run memtop as that user (sudo -u '#\(other)' memtop --pid \(pid) --python), or drop --python"
      )
    }
    if let state = state(pid, procRoot: procRoot), state == "T" || state == "t" {
      throw MemtopError(
        message:
          "--python: \(process) is stopped (state \(state): SIGSTOP, a terminal stop or a debugger) and could not run the agent's loader; resume it (kill -CONT \(pid)) and try again, or drop --python"
      )
    }
    guard var executable = Syscalls.readLink("\(procRoot)/\(pid)/exe") else {
      throw MemtopError(
        message:
          "--python: cannot read \(procRoot)/\(pid)/exe (\(process) is another user's, or gone); run memtop as the user the process runs as"
      )
    }
    let named = executable.hasSuffix(" (deleted)") ? String(executable.dropLast(" (deleted)".count)) : executable
    if named != executable { executable = "\(procRoot)/\(pid)/exe" }
    let program = Sanitizer.terminalSafe(named, maxLength: 120)
    let base = named.split(separator: "/").last.map(String.init) ?? named
    let maps = Syscalls.readSmallFile("\(procRoot)/\(pid)/maps") ?? ""
    // Read once: a version found (libpython, Py_Version, python3.X) also says it is CPython.
    let version = PythonVersionReading.version(maps: maps, binary: "\(procRoot)/\(pid)/exe", programName: base)
    guard base.hasPrefix("python") || version != nil else {
      throw MemtopError(
        message:
          "--python: \(process) is not CPython (its program is \(program)); --python loads an agent into CPython 3.8+ only: drop --python"
      )
    }
    guard let (major, minor) = version else {
      throw MemtopError(
        message:
          "--python: cannot tell which Python \(process) runs without running its code (\(program) maps no libpython3.X, has no Py_Version and is not named python3.X); launch the program under memtop instead (memtop --python -- python3 app.py), or drop --python"
      )
    }
    guard major == 3, minor >= 8 else {
      throw MemtopError(
        message:
          "--python: \(process) runs Python \(major).\(minor); the agent needs CPython 3.8 or later: drop --python")
    }
    if let tracer = tracerPID(status), tracer != 0 {
      throw MemtopError(
        message:
          "--python: \(process) is already being traced by process \(tracer) (a debugger); detach it first, or drop --python"
      )
    }
    guard procRoot != "/proc" || Syscalls.mayTrace(pid) else {
      throw MemtopError(
        message:
          "--python: memtop may not ptrace \(process) (kernel.yama.ptrace_scope forbids it); set kernel.yama.ptrace_scope to 0, or launch the program under memtop (memtop --python -- python3 app.py)"
      )
    }
    let method: PythonAttachPlan.Method
    if (major, minor) >= (3, 14), TrustedPath.isTrusted(executable, user: memtopUser) {
      method = .remoteExec
    } else if let gdb = findProgram("gdb") {
      method = .gdb(gdb)
    } else {
      throw MemtopError(
        message:
          "--python: attaching to Python \(major).\(minor) needs gdb, which is not installed; install it (apt install gdb), or launch the program under memtop (memtop --python -- python3 app.py)"
      )
    }
    return PythonAttachPlan(
      pid: pid, executable: executable, version: (major, minor), method: method, owner: memtopUser)
  }

  /// The four user ids of `Uid:` (real, effective, saved, file system).
  static func userIDs(_ status: String) -> [UInt32] {
    for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
      return line.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
    }
    return []
  }

  /// `TracerPid:` of a status text.
  static func tracerPID(_ status: String) -> Int32? {
    for line in status.split(separator: "\n") where line.hasPrefix("TracerPid:") {
      return Int32(String(line.dropFirst("TracerPid:".count)).trimmingSpaces())
    }
    return nil
  }

  /// The one-letter state in `/proc/PID/stat`, if readable.
  static func state(_ pid: Int32, procRoot: String) -> String? {
    guard let text = Syscalls.readSmallFile("\(procRoot)/\(pid)/stat") else { return nil }
    return (try? ProcStat.parse(text))?.state
  }

  /// Whether `pid` may run CPython, from its program's name and the libraries it maps (read
  /// cheaply, before planning an injection into a member of a tree): a shell or a C helper
  /// in the tree is passed over without a word.
  package static func mayBeCPython(pid: Int32, procRoot: String) -> Bool {
    guard let executable = Syscalls.readLink("\(procRoot)/\(pid)/exe") else { return false }
    let base = executable.split(separator: "/").last.map(String.init) ?? executable
    if base.hasPrefix("python") { return true }
    return Syscalls.readSmallFile("\(procRoot)/\(pid)/maps")?.contains("/libpython3.") ?? false
  }

  /// The first executable `name` on `PATH`.
  package static func findOnPath(_ name: String) -> String? {
    if case .success(let path) = ChildProcess.resolve(name) { return path }
    return nil
  }
}

/// Reads a CPython's version without running it.
enum PythonVersionReading {
  /// From the maps (`…/libpython3.11.so.1.0`, `libpython3.13t.so`), else `Py_Version` in
  /// `binary` (3.11+: `0x030B07F0` is 3.11.7), else a program named `python3.X`.
  static func version(maps: String, binary: String, programName: String) -> (Int, Int)? {
    if let range = maps.range(of: "/libpython3.") {
      let digits = maps[range.upperBound...].prefix(while: \.isNumber)
      if let minor = Int(digits), minor < 100 { return (3, minor) }
    }
    if let packed = ELFSymbol.value(of: "Py_Version", size: 4, inFile: binary) {
      let major = Int((packed >> 24) & 0xFF)
      let minor = Int((packed >> 16) & 0xFF)
      if major == 3, minor >= 11, minor < 100 { return (major, minor) }
    }
    if programName.hasPrefix("python3.") {
      let digits = programName.dropFirst("python3.".count).prefix(while: \.isNumber)
      if let minor = Int(digits), minor < 100 { return (3, minor) }
    }
    return nil
  }
}
