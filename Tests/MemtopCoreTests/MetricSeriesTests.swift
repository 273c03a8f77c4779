import MemtopTrend
import Testing

@testable import MemtopCore

@Suite struct MetricSeriesTests {
  @Test func countsPointsIncludingGaps() {
    let s = MetricSeries(times: [0, 1, 2], values: [1, .nan, 3])
    #expect(s.count == 3)
  }
}
