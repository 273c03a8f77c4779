import Foundation
import MemtopSystem
import MemtopTestSupport
import MemtopTrend
import Testing

@testable import MemtopCore
@testable import MemtopSampling

@Suite("detailed reads follow the target's changes, not the clock")
struct DetailTriggerTests {
  static let mib: UInt64 = 1 << 20

  func level(_ rss: UInt64, anon: UInt64? = nil, file: UInt64? = nil, at time: Double) -> DetailTrigger.Level {
    DetailTrigger.Level(rss: rss, anon: anon ?? rss / 2, file: file ?? rss / 4, time: time)
  }

  @Test("due before any read; not due while the sizes hold; due once one moves past the threshold")
  func moves() {
    var trigger = DetailTrigger(maxAge: 60)
    trigger.observe(level(100 * Self.mib, at: 0))
    #expect(trigger.isDue(at: 0))
    trigger.detailRead()
    trigger.observe(level(100 * Self.mib, at: 1))
    #expect(!trigger.isDue(at: 1))
    // 40 KiB of churn is below 64 KiB: not a move.
    trigger.observe(level(100 * Self.mib + 40 * 1024, anon: 50 * Self.mib, file: 25 * Self.mib, at: 2))
    #expect(!trigger.isDue(at: 2))
    // Anon alone moving 1 MiB under a flat RSS is a move (a file mapping shrank as much).
    trigger.observe(level(100 * Self.mib, anon: 51 * Self.mib, file: 24 * Self.mib, at: 3))
    #expect(trigger.isDue(at: 3))
    trigger.detailRead()
    // The move is measured from the last read, so slow drift adds up to a read.
    for step in 1...20 {
      trigger.observe(level(100 * Self.mib + UInt64(step) * 16 * 1024, anon: 51 * Self.mib, file: 24 * Self.mib, at: 3))
      if trigger.isDue(at: 3) {
        #expect(UInt64(step) * 16 * 1024 > 64 * 1024, "due after \(step) steps of 16 KiB")
        return
      }
    }
    Issue.record("320 KiB of drift never made a read due")
  }

  @Test("the threshold stays small on a large process: the carried staircase never makes level shifts")
  func largeProcess() {
    var trigger = DetailTrigger(maxAge: 60)
    trigger.observe(level(4096 * Self.mib, at: 0))
    trigger.detailRead()
    trigger.observe(level(4096 * Self.mib + 32 * 1024, anon: 2048 * Self.mib, file: 1024 * Self.mib, at: 1))
    #expect(!trigger.isDue(at: 1))
    trigger.observe(level(4096 * Self.mib + 100 * 1024, anon: 2048 * Self.mib, file: 1024 * Self.mib, at: 2))
    #expect(trigger.isDue(at: 2))
    #expect(Double(DetailTrigger.minimumChange) * 2 < LevelShiftDetector().minHeightBytes)
  }

  @Test("a reading older than the maximum age is due though nothing moved; a maximum age of 0 is always due")
  func maxAge() {
    var trigger = DetailTrigger(maxAge: 60)
    trigger.observe(level(100 * Self.mib, at: 0))
    trigger.detailRead()
    #expect(!trigger.isDue(at: 59.9))
    #expect(trigger.isDue(at: 60))
    var always = DetailTrigger(maxAge: 0)
    always.observe(level(100 * Self.mib, at: 0))
    always.detailRead()
    #expect(always.isDue(at: 0.001))
    trigger.reset()
    #expect(trigger.isDue(at: 1))
  }

  /// A sampler on a copy of a real capture (a 100 MiB Python process), on a clock where each
  /// read costs 1 ms, with a 1 % budget.
  func fixtureSampler(maxAge: Double = DetailTrigger.defaultMaxAge) throws -> (Sampler, ManualClock, String) {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096)
    let clock = ManualClock(now: 0, advancePerRead: 0.001)
    let sampler = Sampler(
      handle: handle, clock: clock, detailBudget: 0.01, startMonotonic: 0, detailMaxAge: maxAge)
    return (sampler, clock, root)
  }

  /// Runs `ticks` samples 10 ms apart (each clock read costs 1 ms, so a detailed read costs a
  /// few ms) and returns the rows.
  func run(_ sampler: Sampler, clock: ManualClock, ticks: Int) -> [MemorySample] {
    var rows: [MemorySample] = []
    for _ in 0..<ticks {
      if case .sample(let s) = sampler.sample() { rows.append(s) }
      clock.now += 0.01
    }
    return rows
  }

  @Test("a steady process is walked once; the rows the budget allowed carry that reading, with its age")
  func steadyFixture() throws {
    let (sampler, clock, _) = try fixtureSampler()
    let rows = run(sampler, clock: clock, ticks: 200)
    let withHeap = rows.filter { $0.heap != nil }
    let fresh = rows.filter { $0.detailAge == 0 }
    // One walk, at the first tick (a fixture tree is walked through smaps, which gives PSS too).
    #expect(sampler.detailReads == 1)
    #expect(fresh.count == 1)
    // The budget's cadence is kept: rows carrying heap come as often as reads would.
    #expect(withHeap.count >= 5, "\(withHeap.count) rows with heap")
    for row in withHeap {
      #expect(row.heap == 126_644_224 && row.brkHeap == 1_818_624)
      #expect(row.pss != nil, "PSS carried with heap")
      if row.detailAge != 0 {
        let age = try #require(row.detailAge)
        #expect(Double(age) / 1000 <= row.elapsed + 0.001 && age > 0, "age \(age) ms at \(row.elapsed) s")
      }
    }
    #expect(rows.allSatisfy { $0.heap == nil || $0.detailAge != nil }, "every row with figures says their age")
    #expect(sampler.skippedDetailReads >= 4)
  }

  @Test("when status shows RSS and anon moved, the next allowed tick walks afresh")
  func movedFixture() throws {
    let (sampler, clock, root) = try fixtureSampler()
    _ = run(sampler, clock: clock, ticks: 100)
    #expect(sampler.detailReads == 1)
    // The target grows by 20 MiB: written in place, as the kernel's file would read.
    let path = "\(root)/4242/status"
    var status = try String(contentsOfFile: path, encoding: .utf8)
    status = status.replacingOccurrences(of: "VmRSS:\t  131976 kB", with: "VmRSS:\t  152456 kB")
    status = status.replacingOccurrences(of: "RssAnon:\t  125212 kB", with: "RssAnon:\t  145692 kB")
    try status.write(toFile: path, atomically: false, encoding: .utf8)
    let rows = run(sampler, clock: clock, ticks: 100)
    #expect(try #require(rows.last?.rss) == 152456 * 1024, "the fixture edit reached the sampler")
    // Each budget, when it next allows, finds the sizes moved: one smaps_rollup read and one
    // walk, then nothing more while the new level holds.
    #expect(sampler.detailReads == 3, "one walk and one smaps_rollup read after the move")
    #expect(rows.filter { $0.detailAge == 0 }.count == 2)
  }

  @Test("--detail-max-age 0: every read the budget allows is done, as before the trigger")
  func clockDriven() throws {
    let (sampler, clock, _) = try fixtureSampler(maxAge: 0)
    let rows = run(sampler, clock: clock, ticks: 200)
    let withFigures = rows.filter { $0.heap != nil || $0.pss != nil }
    #expect(withFigures.count >= 5)
    #expect(withFigures.allSatisfy { $0.detailAge == 0 })
    #expect(sampler.skippedDetailReads == 0)
  }

  @Test("a steady process past the maximum age is walked again")
  func agedFixture() throws {
    let (sampler, clock, _) = try fixtureSampler(maxAge: 5)
    _ = run(sampler, clock: clock, ticks: 100)
    #expect(sampler.detailReads == 1)
    clock.now += 5
    _ = run(sampler, clock: clock, ticks: 100)
    #expect(sampler.detailReads == 2)
  }
}
