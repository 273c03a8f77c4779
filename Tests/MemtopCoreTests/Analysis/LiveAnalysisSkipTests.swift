import MemtopAnalysis
import MemtopSampling
import MemtopTrend
import Testing

/// The process table's analyses leave out evaluations while a row's memory does not move: the
/// same verdicts, at a fraction of the analyzer's work on an idle host.
@Suite("Live analysis: evaluations follow change")
struct LiveAnalysisSkipTests {
  /// RSS at `tick` seconds: flat at 40 MiB with a few pages of jitter for `flat` ticks (none
  /// when `jitter` is false), then growing 50 KiB/s.
  static func rss(_ tick: Int, flat: Int, jitter: Bool = false) -> UInt64 {
    let base: UInt64 = 40 << 20
    let noise: UInt64 = jitter ? UInt64(tick * 7919 % 3) * 4096 : 0
    return base + noise + (tick < flat ? 0 : UInt64(tick - flat) * 51_200)
  }

  static func analysis(skipping: Bool) -> LiveAnalysis {
    LiveAnalysis(metrics: [.rss], evaluateEvery: 10, rawCapacity: 24, pyramidCapacity: 257, skipsUnchanged: skipping)
  }

  @Test("an idle process: most evaluations are left out, at most five in a row, and the verdict is the same")
  func idle() {
    var every = Self.analysis(skipping: false)
    var skipping = Self.analysis(skipping: true)
    var evaluated = 0
    var longestGap = 0
    var gap = 0
    for tick in 0..<900 {
      let sample = MemorySample(timeUnix: 0, elapsed: Double(tick), pid: 7, rss: Self.rss(tick, flat: .max))
      every.append(sample, limitBytes: nil)
      if skipping.append(sample, limitBytes: nil) {
        evaluated += 1
        gap = 0
      } else {
        gap += 1
        longestGap = max(longestGap, gap)
      }
    }
    #expect(every.results[0]?.verdict == .stable)
    #expect(skipping.results[0]?.verdict == .stable)
    #expect(skipping.evaluationsSkipped > 50, "\(skipping.evaluationsSkipped) left out, \(evaluated) made")
    // Brought up to date at least every sixth scheduled evaluation (60 samples at 10).
    #expect(longestGap < 60, "\(longestGap) samples without an evaluation")
    #expect(every.evaluationsSkipped == 0)
  }

  @Test("an idle process that starts leaking is judged at its next evaluation: raised when the other is")
  func startsLeaking() throws {
    var every = Self.analysis(skipping: false)
    var skipping = Self.analysis(skipping: true)
    var raisedAt: [Int?] = [nil, nil]
    for tick in 0..<900 {
      let sample = MemorySample(timeUnix: 0, elapsed: Double(tick), pid: 7, rss: Self.rss(tick, flat: 150))
      every.append(sample, limitBytes: nil)
      skipping.append(sample, limitBytes: nil)
      if raisedAt[0] == nil, every.isRaised(0) { raisedAt[0] = tick }
      if raisedAt[1] == nil, skipping.isRaised(0) { raisedAt[1] = tick }
    }
    #expect(skipping.evaluationsSkipped > 10)
    let a = try #require(raisedAt[0], "never raised: \(String(describing: every.results[0]?.explanation))")
    let b = try #require(raisedAt[1], "never raised with skipping")
    #expect(a > 150 && b > 150)
    #expect(abs(a - b) <= 20, "raised at \(a) and \(b)")
    #expect(skipping.results[0]?.verdict == .leak && every.results[0]?.verdict == .leak)
  }

  @Test("a few pages of jitter are change: nothing is left out")
  func jitter() {
    var skipping = Self.analysis(skipping: true)
    for tick in 0..<600 {
      skipping.append(
        MemorySample(timeUnix: 0, elapsed: Double(tick), pid: 7, rss: Self.rss(tick, flat: .max, jitter: true)),
        limitBytes: nil)
    }
    #expect(skipping.evaluationsSkipped == 0)
  }
}
