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

  @Test(
    "reads for age alone that find the same figures double the age, up to 4×; a move of a figure or a size resets it")
  func backoff() {
    var trigger = DetailTrigger(maxAge: 60)
    let figures: [UInt64?] = [30 * Self.mib, 2 * Self.mib, nil]
    trigger.observe(level(100 * Self.mib, at: 0))
    trigger.detailRead(found: figures)
    #expect(trigger.currentMaxAge == 60)
    // 60 s on, nothing moved and the read finds the same: the next waits 120 s, then 240 s.
    trigger.observe(level(100 * Self.mib, at: 60))
    #expect(trigger.isDue(at: 60))
    trigger.detailRead(found: figures)
    #expect(trigger.currentMaxAge == 120)
    trigger.observe(level(100 * Self.mib, at: 179))
    #expect(!trigger.isDue(at: 179.9))
    #expect(trigger.isDue(at: 180))
    trigger.observe(level(100 * Self.mib, at: 180))
    trigger.detailRead(found: figures)
    // A buffer's churn (under half a MiB) is not a change of figures.
    trigger.observe(level(100 * Self.mib, at: 420))
    trigger.detailRead(found: [30 * Self.mib + 300 * 1024, 2 * Self.mib, nil])
    #expect(trigger.currentMaxAge == 240, "at most 4×")
    #expect(Double(DetailTrigger.sameFigures) * 2 <= LevelShiftDetector().minHeightBytes)
    // A shift between kinds under a flat total, found by a read for age: back to a minute.
    trigger.observe(level(100 * Self.mib, at: 660))
    trigger.detailRead(found: [29 * Self.mib, 2 * Self.mib, nil])
    #expect(trigger.currentMaxAge == 60, "a MiB moved from one kind to another")
    // A read the sizes' move asked for resets it as well, whatever it finds.
    trigger.observe(level(100 * Self.mib, at: 720))
    trigger.detailRead(found: [29 * Self.mib, 2 * Self.mib, nil])
    #expect(trigger.currentMaxAge == 120)
    trigger.observe(level(101 * Self.mib, at: 721))
    #expect(trigger.isDue(at: 721))
    trigger.detailRead(found: [29 * Self.mib, 2 * Self.mib, nil])
    #expect(trigger.currentMaxAge == 60)
    // Without figures (a caller that gives none), the age never grows; reset forgets it.
    var plain = DetailTrigger(maxAge: 60)
    plain.observe(level(100 * Self.mib, at: 0))
    plain.detailRead()
    plain.observe(level(100 * Self.mib, at: 60))
    plain.detailRead()
    #expect(plain.currentMaxAge == 60)
    trigger.reset()
    #expect(trigger.currentMaxAge == 60 && trigger.isDue(at: 722))
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

  @Test("a steady process past the maximum age is walked again, then less often while the walks find nothing new")
  func agedFixture() throws {
    let (sampler, clock, _) = try fixtureSampler(maxAge: 5)
    _ = run(sampler, clock: clock, ticks: 100)
    #expect(sampler.detailReads == 1)
    clock.now += 5
    _ = run(sampler, clock: clock, ticks: 100)
    // The walk (smaps here: PSS from it too) is repeated at 5 s and finds the same figures.
    #expect(sampler.detailReads == 2)
    // So the next waits 10 s: not at 5 s more, but at 10.
    clock.now += 4
    _ = run(sampler, clock: clock, ticks: 50)
    #expect(sampler.detailReads == 2)
    clock.now += 5
    _ = run(sampler, clock: clock, ticks: 50)
    #expect(sampler.detailReads == 3)
  }
}
