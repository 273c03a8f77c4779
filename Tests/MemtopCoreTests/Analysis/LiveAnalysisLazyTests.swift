import MemtopSampling
import Testing

@testable import MemtopAnalysis
@testable import MemtopTrend

/// A row of the process table keeps no floor pyramid while its RSS holds, and judges exactly as
/// if it had binned every sample.
@Suite("Live analysis: a row's pyramid follows change")
struct LiveAnalysisLazyTests {
  /// A row's analysis, as the process table makes it; `lazy: false` bins from the first sample.
  static func row(lazy: Bool) -> LiveAnalysis {
    var analysis = LiveAnalysis(
      metrics: [.rss], evaluateEvery: 10, rawCapacity: 60, maxFloorPoints: 64, phase: 7, skipsUnchanged: true)
    if !lazy { analysis.binFromTheFirstSample() }
    return analysis
  }

  /// Feeds both analyses `ticks` readings of `rss(tick)` bytes, one a second, and checks that
  /// they judge alike after every one; returns them.
  static func judgeBoth(ticks: Int, _ rss: (Int) -> UInt64) -> (lazy: LiveAnalysis, eager: LiveAnalysis) {
    var lazy = row(lazy: true)
    var eager = row(lazy: false)
    for tick in 0..<ticks {
      let sample = MemorySample(timeUnix: 0, elapsed: Double(tick), pid: 7, rss: rss(tick))
      let evaluated = (lazy.append(sample, limitBytes: 8e9), eager.append(sample, limitBytes: 8e9))
      #expect(evaluated.0 == evaluated.1, "tick \(tick)")
      // (Described, so NaN figures compare equal.)
      #expect("\(lazy.results)" == "\(eager.results)", "tick \(tick)")
      #expect(lazy.isRaised(0) == eager.isRaised(0), "tick \(tick)")
    }
    return (lazy, eager)
  }

  @Test("an idle row holds no bin: an hour of one value, judged stable, and the same results on the way")
  func idleRowHoldsNoBin() {
    let (lazy, eager) = Self.judgeBoth(ticks: 3_600) { _ in 40 << 20 }
    #expect(lazy.binsHeld == 0)
    #expect(eager.binsHeld > 300, "\(eager.binsHeld) bins binned from the first sample")
    #expect(lazy.results[0]?.verdict == .stable)
    #expect(lazy.evaluationsSkipped == eager.evaluationsSkipped && lazy.evaluationsSkipped > 100)
    #expect(lazy.carriedPoints().map(\.time) == eager.carriedPoints().map(\.time))
  }

  @Test(
    "a row that holds, then leaks: the same verdict, rate, interval and floor as one binned from the first sample",
    arguments: [30, 200, 1_000, 5_000])
  func holdsThenLeaks(flatTicks: Int) throws {
    // 40 MiB for `flatTicks` seconds, then 20 kB/s with a few pages of churn.
    let (lazy, eager) = Self.judgeBoth(ticks: flatTicks + 1_800) { tick in
      tick < flatTicks ? 40 << 20 : 40 << 20 + UInt64(tick - flatTicks) * 20_000 + UInt64(tick * 7_919 % 3) * 4_096
    }
    let result = try #require(lazy.results[0])
    #expect(result.verdict == .leak, "\(result.explanation)")
    #expect(lazy.isRaised(0))
    #expect(lazy.binsHeld == eager.binsHeld && lazy.binsHeld > 0)
    let other = try #require(eager.results[0])
    #expect(result.slopeBytesPerSecond == other.slopeBytesPerSecond && result.slopeCI == other.slopeCI)
    let (a, b) = (lazy.carriedPoints(), eager.carriedPoints())
    #expect(a.map(\.time) == b.map(\.time) && a.map(\.value) == b.map(\.value))
  }
}
