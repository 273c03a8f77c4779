import Foundation
import Testing

@testable import MemtopCore

/// The process table's growth is the analyzer's floor rate for each process, with its verdict,
/// never a difference of two readings.
@Suite("process table growth")
struct ProcessOverviewGrowthTests {
  /// A /proc fixture with one process whose statm is rewritten in place each tick.
  static func fixture() throws -> (root: String, statm: String) {
    let root = NSTemporaryDirectory() + "memtop-overview-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    let dir = root + "/4242"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let fields = (0..<49).map { $0 == 19 ? "777" : "0" }.joined(separator: " ")
    try "4242 (sawtooth) S \(fields)\n".write(toFile: dir + "/stat", atomically: false, encoding: .utf8)
    try "0 0 0 0 0 0 0\n".write(toFile: dir + "/statm", atomically: false, encoding: .utf8)
    return (root, dir + "/statm")
  }

  /// Drives the overview over `ticks` one-second ticks of RSS `bytes(tick)`; returns the rows
  /// seen each tick and a pyramid of the same readings.
  static func drive(ticks: Int, _ bytes: (Int) -> Int) throws -> (rows: [ProcessOverview.Row], pyramid: FloorPyramid) {
    let (root, statm) = try fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let overview = ProcessOverview(procRoot: root, window: 60, pageSize: 4096)
    var pyramid = FloorPyramid(capacity: 256)
    var rows: [ProcessOverview.Row] = []
    for tick in 0..<ticks {
      let pages = bytes(tick) / 4096
      let handle = try #require(FileHandle(forWritingAtPath: statm))
      try handle.truncate(atOffset: 0)
      try handle.write(contentsOf: Data("\(pages * 2) \(pages) 100 10 0 \(pages) 0\n".utf8))
      try handle.close()
      overview.refresh(now: Double(tick))
      pyramid.append(time: Double(tick), value: Double(pages * 4096))
      rows.append(try #require(overview.rows.first { $0.identity.pid == 4242 }))
    }
    return (rows, pyramid)
  }

  @Test("a leak's growth is the analyzer's floor rate with its verdict, not the last two readings")
  func leak() throws {
    // 100 MiB + 50 kB/s, with 0–4 MiB of temporaries that make two-point differences swing.
    let (rows, pyramid) = try Self.drive(ticks: 240) { 100 << 20 + 50_000 * $0 + (($0 * 7919) % 5) * (1 << 20) }
    let last = try #require(rows.last)
    let own = TrendAnalyzer().analyze(pyramid, label: "RSS")
    #expect(last.verdict == .leak)
    let growth = try #require(last.growthBytesPerSecond)
    #expect(abs(growth - 50_000) < 5_000, "growth \(growth)")
    #expect(own.slopeCI.contains(growth), "\(growth) vs \(own.rateWithInterval)")
    // Before the analyzer has a rate the column has none (never a two-point difference).
    #expect(rows[3].growthBytesPerSecond == nil)
  }

  @Test("a sawtooth's growth never shows the swing of two readings, nor a leak")
  func sawtooth() throws {
    // 100 MiB, +0.5 MiB a second, collected every 40 s.
    let (rows, _) = try Self.drive(ticks: 240) { 100 << 20 + ($0 % 40) * (1 << 19) }
    for (tick, row) in rows.enumerated() {
      // Until the first collection (40 s) the readings are a clean steady climb, which is
      // what a leak looks like; once a collection has been seen, never a leak.
      if tick >= 45 { #expect(row.verdict != .leak, "tick \(tick)") }
      // Before two cycles are seen the climb may be all there is (flagged inconclusive, not
      // leak); after that the floor is flat and so is its rate.
      guard tick >= 100 else { continue }
      if let g = row.growthBytesPerSecond {
        #expect(abs(g) < 20_000, "tick \(tick): \(g) B/s, \(String(describing: row.verdict))")
      }
    }
  }
}
