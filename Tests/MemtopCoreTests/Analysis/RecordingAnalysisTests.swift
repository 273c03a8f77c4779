import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("recording analysis")
struct RecordingAnalysisTests {
  static func samples(pid: Int32, from t0: Double, count: Int, rss: (Double) -> Double) -> [MemorySample] {
    (0..<count).map { i in
      let t = t0 + Double(i) * 0.5
      let v = UInt64(rss(t))
      return MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: pid, rss: v, anon: v, heap: v)
    }
  }

  @Test("two lifetimes are never mixed: only the last PID is judged")
  func lifetimes() {
    // The first process leaks hard; its successor (a restart, new PID) holds level.
    let first = Self.samples(pid: 100, from: 0, count: 400) { 300e6 + 2e6 * $0 }
    let second = Self.samples(pid: 200, from: 200, count: 400) { _ in 250e6 }
    let analysis = RecordingAnalysis(timeline: Timeline(first + second), limit: nil)
    #expect(analysis.pid == 200)
    #expect(analysis.samples == 400)
    #expect(analysis.skippedLifetimes == 1)
    #expect(analysis.verdict == .stable)
    #expect(analysis.reportText(path: "r.csv").contains("1 earlier process with another PID left out"))
  }

  @Test("a reused PID with another start time is another lifetime; without start times the PID decides")
  func pidReuse() {
    var first = Self.samples(pid: 100, from: 0, count: 400) { 300e6 + 2e6 * $0 }
    var second = Self.samples(pid: 100, from: 200, count: 400) { _ in 250e6 }
    for i in first.indices { first[i].startTicks = 5_000 }
    for i in second.indices { second[i].startTicks = 9_000 }
    let analysis = RecordingAnalysis(timeline: Timeline(first + second), limit: nil)
    #expect(analysis.skippedLifetimes == 1 && analysis.samples == 400 && analysis.verdict == .stable)
    // An older file without start_ticks: one lifetime per PID, as before.
    let plain = Self.samples(pid: 100, from: 0, count: 400) { _ in 250e6 }
    #expect(RecordingAnalysis(timeline: Timeline(plain), limit: nil).skippedLifetimes == 0)
  }

  @Test("a process tree's total is judged on its PSS first, its sums labelled as sums")
  func treeTotals() {
    var tree = Self.samples(pid: 7, from: 0, count: 600) { 300e6 + 1e6 * $0 }
    for i in tree.indices {
      tree[i].processes = 5
      tree[i].pss = i % 4 == 0 ? tree[i].rss.map { $0 / 2 } : nil
    }
    let analysis = RecordingAnalysis(timeline: Timeline(tree), limit: nil)
    #expect(analysis.isTree && analysis.judged == [.pss, .rss, .anon, .heap])
    #expect(analysis.verdict == .leak && analysis.leadingMetric == .pss)
    #expect(analysis.verdictLine.hasPrefix("verdict: leak: tree PSS +"))
    let text = analysis.reportText(path: "t.csv")
    #expect(text.contains("  tree PSS     leak") && text.contains("  summed RSS   leak"))
    #expect(analysis.report.metrics["pss"] != nil)
    // A single process's recording keeps its three metrics and plain labels.
    let plain = RecordingAnalysis(
      timeline: Timeline(Self.samples(pid: 7, from: 0, count: 600) { 300e6 + 1e6 * $0 }), limit: nil)
    #expect(!plain.isTree && plain.verdictLine.hasPrefix("verdict: leak: RSS +") && plain.report.metrics["pss"] == nil)
  }

  @Test("a leak leads the verdict line, with its rate and the limit")
  func leakLine() {
    let leak = Self.samples(pid: 7, from: 0, count: 600) { 300e6 + 1e6 * $0 }
    let analysis = RecordingAnalysis(timeline: Timeline(leak), limit: MemoryLimit(bytes: 2 << 30, source: .user))
    #expect(analysis.verdict == .leak)
    #expect(analysis.leadingMetric == .rss)
    let line = analysis.verdictLine
    #expect(line.hasPrefix("verdict: leak: RSS +"))
    #expect(line.contains("reaches the 2.00 GiB limit in about"))
    #expect(line.hasSuffix("consistent with a leak"))
  }

  @Test("an empty recording is insufficient data, not a crash")
  func empty() {
    let analysis = RecordingAnalysis(timeline: Timeline(), limit: nil)
    #expect(analysis.verdict == .insufficientData)
    #expect(analysis.samples == 0)
  }
}

@Suite("level shifts need real height")
struct SmallStepTests {
  @Test("a very regular leak with a 28 KiB blip is still one leak, not 'after a step'")
  func regularLeakWithBlip() {
    // Shaped like a recording of examples/python/slow_leak.py: 1 MB/s at 0.1 s for 20 s,
    // page-quantised, with one 28 KiB bump that a differences-only z-score calls a step.
    let times = (0...200).map { Double($0) * 0.1 }
    let values = times.map { t -> Double in
      let bytes = 14e6 + 1e6 * t + (t >= 16.2 ? 28 * 1024 : 0)
      return (bytes / 4096).rounded(.down) * 4096
    }
    let shifts = LevelShiftDetector().shifts(times: times, values: values)
    #expect(shifts.isEmpty)
    let result = TrendAnalyzer().analyze(MetricSeries(times: times, values: values), label: "RSS")
    #expect(result.verdict == .leak)
    #expect(!result.explanation.contains("step"))
  }
}
