import Foundation
import MemtopTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A real `python3` child driven over its standard input: each line sent is a statement to run,
/// and the child answers `ok` when it has run it.
final class PythonChild {
  private let process: TestProcess
  /// The child's process id.
  var pid: Int32 { process.pid }

  /// Starts the child, waiting for its first statement.
  init() throws {
    let script =
      "import sys\nwhile True:\n    line = sys.stdin.readline()\n    if not line: break\n    exec(line)\n    print('ok', flush=True)\n"
    process = try TestProcess(["python3", "-u", "-c", script], stdin: .pipe, stdout: .pipe, stderr: .inherit)
  }

  /// Runs one line of Python in the child and waits for it to finish.
  func run(_ statement: String) throws {
    guard let toChild = process.input, let fromChild = process.output else { throw CocoaError(.fileWriteUnknown) }
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
  func stop() { process.stop() }
}
