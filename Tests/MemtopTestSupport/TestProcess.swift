import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A child process a test starts: its argv run without a shell (the program looked up on
/// `PATH`), with no signal blocked and every handler at its default, and always reaped (killed
/// first if it still runs when the test lets go of it).
///
/// Foundation's `Process` is avoided on purpose: its children inherit the test runner's blocked
/// signals (so SIGTERM does nothing and gdb waits forever for SIGCHLD), and waiting on it can
/// hang under the runner's concurrency or while a daemon such as the tmux server holds an
/// inherited descriptor.
package final class TestProcess {
  /// Where one of the child's standard streams goes.
  package enum Stream {
    /// The test runner's own.
    case inherit
    /// `/dev/null`.
    case null
    /// A file: read for standard input; created or truncated (mode 0644) for an output.
    case file(String)
    /// A pipe whose other end the test holds (`input` for standard input, `output` for
    /// standard output).
    case pipe
    /// For standard error only: wherever standard output goes.
    case standardOutput
  }

  /// Thrown when the program could not be started.
  package struct StartFailed: Error, CustomStringConvertible {
    /// The argv that was to run.
    package let argv: [String]
    /// The errno `posix_spawnp` returned.
    package let code: Int32
    /// One line naming the program and the reason.
    package var description: String { "cannot start \(argv.first ?? "nothing"): \(String(cString: strerror(code)))" }
  }

  /// The child's process id.
  package let pid: pid_t
  /// The write end of the child's standard input, when it is a `.pipe`; closed by `stop()`.
  package let input: Int32?
  /// The read end of the child's standard output, when it is a `.pipe`; closed by `stop()`.
  package let output: Int32?
  /// The file standard output was sent to ("/dev/null" when discarded), if any.
  package let stdoutPath: String?
  /// The file standard error was sent to ("/dev/null" when discarded), if any.
  package let stderrPath: String?
  /// The exit status once reaped: the code it exited with, or 128 + the signal that ended it.
  package private(set) var status: Int32?
  private var pipesOpen = true

  /// Starts `argv` with the given standard streams; throws `StartFailed` when it cannot start.
  package init(_ argv: [String], stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .standardOutput)
    throws
  {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var parentEnds: [Int32] = []
    var childEnds: [Int32] = []
    defer { for fd in childEnds { close(fd) } }
    var input: Int32?
    var output: Int32?
    func redirect(_ stream: Stream, to fd: Int32) throws {
      switch stream {
      case .inherit:
        break
      case .null:
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
      case .file(let path):
        if fd == 0 {
          posix_spawn_file_actions_addopen(&actions, fd, path, O_RDONLY, 0)
        } else {
          posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
      case .pipe:
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw StartFailed(argv: argv, code: errno) }
        // Neither end stays open in a program run later (the child gets its end as `fd`).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (childEnd, parentEnd) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
        childEnds.append(childEnd)
        parentEnds.append(parentEnd)
        posix_spawn_file_actions_adddup2(&actions, childEnd, fd)
        if fd == 0 { input = parentEnd } else { output = parentEnd }
      case .standardOutput:
        posix_spawn_file_actions_adddup2(&actions, 1, fd)
      }
    }
    do {
      try redirect(stdin, to: 0)
      try redirect(stdout, to: 1)
      try redirect(stderr, to: 2)
    } catch {
      for fd in parentEnds { close(fd) }
      throw error
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var all = sigset_t()
    sigfillset(&all)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let cArgs = argv.map { strdup($0) }
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    let rc = (cArgs + [nil]).withUnsafeBufferPointer { pointers -> Int32 in
      guard let program = cArgs.first ?? nil, let base = pointers.baseAddress else { return ENOENT }
      return posix_spawnp(&pid, program, &actions, &attributes, base, environ)
    }
    guard rc == 0 else {
      for fd in parentEnds { close(fd) }
      throw StartFailed(argv: argv, code: rc)
    }
    self.pid = pid
    self.input = input
    self.output = output
    self.stdoutPath = Self.path(of: stdout)
    if case .standardOutput = stderr {
      self.stderrPath = Self.path(of: stdout)
    } else {
      self.stderrPath = Self.path(of: stderr)
    }
  }

  /// Runs `argv` to its end with standard input from /dev/null and standard output and error
  /// together in a file; after `timeout` seconds it is killed. Returns its exit status (nil when
  /// it was killed for running too long) and what it printed.
  package static func run(_ argv: [String], timeout: Double = 120) throws -> (status: Int32?, output: String) {
    let path = Scratch.file("memtop-run", extension: "out")
    defer { unlink(path) }
    let child = try TestProcess(argv, stdout: .file(path))
    let status = child.wait(timeout: timeout)
    child.stop()
    return (status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
  }

  /// What was written to the file standard output went to ("" when it went elsewhere).
  package var stdout: String { Self.contents(stdoutPath) }
  /// What was written to the file standard error went to ("" when it went elsewhere).
  package var stderr: String { Self.contents(stderrPath) }

  /// Waits up to `timeout` seconds for the child to end; returns its exit status (see
  /// `status`), or nil if it still runs.
  @discardableResult
  package func wait(timeout: Double = 120) -> Int32? {
    if let status { return status }
    let deadline = Date().addingTimeInterval(timeout)
    var raw: Int32 = 0
    repeat {
      let rc = waitpid(pid, &raw, WNOHANG)
      if rc == pid {
        status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        return status
      }
      if rc < 0 && errno != EINTR { return nil }
      usleep(10_000)
    } while Date() < deadline
    return nil
  }

  /// Sends `signo` to the child, unless it has been reaped.
  package func signal(_ signo: Int32) {
    if status == nil { kill(pid, signo) }
  }

  /// Closes the pipes, kills the child if it still runs and reaps it.
  package func stop() {
    if pipesOpen {
      pipesOpen = false
      if let input { close(input) }
      if let output { close(output) }
    }
    guard status == nil else { return }
    kill(pid, SIGKILL)
    wait(timeout: 60)
  }

  deinit { stop() }

  private static func path(of stream: Stream) -> String? {
    switch stream {
    case .null: "/dev/null"
    case .file(let path): path
    case .inherit, .pipe, .standardOutput: nil
    }
  }

  private static func contents(_ path: String?) -> String {
    guard let path else { return "" }
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }
}
