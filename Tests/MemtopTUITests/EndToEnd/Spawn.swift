import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with `posix_spawn` and a clean signal state, and reaps them with `waitpid`.
///
/// Foundation's `Process` is avoided on purpose: its children can inherit a blocked signal
/// mask (so SIGTERM does nothing), and waiting on it can hang while a daemon such as the tmux
/// server holds an inherited descriptor.
enum Spawn {
  /// Starts `arguments` (looked up on PATH) with stdin from /dev/null and stdout/stderr to
  /// `output` (default /dev/null); returns the pid, or nil when it could not start.
  static func start(_ arguments: [String], output: String = "/dev/null") -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
    let cArgs = arguments.map { strdup($0) }
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    let rc = (cArgs + [nil]).withUnsafeBufferPointer { argv -> Int32 in
      guard let program = cArgs.first ?? nil, let base = argv.baseAddress else { return ENOENT }
      return posix_spawnp(&pid, program, &actions, &attributes, base, environ)
    }
    return rc == 0 ? pid : nil
  }

  /// Waits up to `timeout` seconds for `pid`; returns its exit status, or nil if it still runs.
  @discardableResult
  static func wait(_ pid: pid_t, timeout: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    repeat {
      let rc = waitpid(pid, &status, WNOHANG)
      if rc == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
      if rc < 0 && errno != EINTR { return -1 }
      usleep(10_000)
    } while Date() < deadline
    return nil
  }

  /// Runs `arguments` to completion (at most `timeout` seconds, then SIGKILL); returns stdout.
  static func run(_ arguments: [String], timeout: Double = 30) -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-spawn-\(UUID()).out").path
    defer { unlink(output) }
    guard let pid = start(arguments, output: output) else { return "" }
    if wait(pid, timeout: timeout) == nil {
      kill(pid, SIGKILL)
      wait(pid, timeout: 5)
    }
    return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
  }
}
