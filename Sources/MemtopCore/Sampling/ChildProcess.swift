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
public struct LaunchError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The program name as given.
  public var program: String
  /// The system error from `posix_spawnp`.
  public var cause: SystemError

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

/// A command memtop started itself: directly with `posix_spawnp`, never through a shell, so
/// every argument reaches the program verbatim.
public final class ChildProcess {
  /// The child's process id.
  public let pid: Int32
  /// How it ended, once reaped.
  public private(set) var termination: ChildTermination?

  /// Starts `arguments[0]` (looked up in `PATH`) with `arguments` as its argv.
  ///
  /// - Parameters:
  ///   - stdoutToStderr: send the child's standard output to memtop's standard error
  ///     (used when memtop itself writes data to standard output).
  ///   - outputPath: send the child's standard output and error to this file (appending) and
  ///     give it `/dev/null` as input, so it cannot draw over or read from memtop's terminal.
  public init(arguments: [String], stdoutToStderr: Bool = false, outputPath: String? = nil) throws(LaunchError) {
    precondition(!arguments.isEmpty, "a command needs a program name")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if stdoutToStderr { posix_spawn_file_actions_adddup2(&actions, 2, 1) }
    if let outputPath {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    // The child starts with default signal dispositions and an empty signal mask.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signo in StopSignals.handled + [SIGPIPE] { sigaddset(&defaults, signo) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let cStrings = arguments.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    let argv = cStrings + [nil]
    var child: pid_t = 0
    let rc: Int32 = argv.withUnsafeBufferPointer { argvBuffer in
      guard let program = cStrings[0], let base = argvBuffer.baseAddress else { return ENOMEM }
      return posix_spawnp(&child, program, &actions, &attributes, base, environ)
    }
    if rc != 0 { throw LaunchError(program: arguments[0], cause: SystemError(errno: rc)) }
    pid = child
  }

  /// Reaps the child if it has exited; returns how it ended, or `nil` while it runs.
  @discardableResult
  public func poll() -> ChildTermination? {
    if let termination { return termination }
    return wait(options: WNOHANG)
  }

  /// Blocks until the child exits (retrying EINTR) and returns how it ended.
  public func waitForExit() -> ChildTermination {
    if let termination { return termination }
    return wait(options: 0) ?? .exited(0)
  }

  /// Sends `signo` to the child if it still runs.
  public func signal(_ signo: Int32) {
    guard termination == nil else { return }
    kill(pid, signo)
  }

  private func wait(options: Int32) -> ChildTermination? {
    var status: Int32 = 0
    while true {
      let rc = waitpid(pid, &status, options)
      if rc == pid {
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
