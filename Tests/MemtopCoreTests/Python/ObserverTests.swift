import MemtopAnalysis
import MemtopCore
import MemtopSampling
import MemtopStore
import MemtopTrend
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
    let k: UInt64 = 1024
    var sample = MemorySample(
      timeUnix: 0, elapsed: 0, pid: 1, rss: 1000 * k, anon: 800 * k, file: 200 * k, heap: 500 * k, pss: 900 * k,
      uss: 100 * k)
    // The bytes come out in whole KiB (299.7 KiB as 300), as /proc's figures are.
    sample.observer = 300 * k - 300
    let free = sample.observerFree
    #expect(free.rss == 700 * k && free.anon == 500 * k && free.heap == 200 * k && free.pss == 600 * k && free.uss == 0)
    #expect(free.file == 200 * k && free.observer == 300 * k - 300)
    #expect(MemorySample.observerKiB(1535) == 1024 && MemorySample.observerKiB(1536) == 2048)
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

  // MARK: Window edges are known events

  /// 240 rows at 0.5 s: RSS from 100 MiB growing `rate` bytes a second, plus `steps` (time,
  /// bytes) from each time on, with `marked` rows carrying a tracing window's marker.
  static func edgeRows(rate: Double, steps: [(Double, Double)], marked: [Double]) -> [MemorySample] {
    (0..<240).map { i in
      let t = Double(i) * 0.5
      let stepped: Double = steps.filter { t >= $0.0 }.reduce(0.0) { $0 + $1.1 }
      let bytes: Double = 104_857_600 + rate * t + stepped
      let kib = UInt64(bytes / 1024)
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 42, rss: kib * 1024, anon: kib * 1024)
      if marked.contains(t) { sample.marker = "python tracing window closed (budget, gave back 1.02 MiB)" }
      return sample
    }
  }

  @Test("a step at a window's edge is carried across: a leak stays a leak at its rate, and no step is reported")
  func leakThroughAnEdge() throws {
    // 100 KiB/s, and at 60 s the window closes: 4 MiB less from then on, said on the row at 61 s.
    let rows = Self.edgeRows(rate: 102_400, steps: [(60, -4 * 1_048_576)], marked: [61])
    let timeline = Timeline(rows)
    #expect(timeline.observerEdges == [61])
    let judged = RecordingAnalysis(timeline: timeline, limit: nil)
    let rss = try #require(judged.results[.rss])
    #expect(judged.verdict == .leak, "\(rss.explanation)")
    #expect(abs(rss.slopeBytesPerSecond - 102_400) < 5_000, "\(rss.slopeBytesPerSecond)")
    #expect(rss.steps.isEmpty, "\(rss.steps)")
    // The same rows unmarked: the step is the program's, and only what follows it is judged.
    var unmarked = rows
    for i in unmarked.indices { unmarked[i].marker = nil }
    let blind = try #require(RecordingAnalysis(timeline: Timeline(unmarked), limit: nil).results[.rss])
    #expect(blind.steps.count == 1, "\(blind.steps)")
    // record judges its digest as analyze judges the file.
    var digest = RecordingDigest()
    for row in rows { digest.append(row) }
    #expect(digest.observerEdges == [61] && digest.isFullResolution)
    let live = try #require(RecordingAnalysis(digest: digest, limit: nil).results[.rss])
    #expect(live.verdict == rss.verdict && live.slopeBytesPerSecond == rss.slopeBytesPerSecond)
  }

  @Test("a flat program with a step at a window's edge is not a leak, and its latest values stay as read")
  func flatThroughAnEdge() throws {
    let rows = Self.edgeRows(rate: 0, steps: [(40, 6 * 1_048_576)], marked: [41])
    let judged = try #require(RecordingAnalysis(timeline: Timeline(rows), limit: nil).results[.rss])
    #expect(judged.verdict != .leak && judged.steps.isEmpty, "\(judged.verdict) \(judged.steps)")
    let series = Timeline(rows).series(.rss)
    let stitched = series.stitched(atEdges: [41])
    #expect(stitched.values.last == series.values.last)
    // Before the edge, the level was moved up to the one after it; the transition stands on it.
    #expect(stitched.values.allSatisfy { $0 == series.values.last }, "\(Set(stitched.values))")
  }

  @Test("steps away from any edge are the program's: a staircase is still a leak")
  func stepsAwayFromEdges() throws {
    let steps: [(Double, Double)] = [(20, 3_145_728), (45, 3_145_728), (70, 3_145_728), (95, 3_145_728)]
    let rows = Self.edgeRows(rate: 0, steps: steps, marked: [6])
    let series = Timeline(rows).series(.rss)
    // Nothing before the edge at 6 s but its own transition: nothing to carry, values kept
    // from the marked row on.
    let stitched = series.stitched(atEdges: [6])
    #expect(Array(stitched.values.dropFirst(12)) == Array(series.values.dropFirst(12)))
    let judged = try #require(RecordingAnalysis(timeline: Timeline(rows), limit: nil).results[.rss])
    #expect(judged.verdict == .leak && judged.steps.count == 4, "\(judged.verdict) \(judged.steps)")
  }

  @Test("a snapshot's row is marked as an edge of the window")
  func snapshotMarker() throws {
    var sample = MemorySample(timeUnix: 0, elapsed: 0, pid: 1, rss: 1024)
    sample.marker = "python tracing window snapshot"
    #expect(sample.marksObserverEdge)
    sample.marker = "deploy; python tracing window opened"
    #expect(sample.marksObserverEdge)
    sample.marker = "deploy"
    #expect(!sample.marksObserverEdge)
  }
}
