import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopSystem
import MemtopTestSupport
import MemtopTrend
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
    try Self.statm(kB: 0).write(toFile: dir + "/statm", atomically: false, encoding: .utf8)
    return (root, dir + "/statm")
  }

  /// A `statm` file (4 KiB pages) of a process holding `kB` resident, 400 KiB of it shared.
  static func statm(kB: Int) -> String {
    let pages = kB / 4
    return "\(pages * 2 + 1) \(pages) 100 10 0 \(pages) 0\n"
  }

  /// Rewrites a file in place (the same inode, as the kernel's files stay the same).
  static func rewrite(_ path: String, _ text: String) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
  }

  /// Drives the overview over `ticks` one-second ticks of RSS `bytes(tick)`; returns the rows
  /// seen each tick and a pyramid of the same readings.
  static func drive(ticks: Int, _ bytes: (Int) -> Int) throws -> (rows: [ProcessOverview.Row], pyramid: FloorPyramid) {
    let (root, statmPath) = try fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let overview = ProcessOverview(procRoot: root, window: 60, pageSize: 4096)
    var pyramid = FloorPyramid(capacity: 256)
    var rows: [ProcessOverview.Row] = []
    for tick in 0..<ticks {
      let pages = bytes(tick) / 4096
      try Self.rewrite(statmPath, Self.statm(kB: pages * 4))
      overview.refresh(now: Double(tick))
      pyramid.append(time: Double(tick), value: Double(pages * 4096))
      rows.append(try #require(overview.rows.first { $0.identity.pid == 4242 }))
    }
    return (rows, pyramid)
  }

  @Test("serve's idle reading: a process whose RSS held is read every 4th pass, and every pass again once it moves")
  func idleRead() throws {
    let (root, statmPath) = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.rewrite(statmPath, Self.statm(kB: 8192))
    let overview = ProcessOverview(procRoot: root, window: 600, pageSize: 4096, idleReadEvery: 4)
    let readings = { (try #require(overview.rows.first)).history.count }
    for tick in 0..<40 { overview.refresh(now: Double(tick)) }
    // Ten reads to count as idle, then one pass in four.
    let idle = try readings()
    #expect(idle >= 11 + 29 / 4 - 1 && idle <= 11 + 29 / 4 + 1, "\(idle) readings in 40 passes")
    // It moves: seen within four passes, then read on every pass.
    try Self.rewrite(statmPath, Self.statm(kB: 16384))
    var seenAt: Int?
    for tick in 40..<60 {
      overview.refresh(now: Double(tick))
      if seenAt == nil, (try #require(overview.rows.first).rss ?? 0) >= 16384 * 1024 { seenAt = tick }
      try Self.rewrite(statmPath, Self.statm(kB: 16384 + 4 * (tick - 39)))
    }
    let seen = try #require(seenAt)
    #expect(seen < 44, "seen at pass \(seen)")
    #expect(try readings() - idle >= 60 - seen - 1, "read on every pass once it moved")
    // The table reads every process on every pass.
    let table = ProcessOverview(procRoot: root, window: 600, pageSize: 4096)
    for tick in 0..<40 { table.refresh(now: Double(tick)) }
    #expect(try #require(table.rows.first).history.count == 40)
  }

  @Test("an idle row keeps no floor-pyramid bins; once its RSS moves, it bins every reading since its first")
  func idleRowKeepsNoBins() throws {
    let (root, statmPath) = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.rewrite(statmPath, Self.statm(kB: 8192))
    let overview = ProcessOverview(procRoot: root, window: 60, pageSize: 4096)
    for tick in 0..<600 { overview.refresh(now: Double(tick)) }
    #expect(overview.binsHeld == 0)
    #expect(try #require(overview.rows.first).verdict == .stable)
    try Self.rewrite(statmPath, Self.statm(kB: 8196))
    overview.refresh(now: 600)
    // 601 readings in bins of 5, 10, … 320: level 0 trimmed to its 64 latest, then 60, 30, 15,
    // 7, 3 and 1.
    #expect(overview.binsHeld == 64 + 60 + 30 + 15 + 7 + 3 + 1, "\(overview.binsHeld)")
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

  @Test("each row is read by the watch's sampler and judged by the live view's analysis: same RSS, verdict and rate")
  func samePolicyAsLiveView() throws {
    let (root, statmPath) = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let overview = ProcessOverview(procRoot: root, window: 60, pageSize: 4096)
    // A watch's own pipeline over the same file: a Sampler and a LiveAnalysis on RSS.
    let clock = ManualClock()
    let sampler = Sampler(
      handle: try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096, useHeapIoctls: false, openStatus: false),
      clock: clock, detailBudget: 0, startMonotonic: 0, tickRead: .statm)
    var live = LiveAnalysis(
      metrics: [.rss], evaluateEvery: ProcessOverview.evaluateEveryTicks,
      rawCapacity: TrendConfiguration().youngSampleCount, pyramidCapacity: 257, phase: 4242)
    for tick in 0..<300 {
      let kB = 50_000 + 40 * tick + (tick * 7919 % 5) * 1024
      try Self.rewrite(statmPath, Self.statm(kB: kB))
      overview.refresh(now: Double(tick))
      clock.now = Double(tick)
      guard case .sample(let sample) = sampler.sample() else {
        Issue.record("the sampler lost the fixture at tick \(tick)")
        return
      }
      live.append(sample, limitBytes: nil)
      let row = try #require(overview.rows.first { $0.identity.pid == 4242 })
      #expect(
        row.rss == sample.rss && row.anon == sample.anon,
        "tick \(tick): \(String(describing: row.rss)) vs \(String(describing: sample.rss))")
      let result = live.results[0]
      #expect(row.verdict == result?.verdict, "tick \(tick)")
      #expect(row.leakConfirmed == live.isRaised(0), "tick \(tick)")
      if let result, result.verdict != .insufficientData, result.slopeBytesPerSecond.isFinite {
        #expect(row.growthBytesPerSecond == result.slopeBytesPerSecond, "tick \(tick)")
      }
    }
    // 40 kB/s under 0–4 MiB of noise for 5 minutes: the leak is found and confirmed.
    let last = try #require(overview.rows.first)
    #expect(last.verdict == .leak && last.leakConfirmed, "\(String(describing: last.verdict))")
  }

  @Test("with a confirmation delay a growth is judged leak at once but suspected once it has lasted that long")
  func confirmationDelay() throws {
    let (root, statmPath) = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let prompt = ProcessOverview(procRoot: root, window: 60, pageSize: 4096)
    let patient = ProcessOverview(procRoot: root, window: 60, pageSize: 4096, confirmSeconds: 240)
    var firstLeak: Int?
    var promptAt: Int?
    var patientAt: Int?
    for tick in 0..<360 {
      let kB = 50_000 + 40 * tick + (tick * 7919 % 5) * 1024
      try Self.rewrite(statmPath, Self.statm(kB: kB))
      prompt.refresh(now: Double(tick))
      patient.refresh(now: Double(tick))
      let quick = try #require(prompt.rows.first { $0.identity.pid == 4242 })
      let slow = try #require(patient.rows.first { $0.identity.pid == 4242 })
      // The same analysis: the delay changes only when the row is suspected.
      #expect(quick.verdict == slow.verdict && quick.growthBytesPerSecond == slow.growthBytesPerSecond)
      // What the radar ranks on is what the row says.
      let standing = try #require(patient.standings.first { $0.identity == slow.identity })
      #expect(standing.leakConfirmed == slow.leakConfirmed)
      #expect(standing.growthBytesPerSecond == slow.growthBytesPerSecond)
      #expect(standing.readable == (slow.rss != nil) && patient.row(slow.identity)?.rss == slow.rss)
      if firstLeak == nil, slow.verdict == .leak { firstLeak = tick }
      if promptAt == nil, quick.leakConfirmed { promptAt = tick }
      if patientAt == nil, slow.leakConfirmed { patientAt = tick }
    }
    let leak = try #require(firstLeak)
    let quick = try #require(promptAt)
    let slow = try #require(patientAt, "never suspected with the delay")
    #expect(leak < 120 && quick < 120, "leak at \(leak), suspected at \(quick)")
    #expect(slow >= 240 && slow < 300, "suspected at \(slow) s with a 240 s delay")
  }
}
