import MemtopAnalysis
import MemtopSampling
import MemtopSystem
import Testing

@testable import MemtopCore

/// `memtop serve --state-file`: what is kept across a restart, read back as untrusted text, and
/// a leak's confirmation carried over instead of started again.
@Suite("radar state across a restart")
struct RadarStateTests {
  static let boot = "5c1f0e2a-7b7d-4f36-9d8e-1c2b3a4d5e6f"

  @Test("the file's text reads back as the same state")
  func roundTrip() {
    let state = RadarState(
      bootID: Self.boot,
      lifetimes: [
        ProcessIdentity(pid: 42, startTimeTicks: 39700): [
          RadarState.Point(time: 1000.5, bytes: 4096), RadarState.Point(time: 1010, bytes: 8192),
        ],
        ProcessIdentity(pid: 7, startTimeTicks: 12): [RadarState.Point(time: 3.2, bytes: 1_099_511_627_776)],
      ])
    let text = state.encoded()
    #expect(text.hasPrefix(RadarState.header + "\nboot " + Self.boot + "\np 7 12 3.2:1099511627776\n"))
    #expect(RadarState.decode(text) == .state(state, skippedLines: 0, cut: false))
  }

  @Test("lines out of range are left out and counted, a file cut short is used up to the cut, another file is foreign")
  func untrusted() throws {
    let good = "p 42 39700 1.0:4096 2.0:8192"
    let bad = [
      "p 0 1 1.0:5",  // no pid 0
      "p -3 1 1.0:5",
      "p 5 x 1.0:5",
      "p 5 1 2.0:1 1.0:2",  // times go back
      "p 5 1 1e400:1",
      "p 5 1 nan:1",
      "p 5 1 1.0:-1",
      "p 5 1 1.0:\(UInt64(1) << 52)",
      "p 5 1 1.0:5:6",
      "p 5 1 " + (0...RadarState.maxPoints).map { "\($0).0:1" }.joined(separator: " "),
      "q 5 1 1.0:5",
      "p 5 1 1.0:5\u{1b}[2J",
    ]
    let text = ([RadarState.header, "boot " + Self.boot + "\u{1b}]0;x", good] + bad + ["end 1"]).joined(separator: "\n")
    guard case .state(let state, let skipped, let cut) = RadarState.decode(text) else {
      Issue.record("not read as a state file")
      return
    }
    #expect(state.bootID == Self.boot + "0")
    #expect(state.lifetimes.count == 1)
    #expect(state.lifetimes[ProcessIdentity(pid: 42, startTimeTicks: 39700)]?.count == 2)
    #expect(skipped == bad.count)
    #expect(!cut)
    guard
      case .state(_, _, let wasCut) = RadarState.decode([RadarState.header, "boot x", good].joined(separator: "\n"))
    else {
      Issue.record("a cut file is still a state file")
      return
    }
    #expect(wasCut)
    #expect(RadarState.decode("key=value\n") == .foreign)
    #expect(RadarState.decode("") == .foreign)
  }

  @Test(
    "a leak carried into a fresh analysis is confirmed within two evaluations, where starting afresh waits out the delay"
  )
  func confirmationCarried() {
    func analysis() -> LiveAnalysis {
      LiveAnalysis(
        metrics: [.rss], evaluateEvery: 30, rawCapacity: 120, pyramidCapacity: 257, phase: 42, confirmSeconds: 600,
        skipsUnchanged: true)
    }
    // 2 MB/min for 15 minutes at 1 Hz, a few pages of jitter.
    func sample(_ t: Int) -> MemorySample {
      MemorySample(
        timeUnix: 0, elapsed: Double(t), pid: 42, rss: 200 << 20 + UInt64(t) * 34_000 + UInt64(t * 7919 % 5) * 4096)
    }
    var before = analysis()
    for t in 0..<900 { before.append(sample(t), limitBytes: nil) }
    #expect(before.isRaised(0))
    let carried = before.carriedPoints(maxPoints: 96)
    #expect(!carried.isEmpty && carried.count <= 96)
    #expect((carried.first?.time ?? 900) < 60)
    var resumed = analysis()
    resumed.carry(carried)
    var fresh = analysis()
    var raisedAt: Int?
    for t in 900..<1020 {
      resumed.append(sample(t), limitBytes: nil)
      fresh.append(sample(t), limitBytes: nil)
      if raisedAt == nil && resumed.isRaised(0) { raisedAt = t }
    }
    #expect(raisedAt != nil && raisedAt! < 1000, "resumed raised at \(String(describing: raisedAt))")
    #expect(!fresh.isRaised(0), "two minutes of growth are not ten")
  }

  @Test(
    "a radar restored from an earlier run's state judges on from its readings; another boot or another lifetime is not carried"
  )
  func radarRestore() throws {
    let root = try Fixtures.procTree(pid: 42, from: "tiny")
    let first = HostRadar(procRoot: root, descriptorLimit: 0)
    for tick in 1...12 { first.refresh(now: Double(tick)) }
    // Its times on the host's clock: this run's 0 was at 1000 s.
    let saved = first.state(clockOrigin: 1000, bootID: Self.boot)
    let identity = ProcessIdentity(pid: 42, startTimeTicks: 39700)
    let points = try #require(saved.lifetimes[identity])
    #expect(points.allSatisfy { $0.time > 1000 && $0.time <= 1012 }, "\(points)")

    /// The earliest time a radar started at 1020 s on the host's clock keeps for the lifetime,
    /// after six passes of its own.
    func earliest(restoring state: RadarState, bootID: String) -> Double? {
      let radar = HostRadar(procRoot: root, descriptorLimit: 0)
      radar.restore(state, clockOrigin: 1020, bootID: bootID)
      for tick in 1...6 { radar.refresh(now: Double(tick)) }
      return radar.state(clockOrigin: 1020, bootID: Self.boot).lifetimes[identity]?.first?.time
    }
    // The next run started 20 s later on the same boot: the earlier readings are in its series.
    let resumed = try #require(earliest(restoring: saved, bootID: Self.boot))
    #expect(resumed < 1020, "\(resumed)")
    // Another boot: nothing carried.
    #expect(try #require(earliest(restoring: saved, bootID: "another-boot")) > 1020)
    // The same pid with another start time is another process: nothing carried.
    var reused = saved
    reused.lifetimes = [ProcessIdentity(pid: 42, startTimeTicks: 1): points]
    #expect(try #require(earliest(restoring: reused, bootID: Self.boot)) > 1020)
  }
}
