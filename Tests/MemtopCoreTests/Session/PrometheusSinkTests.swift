import Foundation
import MemtopSampling
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore

/// The Prometheus sink writing into a temporary folder: the board after every sample, the
/// textfile at most once a second of the watch's own time (its samples' elapsed seconds, so no
/// clock is involved), replaced whole.
@Suite("Prometheus sink")
struct PrometheusSinkTests {
  static func sample(at elapsed: Double, rss: UInt64) -> MemorySample {
    MemorySample(timeUnix: 1_764_000_000 + elapsed, elapsed: elapsed, pid: 42, rss: rss)
  }

  static func read(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
  }

  @Test("the board holds the newest sample at once, named by pid and command")
  func board() throws {
    let board = MetricsBoard()
    var name = "launcher"
    let sink = PrometheusSink(pid: 42, board: board, textfile: nil, name: { name }, textfileFailed: { _ in })
    #expect(board.text == sink.text)
    name = "worker"
    try sink.take(Self.sample(at: 0, rss: 4096), members: [])
    #expect(board.text.contains("memtop_rss_bytes{pid=\"42\",comm=\"worker\"} 4096\n"), "\(board.text)")
    try sink.take(Self.sample(at: 0.1, rss: 8192), members: [])
    #expect(board.text.contains("memtop_rss_bytes{pid=\"42\",comm=\"worker\"} 8192\n"), "\(board.text)")
  }

  @Test("the textfile is written at the first sample, then at most once a second, and whole at the finish")
  func textfile() throws {
    let dir = try Scratch.directory("memtop-serve")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/memtop.prom"
    let sink = PrometheusSink(pid: 42, board: nil, textfile: path, name: { "app" }, textfileFailed: { _ in })
    #expect(Self.read(path) == nil, "nothing is written before the first sample")
    try sink.take(Self.sample(at: 0, rss: 1000), members: [])
    #expect(Self.read(path)?.contains("memtop_rss_bytes{pid=\"42\",comm=\"app\"} 1000\n") == true)
    try sink.take(Self.sample(at: 0.5, rss: 2000), members: [])
    #expect(Self.read(path)?.contains("} 1000\n") == true, "half a second later the file is unchanged")
    try sink.take(Self.sample(at: 1.0, rss: 3000), members: [])
    #expect(Self.read(path)?.contains("} 3000\n") == true, "a second later it is rewritten")
    try sink.take(Self.sample(at: 1.2, rss: 4000), members: [])
    try sink.finish()
    #expect(Self.read(path) == sink.text, "the finish writes the last state at once")
    // Replaced by rename: no temporary file is left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["memtop.prom"])
  }

  @Test("a textfile that cannot be written is reported once; the board goes on")
  func unwritable() throws {
    let dir = try Scratch.directory("memtop-serve")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let board = MetricsBoard()
    let path = dir + "/missing/memtop.prom"
    var failures: [SystemError] = []
    let sink = PrometheusSink(
      pid: 42, board: board, textfile: path, name: { "app" }, textfileFailed: { failures.append($0) })
    for second in 0..<3 {
      try sink.take(Self.sample(at: Double(second), rss: UInt64(second + 1) * 4096), members: [])
    }
    try sink.finish()
    #expect(failures == [.noSuchFile])
    #expect(board.text.contains("} 12288\n"))
  }

  @Test("prepareTextfile creates the file empty, and refuses a path that cannot be written")
  func prepare() throws {
    let dir = try Scratch.directory("memtop-serve")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try PrometheusSink.prepareTextfile(dir + "/memtop.prom")
    #expect(Self.read(dir + "/memtop.prom") == "")
    #expect(throws: SystemError.noSuchFile) { try PrometheusSink.prepareTextfile(dir + "/missing/memtop.prom") }
  }
}
