import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("recording digest: bounded memory for the end-of-run verdict")
struct RecordingDigestTests {
  /// A leak with GC-like sawtooth on top, page-quantised like /proc values.
  static func samples(pid: Int32 = 7, count: Int, from t0: Double = 0, step: Double = 0.1) -> [MemorySample] {
    (0..<count).map { i in
      let t = t0 + Double(i) * step
      let saw = Double(i % 50) * 200_000
      let bytes = { (v: Double) in UInt64(v / 4096) * 4096 }
      return MemorySample(
        timeUnix: 1_764_000_000 + t, elapsed: t, pid: pid, rss: bytes(300e6 + 50_000 * t + saw),
        anon: bytes(200e6 + 50_000 * t + saw), heap: i % 10 == 0 ? bytes(150e6 + 50_000 * t) : nil)
    }
  }

  @Test("the digest keeps by default every metric a tree's verdict is judged on")
  func keepsTheVerdictMetrics() {
    // The store lies below the analysis and spells the list out: the two must not drift.
    #expect(RecordingDigest.verdictMetrics == RecordingAnalysis.treeMetrics)
    #expect(RecordingDigest().metrics == RecordingAnalysis.treeMetrics)
    #expect(Set(RecordingAnalysis.metrics).isSubset(of: RecordingDigest.verdictMetrics))
  }

  @Test("under its capacity the verdict is exactly the full-resolution one")
  func fullResolution() {
    let samples = Self.samples(count: 3000)
    var digest = RecordingDigest(fullResolutionCapacity: 5000)
    for s in samples { digest.append(s) }
    #expect(digest.isFullResolution)
    #expect(digest.count == 3000)
    let timeline = Timeline(samples)
    for metric in RecordingAnalysis.metrics {
      let series = digest.series(metric)
      let expected = timeline.series(metric)
      #expect(series?.times == expected.times)
      // NaN gaps in the same places, equal values elsewhere.
      #expect(series.map { zip($0.values, expected.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } } == true)
    }
    let fromDigest = RecordingAnalysis(digest: digest, limit: MemoryLimit(bytes: 4 << 30, source: .user))
    let fromTimeline = RecordingAnalysis(timeline: timeline, limit: MemoryLimit(bytes: 4 << 30, source: .user))
    #expect(fromDigest.verdictLine == fromTimeline.verdictLine)
    #expect(fromDigest.reportText(path: "x") == fromTimeline.reportText(path: "x"))
    #expect(digest.maximum(.rss) == timeline.maximum(.rss))
  }

  @Test("past its capacity it keeps only the pyramids, and still finds the leak")
  func pyramidsOnly() {
    let samples = Self.samples(count: 20_000)
    var digest = RecordingDigest(fullResolutionCapacity: 1000)
    for s in samples { digest.append(s) }
    #expect(!digest.isFullResolution)
    #expect(digest.series(.rss) == nil)
    #expect(digest.count == 20_000)
    let analysis = RecordingAnalysis(digest: digest, limit: nil)
    #expect(analysis.verdict == .leak)
    #expect(analysis.samples == 20_000)
    #expect(abs(analysis.duration - 1999.9) < 1e-6)
    // The same as the pyramid analysis of the whole series.
    let pyramid = FloorPyramid(Timeline(samples).series(.rss))
    #expect(analysis.results[.rss]?.explanation == TrendAnalyzer().analyze(pyramid, label: "RSS").explanation)
  }

  @Test("a value that is not whole KiB cannot be packed: the digest falls back to pyramids")
  func unpackable() {
    var digest = RecordingDigest()
    digest.append(MemorySample(timeUnix: 0, elapsed: 0, pid: 1, rss: 4096))
    #expect(digest.isFullResolution)
    digest.append(MemorySample(timeUnix: 0, elapsed: 1, pid: 1, rss: 4097))
    #expect(!digest.isFullResolution)
    #expect(digest.maximum(.rss) == 4097)
  }

  @Test("a new PID starts a new lifetime; the old one is counted, not mixed in")
  func lifetimes() {
    var digest = RecordingDigest()
    for s in Self.samples(pid: 100, count: 300) + Self.samples(pid: 200, count: 200, from: 30) { digest.append(s) }
    #expect(digest.pid == 200)
    #expect(digest.count == 200)
    #expect(digest.totalCount == 500)
    #expect(digest.skippedLifetimes == 1)
    #expect(digest.firstElapsed == 30)
  }
}
