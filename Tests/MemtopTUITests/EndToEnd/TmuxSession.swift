import Foundation
import MemtopTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A tmux server of its own (`tmux -L NAME`), so tests never touch anyone else's sessions.
final class TmuxSession {
  let socket: String
  private(set) var killed = false

  /// Whether `tmux` can be run here.
  static var isAvailable: Bool { which("tmux") != nil }

  /// The full path of `program` on PATH, or nil.
  static func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(program)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// Starts a detached `width`×`height` session running `command` (a shell command line) in `directory`.
  init(width: Int, height: Int, directory: String, command: String) throws {
    socket = "memtop-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-c", directory, command])
  }

  deinit { kill() }

  /// Runs `tmux -L socket ARGS`; returns its standard output.
  @discardableResult
  func run(_ arguments: [String]) throws -> String {
    try TestProcess.run([Self.which("tmux") ?? "tmux", "-L", socket] + arguments, timeout: 30).output
  }

  /// The visible text of the pane.
  func capture() -> String {
    (try? run(["capture-pane", "-p"])) ?? ""
  }

  /// Sends keys by tmux name (`Space`, `Enter`, `q`, ...).
  func send(_ keys: String...) throws {
    try run(["send-keys"] + keys)
  }

  /// Resizes the window.
  func resize(width: Int, height: Int) throws {
    try run(["resize-window", "-x", "\(width)", "-y", "\(height)"])
  }

  /// Polls the pane until `condition` holds or `timeout` seconds pass; returns the last capture
  /// and whether the condition held.
  func waitFor(timeout: Double = 30, _ condition: (String) -> Bool) -> (screen: String, ok: Bool) {
    let deadline = Date().addingTimeInterval(timeout)
    var screen = capture()
    while !condition(screen) {
      if Date() > deadline { return (screen, false) }
      usleep(200_000)
      screen = capture()
    }
    return (screen, true)
  }

  /// Stops the server.
  func kill() {
    guard !killed else { return }
    killed = true
    _ = try? run(["kill-server"])
    // tmux may leave its socket file behind; it is ours, so remove it.
    let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
    unlink("\(dir)/tmux-\(getuid())/\(socket)")
  }
}

/// A real `python3` that grows slowly, to be watched.
final class PythonChild {
  private let process: TestProcess
  /// The child's process id.
  var pid: pid_t { process.pid }

  static var isAvailable: Bool { TmuxSession.which("python3") != nil }

  /// Starts `script` (default: grow by 64 KiB every 0.1 s, then idle).
  init(
    script: String =
      "import time\nkeep = []\nfor _ in range(3000):\n    keep.append(bytearray(64 * 1024))\n    time.sleep(0.1)\ntime.sleep(600)\n"
  ) throws {
    process = try TestProcess(["python3", "-c", script])
  }
}
