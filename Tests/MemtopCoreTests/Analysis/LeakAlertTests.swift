import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("Live leak alert")
struct LeakAlertTests {
  /// Feeds verdicts with a growing window (one more floor point's worth each time).
  func run(_ verdicts: [TrendVerdict], p: Double = 0.001) -> [Bool] {
    var alert = LeakAlert()
    var samples = 1000
    return verdicts.map { v in
      samples += 100
      return alert.update(
        verdict: v, pValue: v == .leak ? p : 0.5, windowSamples: samples, windowPoints: 100,
        windowStart: 0)
    }
  }

  @Test("Raises only after two consecutive leak verdicts")
  func raisesAfterTwo() {
    #expect(run([.leak, .stable, .leak, .leak]) == [false, false, false, true])
  }

  @Test("Insufficient data neither raises nor clears")
  func insufficientIsNeutral() {
    #expect(run([.leak, .insufficientData, .leak]) == [false, false, true])
    #expect(
      run([.leak, .leak, .insufficientData, .insufficientData, .stable])
        == [false, true, true, true, true])
  }

  @Test("Clears only after two clear evaluations (hysteresis)")
  func clearsWithHysteresis() {
    #expect(
      run([.leak, .leak, .stable, .leak, .plateau, .shrinking])
        == [false, true, true, true, true, false])
  }

  @Test("A weak leak verdict (p above the clear level) counts towards clearing")
  func weakLeakClears() {
    var alert = LeakAlert()
    alert.update(verdict: .leak, pValue: 0.001)
    alert.update(verdict: .leak, pValue: 0.001)
    #expect(alert.isRaised)
    alert.update(verdict: .leak, pValue: 0.2)
    alert.update(verdict: .stable, pValue: 0.5)
    #expect(!alert.isRaised)
  }

  @Test("Re-evaluating the same window twice does not raise")
  func sameEvidenceDoesNotCount() {
    var alert = LeakAlert()
    alert.update(verdict: .leak, pValue: 0.001, windowSamples: 1000, windowPoints: 200, windowStart: 5)
    alert.update(verdict: .leak, pValue: 0.001, windowSamples: 1002, windowPoints: 200, windowStart: 5)
    #expect(!alert.isRaised)
    alert.update(verdict: .leak, pValue: 0.001, windowSamples: 1100, windowPoints: 200, windowStart: 5)
    #expect(alert.isRaised)
  }
}
