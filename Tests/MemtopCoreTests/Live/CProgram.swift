import Foundation
import MemtopTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A small C program compiled with `cc` at test time and run as a child: it prints `ready`
/// once its memory is in place, then waits until its standard input closes.
final class CProgram {
  private let process: TestProcess
  /// The program's process id.
  var pid: Int32 { process.pid }
  /// The folder holding its source and binary, removed by `stop()`.
  let directory: URL

  /// Compiles `source` (with `-pthread`) in a fresh temporary folder and runs it with `arguments`.
  init(source: String, arguments: [String] = []) throws {
    directory = URL(fileURLWithPath: try Scratch.directory("memtop-cprog"))
    let sourcePath = directory.appendingPathComponent("program.c").path
    let binary = directory.appendingPathComponent("program").path
    try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
    let compiler = try TestProcess(
      ["cc", "-O1", "-pthread", "-o", binary, sourcePath], stdin: .inherit, stdout: .inherit, stderr: .inherit)
    guard compiler.wait(timeout: 600) == 0 else { throw CocoaError(.executableLoad) }
    process = try TestProcess([binary] + arguments, stdin: .pipe, stdout: .pipe, stderr: .inherit)
  }

  /// Waits (up to a minute: the machine may be loaded) for the program's `ready` line; returns
  /// what it printed up to then.
  @discardableResult
  func waitUntilReady() throws -> String {
    guard let fromChild = process.output else { throw CocoaError(.fileReadUnknown) }
    var seen: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    let deadline = Date().addingTimeInterval(60)
    while !String(decoding: seen, as: UTF8.self).contains("ready\n") {
      var poller = pollfd(fd: fromChild, events: Int16(POLLIN), revents: 0)
      guard Date() < deadline else { throw CocoaError(.fileReadUnknown) }
      if poll(&poller, 1, 1000) <= 0 { continue }
      let n = buffer.withUnsafeMutableBytes { read(fromChild, $0.baseAddress, $0.count) }
      if n <= 0 { throw CocoaError(.fileReadUnknown) }
      seen += buffer[0..<n]
    }
    return String(decoding: seen, as: UTF8.self)
  }

  /// Ends the program, reaps it and removes its folder.
  func stop() {
    process.stop()
    try? FileManager.default.removeItem(at: directory)
  }

  deinit { stop() }
}
