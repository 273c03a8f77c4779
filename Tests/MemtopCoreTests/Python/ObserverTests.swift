import MemtopAnalysis
import MemtopCore
import MemtopSampling
import MemtopStore
import Testing

/// The Python agent's own bytes are taken out before judging: a recording whose RSS grows
/// only by what the observer holds is not a leak, and the same growth without the column is.
@Suite("The observer is measured and never judged")
struct ObserverTests {
  /// 120 rows at 1 s: RSS 100 MiB plus `observerGrowth` bytes a second, which the agent says
  /// it holds when `recorded`.
  static func rows(observerGrowth: UInt64, recorded: Bool) -> [MemorySample] {
    (0..<120).map { i in
      let held = observerGrowth * UInt64(i)
      var sample = MemorySample(
        timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 42, rss: (100 << 20) + held,
        anon: (80 << 20) + held, heap: (60 << 20) + held)
      sample.observer = recorded ? held : nil
      return sample
    }
  }

  @Test("growth that is all the observer's: stable with the column, leak without it")
  func subtracted() {
    let judged = RecordingAnalysis(timeline: Timeline(Self.rows(observerGrowth: 200_000, recorded: true)), limit: nil)
    #expect(judged.verdict != .leak, "\(judged.verdict)")
    let blind = RecordingAnalysis(timeline: Timeline(Self.rows(observerGrowth: 200_000, recorded: false)), limit: nil)
    #expect(blind.verdict == .leak)
  }

  @Test("observerFree takes the bytes out of RSS, anon, heap, PSS and USS only, never below zero")
  func observerFree() {
    var sample = MemorySample(
      timeUnix: 0, elapsed: 0, pid: 1, rss: 1000, anon: 800, file: 200, heap: 500, pss: 900, uss: 100)
    sample.observer = 300
    let free = sample.observerFree
    #expect(free.rss == 700 && free.anon == 500 && free.heap == 200 && free.pss == 600 && free.uss == 0)
    #expect(free.file == 200 && free.observer == 300)
    sample.observer = nil
    #expect(sample.observerFree == sample)
  }

  @Test("what a closed window held and the hand-back did not return stays the observer's: no step at its end")
  func keptAfterAWindow() throws {
    var history = PythonHistory()
    func take(_ line: String, at t: Double) throws {
      history.take(try #require(AgentRecord.parse(Substring(line))), pid: 9, elapsed: t)
    }
    try take(#"{"type":"sample","t":1,"observer_bytes":6000000}"#, at: 1)
    try take(
      #"{"type":"sample","t":2,"observer_bytes":10000,"window":{"closed_at":2,"reason":"budget","returned_bytes":4000000}}"#,
      at: 2)
    let agent = try #require(history.agents.first)
    #expect(agent.observerBytes == 10000)
    #expect(agent.keptBytes == 2_000_000)
    #expect(agent.observerTotal == 2_010_000)
    // A hand-back that returned more than the window held keeps nothing more.
    try take(#"{"type":"sample","t":3,"observer_bytes":3000000}"#, at: 3)
    try take(
      #"{"type":"sample","t":4,"observer_bytes":0,"window":{"closed_at":4,"reason":"deadline","returned_bytes":5000000}}"#,
      at: 4)
    #expect(history.agents.first?.keptBytes == 2_000_000)
  }
}
