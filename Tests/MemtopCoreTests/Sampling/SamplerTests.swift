import Foundation
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore
@testable import MemtopSampling

@Suite("sampler on a fixture /proc tree and a manual clock")
struct SamplerTests {
  @Test("cheap fields every tick, in bytes, never zero-filled")
  func cheapFields() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096)
    let sampler = Sampler(handle: handle, clock: ManualClock(now: 10), detailBudget: 0, startMonotonic: 10)
    guard case .sample(let s) = sampler.sample() else {
      Issue.record("expected a sample")
      return
    }
    #expect(s.pid == 4242)
    #expect(s.elapsed == 0)
    #expect(s.rss == 131976 * 1024)
    #expect(s.anon == 125212 * 1024)
    #expect(s.peakRSS == 131976 * 1024)
    // Detailed reads are off: absent, not 0.
    #expect(s.heap == nil && s.pss == nil && s.uss == nil && s.brkHeap == nil)
  }

  @Test("with smaps_rollup: heap from smaps, PSS from both, under the budget")
  func detailedTier() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096)
    #expect(handle.hasRollup)
    // Each monotonic read advances 1 ms, so a detailed read "costs" 1 ms.
    let clock = ManualClock(now: 0, advancePerRead: 0.001)
    let sampler = Sampler(handle: handle, clock: clock, detailBudget: 0.01, startMonotonic: 0)
    var heapTicks = 0
    var pssTicks = 0
    for _ in 0..<200 {
      guard case .sample(let s) = sampler.sample() else { continue }
      if let heap = s.heap {
        heapTicks += 1
        #expect(heap == 126_644_224)
        #expect(s.brkHeap == 1_818_624)
      }
      if s.pss != nil { pssTicks += 1 }
      clock.now += 0.01
    }
    // 200 ticks over ~2.4 s; 1 ms reads at 0.5 % each allow one every 0.2 s per kind.
    #expect(heapTicks >= 5 && heapTicks <= 20)
    #expect(pssTicks >= heapTicks)
    #expect(sampler.takeWarnings().isEmpty)
  }

  @Test("a kernel without smaps_rollup: PSS comes from summing smaps, with one warning")
  func preRollupKernel() throws {
    let root = try Fixtures.procTree(pid: 77, from: "tiny", omit: ["smaps_rollup"])
    let handle = try ProcessHandle(pid: 77, procRoot: root, pageSize: 4096)
    #expect(!handle.hasRollup)
    #expect(throws: ProcReadError.unsupported) { try handle.readRollup() }
    let sampler = Sampler(handle: handle, clock: ManualClock(), detailBudget: 0.01, startMonotonic: 0)
    guard case .sample(let s) = sampler.sample() else {
      Issue.record("expected a sample")
      return
    }
    #expect(s.pss == 382 * 1024)  // Pss summed over the 37 mappings of smaps (the rollup says 387)
    #expect(s.uss == (36 + 108) * 1024)
    #expect(s.heap == 49152)
    #expect(sampler.takeWarnings().count == 1)
  }

  @Test("a kernel thread: memory absent, no crash, one warning once it lasts a few readings")
  func kernelThread() throws {
    let root = try Fixtures.procTree(pid: 2, from: "kthread")
    let handle = try ProcessHandle(pid: 2, procRoot: root)
    let sampler = Sampler(handle: handle, clock: ManualClock(), detailBudget: 0.01, startMonotonic: 0)
    guard case .sample(let s) = sampler.sample() else {
      Issue.record("expected a sample")
      return
    }
    #expect(s.rss == nil && s.anon == nil && s.heap == nil)
    // One empty reading may be an exec in progress: no warning yet.
    #expect(sampler.takeWarnings().isEmpty, "an exec shows no memory for an instant")
    for _ in 1..<Sampler.readingsBeforeNoMemoryWarning { _ = sampler.sample() }
    #expect(
      sampler.takeWarnings() == [
        "process 2 (kthreadd) reports no memory in status (a kernel thread?): its sizes stay empty"
      ])
    _ = sampler.sample()
    #expect(sampler.takeWarnings().isEmpty, "warned once")
  }

  @Test("a zombie ends the recording")
  func zombie() throws {
    let status = try Fixtures.text("tiny", "status").replacingOccurrences(
      of: "State:\tS (sleeping)", with: "State:\tZ (zombie)")
    let root = try Fixtures.procTree(pid: 9, from: "tiny", edit: ["status": status])
    let sampler = Sampler(
      handle: try ProcessHandle(pid: 9, procRoot: root), clock: ManualClock(), detailBudget: 0, startMonotonic: 0)
    guard case .exited(let exit) = sampler.sample() else {
      Issue.record("expected an exit")
      return
    }
    #expect(exit.reason == .zombie)
    #expect(exit.name == "sleep")
  }

  @Test("a PID taken over by a new process (a later start time) ends the series, never splices")
  func pidReused() throws {
    let root = try Fixtures.procTree(pid: 9, from: "tiny")
    let sampler = Sampler(
      handle: try ProcessHandle(pid: 9, procRoot: root), clock: ManualClock(), detailBudget: 0, startMonotonic: 0)
    guard case .sample(let first) = sampler.sample() else {
      Issue.record("expected a sample")
      return
    }
    // A much bigger process now owns PID 9: its files are rewritten in place (the handle's
    // kept-open descriptors see the new text), with another start time in stat field 22.
    let stat = try Fixtures.text("tiny", "stat")
    let close = try #require(stat.lastIndex(of: ")"))
    var fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: false).map(
      String.init)
    let started = try #require(UInt64(fields[20]))  // fields[0] is the empty text before field 3
    fields[20] = String(started + 12_345)
    try (String(stat[...close]) + fields.joined(separator: " ")).write(
      toFile: root + "/9/stat", atomically: false, encoding: .utf8)
    try Fixtures.text("python100m", "status").write(toFile: root + "/9/status", atomically: false, encoding: .utf8)
    guard case .exited(let exit) = sampler.sample() else {
      Issue.record("the new process was sampled into the old series")
      return
    }
    #expect(exit.reason == .pidReused)
    #expect(exit.identity.startTimeTicks == started)
    #expect(exit.summary == "exited; PID 9 now belongs to another process, not recorded")
    #expect(first.pid == 9 && first.rss != nil)
  }

  @Test(
    "a zombie's exit status or signal comes from stat field 52",
    arguments: [
      (9 << 8, "exited with status 9 (a zombie its parent has not reaped)"),
      (9, "was killed by SIGKILL (a zombie its parent has not reaped)"),
    ])
  func zombieStatus(_ code: Int, _ summary: String) throws {
    let status = try Fixtures.text("tiny", "status").replacingOccurrences(
      of: "State:\tS (sleeping)", with: "State:\tZ (zombie)")
    var stat = try Fixtures.text("tiny", "stat").trimmingCharacters(in: .newlines).split(separator: " ").map(
      String.init)
    try #require(stat.count >= 52)
    stat[51] = String(code)
    let root = try Fixtures.procTree(
      pid: 9, from: "tiny", edit: ["status": status, "stat": stat.joined(separator: " ") + "\n"])
    let sampler = Sampler(
      handle: try ProcessHandle(pid: 9, procRoot: root), clock: ManualClock(), detailBudget: 0, startMonotonic: 0)
    guard case .exited(let exit) = sampler.sample() else {
      Issue.record("expected an exit")
      return
    }
    #expect(exit.summary == summary)
  }

  @Test("a missing PID is 'process gone', not a crash")
  func missing() throws {
    let root = try Fixtures.procTree(pid: 9, from: "tiny")
    #expect(throws: ProcReadError.processGone) { try ProcessHandle(pid: 10, procRoot: root) }
  }

  @Test("a garbled status is a missed tick (a gap), not a zero")
  func garbled() throws {
    let root = try Fixtures.procTree(pid: 9, from: "tiny", edit: ["status": "Name:\tsleep\nVmRSS:\t 1x kB\n"])
    let sampler = Sampler(
      handle: try ProcessHandle(pid: 9, procRoot: root), clock: ManualClock(), detailBudget: 0, startMonotonic: 0)
    guard case .missed(let why) = sampler.sample() else {
      Issue.record("expected a missed tick")
      return
    }
    #expect(why.contains("VmRSS"))
  }
}

@Suite("tick schedule and detail budget")
struct ScheduleTests {
  @Test("ticks stay on the grid whatever the wakeup lateness")
  func driftFree() {
    var schedule = TickSchedule(start: 100, interval: 0.1)
    var now = 100.0
    for k in 1...1000 {
      now += 0.013  // work done this tick
      let due = schedule.next(after: now)
      #expect(abs(due - (100 + Double(k) * 0.1)) < 1e-9)
      now = due + 0.004  // woke up late
    }
    #expect(schedule.skipped == 0)
  }

  @Test("a stall skips the missed ticks instead of bursting")
  func skipsMissed() {
    var schedule = TickSchedule(start: 0, interval: 1)
    #expect(schedule.next(after: 0.2) == 1)
    #expect(schedule.next(after: 4.5) == 5)
    #expect(schedule.skipped == 3)
  }

  @Test(
    "the budget spaces reads by cost / fraction",
    arguments: [(0.01, 0.002, 0.2), (0.05, 0.010, 0.2), (0.01, 0.0001, 0.01)])
  func budget(_ fraction: Double, _ cost: Double, _ spacing: Double) {
    var budget = DetailBudget(fraction: fraction)
    #expect(budget.allows(at: 0))
    budget.spent(cost, startedAt: 0)
    #expect(!budget.allows(at: spacing * 0.99))
    #expect(budget.allows(at: spacing * 1.01))
  }

  @Test("a zero budget never reads")
  func zeroBudget() {
    #expect(!DetailBudget(fraction: 0).allows(at: 1e9))
  }

  @Test(
    "the stall cap lets reads through while it has credit",
    arguments: [
      // cap s/s, cost s, earliest next start, s after the read started
      (0.005, 0.001, 0.0),  // a read within the cap leaves credit: the next may start at once
      (0.005, 0.010, 1.0),  // 5 ms over the cap: paid back at 5 ms/s
      (0.010, 0.030, 2.0),
    ])
  func stallCap(_ cap: Double, _ cost: Double, _ wait: Double) {
    var stall = StallCap(secondsPerSecond: cap)
    #expect(stall.allows(at: 10))
    stall.spent(cost, startedAt: 10)
    if wait > 0 { #expect(!stall.allows(at: 10 + wait * 0.99)) }
    #expect(stall.allows(at: 10 + wait * 1.01 + 1e-9))
  }

  @Test(
    "over a long run the stall cap holds the stall per second, whatever the read cost", arguments: [0.002, 0.013, 0.05])
  func stallCapAverage(_ cost: Double) {
    var stall = StallCap(secondsPerSecond: 0.005)
    var stalled = 0.0
    var now = 0.0
    while now < 100 {
      if stall.allows(at: now) {
        stall.spent(cost, startedAt: now)
        stalled += cost
      }
      now += 0.01
    }
    // At most the cap per second plus one second's credit and one read.
    #expect(stalled <= 0.005 * 100 + 0.005 + cost)
    #expect(stalled >= 0.005 * 100 * 0.8, "the cap should not starve reads: \(stalled) s")
  }

  @Test("no cap means no limit")
  func noStallCap() {
    var stall = StallCap(secondsPerSecond: 0)
    stall.spent(100, startedAt: 0)
    #expect(stall.allows(at: 0))
  }
}

@Suite("detailed tier: heap source and stall cap on fixtures")
struct DetailTierTests {
  @Test("a fixture tree has no address-space ioctls: heap falls back to smaps")
  func fallbackOnFixture() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096)
    #expect(handle.heapSource == .smaps)
    #expect(handle.heapIoctlUnavailable != nil)
    #expect(throws: ProcReadError.unsupported) { try handle.readHeap() }
    let sampler = Sampler(handle: handle, clock: ManualClock(), detailBudget: 1, startMonotonic: 0)
    #expect(sampler.heapSource == .smaps)
    guard case .sample(let s) = sampler.sample() else {
      Issue.record("expected a sample")
      return
    }
    #expect(s.heap == 126_644_224)
    #expect(sampler.heapCadence.source == "smaps")
  }

  @Test("turning the ioctls off is the same fallback")
  func ioctlsOff() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096, useHeapIoctls: false)
    #expect(handle.heapSource == .smaps)
    #expect(handle.heapIoctlUnavailable == .unsupported)
  }

  @Test("the stall cap spaces detailed reads further than a generous CPU budget would")
  func stallCapSpacesReads() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    func detailedTicks(maxStall: Double) throws -> (Int, Double) {
      let handle = try ProcessHandle(pid: 4242, procRoot: root, pageSize: 4096)
      // Every clock read advances 5 ms, so each detailed read "costs" 5 ms; the budget (50 %
      // for each kind) alone would allow one every 10 ms.
      let clock = ManualClock(now: 0, advancePerRead: 0.005)
      // Maximum age 0: every read the budget allows is done (a fixture never changes).
      let sampler = Sampler(
        handle: handle, clock: clock, detailBudget: 1, maxStall: maxStall, startMonotonic: 0, detailMaxAge: 0)
      var ticks = 0
      for _ in 0..<300 {
        guard case .sample(let s) = sampler.sample() else { continue }
        if s.heap != nil || s.pss != nil { ticks += 1 }
        clock.now += 0.01
      }
      return (ticks, clock.now)
    }
    let (uncapped, _) = try detailedTicks(maxStall: 0)
    let (capped, elapsed) = try detailedTicks(maxStall: 0.005)
    // A 5 ms/s cap pays for one 5 ms read a second (plus the first second's credit).
    let allowed = Int(elapsed.rounded(.up)) + 1
    #expect(capped >= allowed / 2 && capped <= allowed, "\(capped) detailed reads in \(elapsed) s under the cap")
    #expect(uncapped > 5 * capped)
  }
}
