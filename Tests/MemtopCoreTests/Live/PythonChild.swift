import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `python3` child driven over its standard input: each line sent is a statement to run,
/// and the child answers `ok` when it has run it.
///
/// Started with `posix_spawnp` and reaped with `waitpid` directly: Foundation's `Process`
/// can hang in `waitUntilExit` under the test runner's concurrency.
final class PythonChild {
  let pid: Int32
  private let toChild: Int32
  private let fromChild: Int32
  private var reaped = false

  init() throws {
    var inPipe: [Int32] = [0, 0]
    var outPipe: [Int32] = [0, 0]
    guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw CocoaError(.fileWriteUnknown) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, inPipe[1])
    posix_spawn_file_actions_addclose(&actions, outPipe[0])
    let script =
      "import sys\nwhile True:\n    line = sys.stdin.readline()\n    if not line: break\n    exec(line)\n    print('ok', flush=True)\n"
    let argv: [String] = ["python3", "-u", "-c", script]
    let args = argv.map { strdup($0) }
    defer { for pointer in args { free(pointer) } }
    var child: pid_t = 0
    let rc = posix_spawnp(&child, "python3", &actions, nil, args + [nil], environ)
    close(inPipe[0])
    close(outPipe[1])
    guard rc == 0 else { throw CocoaError(.fileReadUnknown) }
    pid = child
    toChild = inPipe[1]
    fromChild = outPipe[0]
  }

  /// Runs one line of Python in the child and waits for it to finish.
  func run(_ statement: String) throws {
    let line = Array((statement + "\n").utf8)
    guard line.withUnsafeBytes({ write(toChild, $0.baseAddress, $0.count) }) == line.count else {
      throw CocoaError(.fileWriteUnknown)
    }
    var seen: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while !String(decoding: seen, as: UTF8.self).contains("ok\n") {
      let n = buffer.withUnsafeMutableBytes { read(fromChild, $0.baseAddress, $0.count) }
      if n <= 0 { throw CocoaError(.fileReadUnknown) }
      seen += buffer[0..<n]
    }
  }

  /// Ends the child and reaps it.
  func stop() {
    guard !reaped else { return }
    reaped = true
    close(toChild)
    close(fromChild)
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  deinit { stop() }
}
