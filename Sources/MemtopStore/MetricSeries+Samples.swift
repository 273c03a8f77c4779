import MemtopSampling
import MemtopTrend

/// A metric series built from recorded samples.
extension MetricSeries {
  /// One metric of a run of samples: times are `elapsed` seconds, an absent value is a gap.
  ///
  /// Pass the samples of a single process lifetime (one pid and start time).
  public init(samples: [MemorySample], metric: Metric) {
    self = Timeline(samples).series(metric)
  }
}
