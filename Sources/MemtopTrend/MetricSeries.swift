/// One metric over time: the analyzer's input.
///
/// `times` are seconds (monotonic, increasing); `values` are bytes, with `Double.nan` marking a
/// gap (a missed or unreadable sample). Both arrays have the same length.
public struct MetricSeries: Sendable, Equatable {
  /// Sample times in seconds, increasing.
  public var times: [Double]
  /// Sample values in bytes; `.nan` is a gap.
  public var values: [Double]

  public init(times: [Double], values: [Double]) {
    precondition(times.count == values.count, "times and values must have the same length")
    self.times = times
    self.values = values
  }

  /// Number of points, gaps included.
  public var count: Int { times.count }
}
