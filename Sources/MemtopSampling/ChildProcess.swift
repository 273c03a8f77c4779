import CLinuxSys
import MemtopFormat
import MemtopSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a launched command ended.
public enum ChildTermination: Sendable, Equatable, CustomStringConvertible {
  /// It exited with this status.
  case exited(Int32)
  /// A signal killed it.
  case signaled(Int32)

  /// Decodes a wait status (as `waitpid` gives it, and `/proc/PID/stat` field 52).
  public init(waitStatus status: Int32) {
    self = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
  }

  /// The status a shell would report: the exit status, or 128 + the signal number.
  public var shellStatus: Int32 {
    switch self {
    case .exited(let code): code
    case .signaled(let signo): 128 + signo
    }
  }

  public var description: String {
    switch self {
    case .exited(let code): "exited with status \(code)"
    case .signaled(let signo): "was killed by \(StopSignals.name(signo))"
    }
  }
}

/// The command could not be started.
package struct LaunchError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The program name as given.
  public var program: String
  /// The system error from looking the program up or from `execve`.
  package var cause: SystemError

  public var description: String {
    // The name is untrusted: escaped and cut, so it can neither drive the terminal nor flood it.
    let program = Sanitizer.terminalSafe(self.program)
    return switch cause {
    case .noSuchFile:
      "cannot run '\(program)': command not found; check the name, or give its full path"
    case .permissionDenied:
      "cannot run '\(program)': permission denied; make it executable (chmod +x) or run it through its interpreter"
    default:
      "cannot run '\(program)': \(cause)"
    }
  }
}

/// A command memtop started itself, directly (never through a shell), so every argument
/// reaches the program verbatim.
///
/// The command runs in a process group of its own under a small guard process that kills the
/// whole group if memtop dies, however it dies (see `memtop_spawn` in CLinuxSys; a helper
/// given `outlivesMemtop` may finish first, within its time);
/// ``stopGroup(grace:)`` ends the command and every worker it started in its group. The initializer returns once the program has exec'd, so nothing sampled after it
/// is memtop's own fork.
package final class ChildProcess {
  /// The program's process id.
  public let pid: Int32
  /// The guard's process id: the program's parent, the id of their process group, and the
  /// process waited for (it ends the way the program did).
  package let guardPID: Int32
  /// How it ended, once reaped.
  public private(set) var termination: ChildTermination?

  /// Starts `arguments[0]` (looked up in `PATH`) with `arguments` as its argv.
  ///
  /// Call it from the main thread: the kernel's death signal follows the thread that started it.
  ///
  /// - Parameters:
  ///   - stdoutToStderr: send the child's standard output to memtop's standard error
  ///     (used when memtop itself writes data to standard output).
  ///   - outputPath: send the child's standard output and error to this file (appending) and
  ///     give it `/dev/null` as input, so it cannot draw over or read from memtop's terminal.
  ///   - environment: variables to set (or replace) in the environment memtop passes on.
  ///   - outlivesMemtop: seconds the program may run on if memtop dies (0: it is killed at
  ///     once, with its group). For a helper that must not be cut off mid-way: a debugger
  ///     stopped inside calls into another process would leave that process to die.
  public init(
    arguments: [String], stdoutToStderr: Bool = false, outputPath: String? = nil, environment: [String: String] = [:],
    outlivesMemtop: Int32 = 0
  ) throws(LaunchError) {
    precondition(!arguments.isEmpty, "a command needs a program name")
    let program = arguments[0]
    let path: String
    switch Self.resolve(program) {
    case .success(let found): path = found
    case .failure(let error): throw LaunchError(program: program, cause: error)
    }
    var input: Int32 = -1
    var output: Int32 = -1
    defer {
      if input >= 0 { close(input) }
      if output >= 0 { close(output) }
    }
    if let outputPath {
      input = open("/dev/null", O_RDONLY | O_CLOEXEC)
      output = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
      if input < 0 || output < 0 { throw LaunchError(program: program, cause: SystemError(errno: errno)) }
    }
    let cStrings = arguments.map { strdup($0) }
    defer { for pointer in cStrings { free(pointer) } }
    let argv = cStrings + [nil]
    let envStrings = Self.environment(replacing: environment).map { strdup($0) }
    defer { for pointer in envStrings { free(pointer) } }
    let envp = envStrings + [nil]
    var programPID: pid_t = 0
    let guardian: pid_t = argv.withUnsafeBufferPointer { argvBuffer in
      envp.withUnsafeBufferPointer { envBuffer in
        memtop_spawn(
          path, argvBuffer.baseAddress, envBuffer.baseAddress, input,
          outputPath != nil ? output : (stdoutToStderr ? 2 : -1), output, max(outlivesMemtop, 0), &programPID)
      }
    }
    if guardian < 0 { throw LaunchError(program: program, cause: SystemError(errno: errno)) }
    guardPID = guardian
    pid = programPID
  }

  /// memtop's environment (`NAME=value` strings) with `changes` set.
  static func environment(replacing changes: [String: String]) -> [String] {
    var out: [String] = []
    var index = 0
    while let entry = environ[index] {
      let text = String(cString: entry)
      let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
      if changes[name] == nil { out.append(text) }
      index += 1
    }
    for (name, value) in changes.sorted(by: { $0.key < $1.key }) { out.append(name + "=" + value) }
    return out
  }

  /// Finds `program` as `execvp` would: a name with a slash as given, else the first
  /// executable file of that name on `PATH`.
  package static func resolve(_ program: String) -> Result<String, SystemError> {
    if program.isEmpty { return .failure(.noSuchFile) }
    if program.contains("/") { return .success(program) }
    let searchPath = ProcessEnvironment.value("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
    var denied = false
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
      var info = stat()
      guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
      if access(candidate, X_OK) == 0 { return .success(candidate) }
      denied = true
    }
    return .failure(denied ? .permissionDenied : .noSuchFile)
  }

  /// Reaps the child if it has exited; returns how it ended, or `nil` while it runs.
  @discardableResult
  public func poll() -> ChildTermination? {
    if let termination { return termination }
    return wait(options: WNOHANG)
  }

  /// Blocks until the child exits (retrying EINTR) and returns how it ended.
  package func waitForExit() -> ChildTermination {
    if let termination { return termination }
    return wait(options: 0) ?? .exited(0)
  }

  /// Sends `signo` to the child if it still runs.
  public func signal(_ signo: Int32) {
    guard termination == nil else { return }
    kill(pid, signo)
  }

  /// Sends `signo` to every process still in the child's group (its workers too, even after
  /// the child itself has exited).
  package func signalGroup(_ signo: Int32) {
    kill(-guardPID, signo)
  }

  /// Ends the command and its whole process group: SIGTERM to the group, then SIGKILL to
  /// whatever is left after `grace` seconds. Returns how the command itself ended.
  @discardableResult
  package func stopGroup(grace: Double = 2) -> ChildTermination {
    signalGroup(SIGTERM)
    let deadline = Syscalls.monotonicSeconds() + grace
    while poll() == nil && Syscalls.monotonicSeconds() < deadline { usleep(20_000) }
    // Workers that ignored SIGTERM (or the command itself) get no second chance.
    signalGroup(SIGKILL)
    return waitForExit()
  }

  /// The process group that had the terminal before ``giveTerminal()``.
  private var terminalOwner: pid_t?

  /// Makes the command's group the terminal's foreground group when standard input is
  /// memtop's terminal, so the command reads it (and gets its Ctrl-C) as it would without
  /// memtop. Returns whether it did.
  @discardableResult
  package func giveTerminal() -> Bool {
    guard isatty(0) == 1 else { return false }
    let owner = tcgetpgrp(0)
    guard owner == getpgrp() else { return false }
    guard Self.withoutTTOU({ tcsetpgrp(0, guardPID) }) == 0 else { return false }
    terminalOwner = owner
    return true
  }

  /// Gives the terminal back to memtop's group (once the command has ended or been stopped).
  package func takeTerminalBack() {
    guard let owner = terminalOwner else { return }
    terminalOwner = nil
    _ = Self.withoutTTOU { tcsetpgrp(0, owner) }
  }

  /// Runs `body` with SIGTTOU blocked: a background group may then set the terminal's group.
  private static func withoutTTOU(_ body: () -> Int32) -> Int32 {
    var block = sigset_t()
    var old = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGTTOU)
    pthread_sigmask(SIG_BLOCK, &block, &old)
    defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
    return body()
  }

  /// Waits up to `seconds` for the command to end by itself; returns how it ended, or nil.
  package func waitForExit(seconds: Double) -> ChildTermination? {
    let deadline = Syscalls.monotonicSeconds() + seconds
    while Syscalls.monotonicSeconds() < deadline {
      if let done = poll() { return done }
      usleep(20_000)
    }
    return poll()
  }

  private func wait(options: Int32) -> ChildTermination? {
    var status: Int32 = 0
    while true {
      let rc = waitpid(guardPID, &status, options)
      if rc == guardPID {
        let result = ChildTermination(waitStatus: status)
        termination = result
        return result
      }
      if rc == 0 { return nil }
      if errno == EINTR { continue }
      // ECHILD: someone else reaped it; report an unknown clean exit rather than hang.
      termination = .exited(0)
      return termination
    }
  }
}

/// The environment memtop was started with.
package enum ProcessEnvironment {
  package static func value(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}
