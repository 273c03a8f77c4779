import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small C program compiled with `cc` at test time and run as a child: it prints `ready`
/// once its memory is in place, then waits until its standard input closes.
///
/// Started with `posix_spawn` and reaped with `waitpid` directly, as ``PythonChild`` is.
final class CProgram {
  let pid: Int32
  let directory: URL
  private let toChild: Int32
  private let fromChild: Int32
  private var reaped = false

  /// Compiles `source` (with `-pthread`) in a fresh temporary folder and runs it with `arguments`.
  init(source: String, arguments: [String] = []) throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-cprog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let sourcePath = directory.appendingPathComponent("program.c").path
    let binary = directory.appendingPathComponent("program").path
    try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
    let status = try Self.run(["cc", "-O1", "-pthread", "-o", binary, sourcePath])
    guard status == 0 else { throw CocoaError(.executableLoad) }

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
    let args = ([binary] + arguments).map { strdup($0) }
    defer { for pointer in args { free(pointer) } }
    var child: pid_t = 0
    let rc = posix_spawn(&child, binary, &actions, nil, args + [nil], environ)
    close(inPipe[0])
    close(outPipe[1])
    guard rc == 0 else { throw CocoaError(.fileReadUnknown) }
    pid = child
    toChild = inPipe[1]
    fromChild = outPipe[0]
  }

  /// Waits (up to a minute: the machine may be loaded) for the program's `ready` line; returns
  /// what it printed up to then.
  @discardableResult
  func waitUntilReady() throws -> String {
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
    guard !reaped else { return }
    reaped = true
    close(toChild)
    close(fromChild)
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    try? FileManager.default.removeItem(at: directory)
  }

  deinit { stop() }

  /// Runs a command to the end (no shell) and returns its exit status.
  static func run(_ argv: [String]) throws -> Int32 {
    let args = argv.map { strdup($0) }
    defer { for pointer in args { free(pointer) } }
    var child: pid_t = 0
    guard posix_spawnp(&child, argv[0], nil, nil, args + [nil], environ) == 0 else {
      throw CocoaError(.executableNotLoadable)
    }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    return status
  }
}
