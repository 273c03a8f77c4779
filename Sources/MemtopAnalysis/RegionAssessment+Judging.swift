import MemtopSampling
import MemtopStore
import MemtopTrend

/// Judging memory by kind and the counts from a recording, a bounded store or live samples.
extension RegionAssessment {
  /// The metrics judged for "where": the six kinds, then threads and descriptors.
  public static let metrics: [Metric] = Metric.regions + [.threads, .fds]

  /// The analyzer for `metric`: bytes for a kind, things for a count.
  public static func analyzer(for metric: Metric) -> TrendAnalyzer {
    metric.isCount ? countAnalyzer : byteAnalyzer
  }

  private static let byteAnalyzer = TrendAnalyzer()
  private static let countAnalyzer = TrendAnalyzer(.counts)

  /// Judges each metric's series (times in seconds, NaN = not read that tick), leaving out
  /// the metrics with no value at all.
  ///
  /// Only the samples that carry the metric are judged: memory by kind comes from the detailed
  /// reads, so a recording holds it on some rows only, and the analyzer sees the detailed
  /// cadence (as it sees heap).
  public init(series: (Metric) -> MetricSeries?, detail: RegionDetail? = nil) {
    var entries: [Entry] = []
    for metric in Self.metrics {
      guard let full = series(metric) else { continue }
      let kept = full.droppingGaps()
      guard let first = kept.values.first, let last = kept.values.last else { continue }
      let result = Self.analyzer(for: metric).analyze(kept, label: metric.label)
      entries.append(Entry(metric: metric, result: result, latest: last, first: first))
    }
    self.init(entries: entries, detail: detail)
  }

  /// Judges a bounded store holding the region metrics (see ``RecordingDigest/init(fullResolutionCapacity:metrics:)``):
  /// its full-resolution series while it has them, else its pyramids.
  public init(digest: RecordingDigest, detail: RegionDetail? = nil) {
    var entries: [Entry] = []
    for metric in Self.metrics {
      guard let first = digest.first(metric), let last = digest.latest(metric) else { continue }
      let analyzer = Self.analyzer(for: metric)
      let result: TrendResult
      if let series = digest.judgedSeries(metric) {
        result = analyzer.analyze(series.droppingGaps(), label: metric.label)
      } else if let pyramid = digest.pyramid(metric) {
        result = analyzer.analyze(pyramid, label: metric.label)
      } else {
        continue
      }
      entries.append(Entry(metric: metric, result: result, latest: Double(last), first: Double(first)))
    }
    self.init(entries: entries, detail: detail)
  }

  /// Whether a sample carries memory by kind (a detailed read ran that tick).
  package static func carriesRegions(_ sample: MemorySample) -> Bool {
    Metric.regions.contains { sample[$0] != nil }
  }
}

extension MetricSeries {
  /// The series without its gaps (NaN values).
  func droppingGaps() -> MetricSeries {
    guard values.contains(where: \.isNaN) else { return self }
    var times: [Double] = []
    var values: [Double] = []
    for (t, v) in zip(self.times, self.values) where !v.isNaN {
      times.append(t)
      values.append(v)
    }
    return MetricSeries(times: times, values: values)
  }
}
