import Foundation
import MemtopTrend
import Testing

@testable import MemtopCore

/// One hand-built shape and the verdicts it may get.
struct ShapeCase: Sendable, CustomTestStringConvertible {
  let id: String
  let expected: Set<TrendVerdict>
  /// Bytes above 800 MB as a function of the elapsed fraction of the run.
  let shape: @Sendable (Double) -> Double
  var testDescription: String { id }
}

@Suite("TrendAnalyzer verdicts on hand-built shapes")
struct TrendAnalyzerVerdictTests {
  static let shapes: [ShapeCase] = [
    ShapeCase(id: "flat noise is stable (inconclusive in 30 s)", expected: [.stable, .inconclusive]) { _ in 0 },
    ShapeCase(id: "steady growth of 200 MB is a leak", expected: [.leak]) { 200e6 * $0 },
    ShapeCase(id: "steady shrinkage of 200 MB is shrinking", expected: [.shrinking]) {
      -200e6 * $0
    },
    ShapeCase(id: "warm-up that has levelled off is not a leak", expected: [.plateau, .stable]) {
      300e6 * (1 - exp(-$0 / 0.08))
    },
    ShapeCase(id: "cache filling then full is not a leak", expected: [.plateau, .stable]) {
      min(400e6, 400e6 * $0 / 0.1)
    },
    ShapeCase(id: "one step up of 400 MB is stable (inconclusive in 30 s)", expected: [.stable, .inconclusive]) {
      $0 >= 0.3 ? 400e6 : 0
    },
    ShapeCase(id: "staircase of five 60 MB steps is a leak", expected: [.leak]) {
      60e6 * ($0 * 6).rounded(.down)
    },
    ShapeCase(id: "growth that stopped half-way is not a leak", expected: [.plateau, .stable]) {
      200e6 * min($0, 0.4)
    },
    ShapeCase(id: "step then steady growth is a leak", expected: [.leak]) {
      ($0 >= 0.2 ? 200e6 : 0) + 200e6 * $0
    },
  ]

  @Test(
    "Verdict by shape and time scale",
    arguments: shapes, [TestSeries.Scale.service, TestSeries.Scale.script])
  func verdict(_ c: ShapeCase, scale: TestSeries.Scale) {
    var generator = TestSeries(seed: 7)
    let series = generator.make(scale, shape: c.shape)
    let result = TrendAnalyzer().analyze(series, label: "anon")
    #expect(c.expected.contains(result.verdict), "\(result.verdict): \(result.explanation)")
  }

  @Test("A leak's rate, interval and explanation are sensible")
  func leakDetails() throws {
    var generator = TestSeries(seed: 3)
    let series = generator.make(.service) { 100e6 * $0 }  // 100 MB over 2 h = 50 MB/h
    let r = TrendAnalyzer().analyze(series, label: "anon")
    try #require(r.verdict == .leak)
    let rate = 100e6 / 7200
    #expect(abs(r.slopeBytesPerSecond - rate) < 0.1 * rate)
    #expect(r.slopeCI.low <= r.slopeBytesPerSecond && r.slopeBytesPerSecond <= r.slopeCI.high)
    #expect(r.pValue < 0.01)
    #expect(r.confidence > 0.5 && r.confidence <= 1)
    #expect(r.window.points >= 100 && r.window.points <= 256)
    #expect(r.window.end == 7200)
    #expect(r.explanation.hasPrefix("anon rose"))
    #expect(r.explanation.hasSuffix("consistent with a leak"))
  }

  @Test("Rate is unbiased and its 95 % interval covers the truth about 95 % of the time")
  func intervalCoverage() {
    let rate = 100e6 / 7200
    var covered = 0
    var errors: [Double] = []
    for seed in 0..<20 {
      var generator = TestSeries(seed: UInt64(100 + seed))
      let r = TrendAnalyzer().analyze(generator.make(.service) { 100e6 * $0 })
      if r.slopeCI.contains(rate) { covered += 1 }
      errors.append(r.slopeBytesPerSecond / rate - 1)
    }
    #expect(covered >= 17)
    #expect(abs(errors.reduce(0, +) / 20) < 0.005)
    #expect(errors.allSatisfy { abs($0) < 0.03 })
  }

  @Test("Gaps (NaN bursts) do not change a leak verdict or fake a drop")
  func gapsAreSkipped() {
    var generator = TestSeries(seed: 11)
    var series = generator.make(.service) { 150e6 * $0 }
    for start in stride(from: 300, to: 7000, by: 900) {
      for i in start..<(start + 60) { series.values[i] = .nan }
    }
    let r = TrendAnalyzer().analyze(series, label: "rss")
    #expect(r.verdict == .leak)
    #expect(r.slopeBytesPerSecond.isFinite)
    var flat = generator.make(.script) { _ in 0 }
    for i in stride(from: 0, to: flat.count, by: 3) { flat.values[i] = .nan }
    // 30 s cannot rule out growth that would matter within the hour: not a leak, not stable.
    #expect(TrendAnalyzer().analyze(flat).verdict == .inconclusive)
  }

  @Test(
    "Tiny or empty inputs are insufficient data",
    arguments: [0, 1, 2, 5, 20])
  func insufficient(count: Int) {
    let times = (0..<count).map { Double($0) }
    let values = times.map { 800e6 + 1e6 * $0 }
    let r = TrendAnalyzer().analyze(MetricSeries(times: times, values: values))
    #expect(r.verdict == .insufficientData)
    #expect(r.confidence == 0)
    #expect(r.timeToLimit == nil)
    #expect(r.explanation.contains("needed"))
  }

  @Test("A clean steady rise is judged from a few dozen samples: young series are binned finer")
  func youngCleanLeak() {
    let times = (0..<30).map { Double($0) }
    let values = times.map { 50e6 + 200e3 * $0 + (Int($0) % 2 == 0 ? 0 : 300e3) }
    let r = TrendAnalyzer().analyze(MetricSeries(times: times, values: values), label: "RSS")
    #expect(r.verdict == .leak, "\(r.explanation)")
    #expect(r.slopeCI.low <= 200e3 && 200e3 <= r.slopeCI.high)
  }

  @Test func allGapsAreInsufficientData() {
    let times = (0..<500).map { Double($0) }
    let r = TrendAnalyzer().analyze(
      MetricSeries(times: times, values: times.map { _ in .nan }))
    #expect(r.verdict == .insufficientData)
  }

  /// 180 s at 0.5 s, as `record` writes: 20 MB and white noise σ 30 KB, plus `shape(t)`.
  static func recording(seed: UInt64, _ shape: (Double) -> Double) -> MetricSeries {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let times = (0...360).map { Double($0) * 0.5 }
    let values = times.map { t in
      let noise = 30e3 * (sqrt(-2 * log(max(uniform(), 1e-12))) * cos(2 * .pi * uniform()))
      return (20e6 + shape(t) + noise).rounded()
    }
    return MetricSeries(times: times, values: values)
  }

  @Test(
    "a leak that starts after a minute level (a code path first taken late) is a leak, judged from its onset",
    arguments: [1, 2, 3] as [UInt64])
  func lateLeak(seed: UInt64) throws {
    let series = Self.recording(seed: seed) { t in t < 60 ? 0 : 100e3 * (t - 60) }
    let r = TrendAnalyzer().analyze(series, label: "RSS")
    #expect(r.verdict == .leak, "\(r.verdict): \(r.explanation)")
    let onset = try #require(r.onset)
    #expect(abs(onset - 60) <= 10, "onset \(onset)")
    #expect(abs(r.slopeBytesPerSecond - 100e3) <= 5e3, "\(r.slopeBytesPerSecond) \(r.slopeCI)")
    #expect(r.explanation.contains("held level until"), "\(r.explanation)")
    #expect(r.explanation.contains("consistent with a leak that began then"))
  }

  @Test(
    "no late onset is read into flat noise, a warm-up that levels off, or growth from the start",
    arguments: [1, 2, 3] as [UInt64])
  func noLateOnset(seed: UInt64) {
    let flat = TrendAnalyzer().analyze(Self.recording(seed: seed) { _ in 0 }, label: "RSS")
    #expect(flat.verdict != .leak && flat.onset == nil, "\(flat.explanation)")
    let warmup = TrendAnalyzer().analyze(Self.recording(seed: seed) { t in 12e6 * (1 - exp(-t / 20)) }, label: "RSS")
    #expect(warmup.verdict != .leak && warmup.onset == nil, "\(warmup.explanation)")
    let steady = TrendAnalyzer().analyze(Self.recording(seed: seed) { t in 100e3 * t }, label: "RSS")
    #expect(steady.verdict == .leak && steady.onset == nil, "\(steady.explanation)")
  }
}
