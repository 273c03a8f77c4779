import Foundation
import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("Time to limit")
struct TimeToLimitTests {
  /// 50 MB/h over 2 h from 800 MB, white noise 3 MB.
  func leak() -> MetricSeries {
    var generator = TestSeries(seed: 5)
    return generator.make(.service) { 100e6 * $0 }
  }

  @Test("Point estimate matches the headroom over the rate, inside its range")
  func estimateIsSane() throws {
    let limit = 1_100e6  // floor is ~900 MB at the end; 200 MB headroom at 50 MB/h ≈ 4 h
    let r = TrendAnalyzer().analyze(leak(), limitBytes: limit)
    let ttl = try #require(r.timeToLimit)
    #expect(ttl.limitBytes == limit)
    let naive = (limit - 900e6) / (100e6 / 7200)
    #expect(ttl.estimateSeconds > 0.6 * naive && ttl.estimateSeconds < 1.2 * naive)
    #expect(ttl.earliestSeconds <= ttl.estimateSeconds)
    let latest = try #require(ttl.latestSeconds)
    #expect(latest >= ttl.estimateSeconds)
    #expect(latest < 3 * naive)
  }

  @Test("A limit already reached projects zero")
  func alreadyAtLimit() throws {
    let r = TrendAnalyzer().analyze(leak(), limitBytes: 850e6)
    let ttl = try #require(r.timeToLimit)
    #expect(ttl.estimateSeconds == 0)
    #expect(ttl.earliestSeconds == 0)
  }

  @Test("No projection without growth or without a limit")
  func nilWhenNotGrowing() {
    var generator = TestSeries(seed: 9)
    let flat = generator.make(.service) { _ in 0 }
    #expect(TrendAnalyzer().analyze(flat, limitBytes: 1e9).timeToLimit == nil)
    #expect(TrendAnalyzer().analyze(leak(), limitBytes: nil).timeToLimit == nil)
  }
}
