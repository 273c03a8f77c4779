import MemtopSampling
import MemtopTrend

/// The JSON document `memtop analyze --json` prints.
///
/// Stable keys: top-level `verdict` and `metrics`; each metric has `verdict`,
/// `slope_bytes_per_s`, `slope_ci_bytes_per_s` ([low, high]), `p_value`, `confidence`,
/// `explanation`, `time_to_limit_s` (number or null), plus `time_to_limit_range_s`,
/// `limit_bytes`, `points`, `window_s`, `window_start_s`, `floor_bytes`, `noise_bytes`,
/// `caveat` (string or null), `steps` ([{`time_s`, `height_bytes`}]), `plateau` (null or
/// {`growth_start_s`, `levelled_at_s`, `rise_bytes`, `level_bytes`, `held_s`}),
/// `leak_threshold_bytes_per_s`, `more_seconds_needed` (number or null).
/// Verdicts: `leak`, `plateau`, `stable`, `inconclusive`, `shrinking`, `insufficient-data`.
/// Non-finite numbers are written as null.
///
/// Where memory grows: `regions` ({kind: {`bytes`, `slope_bytes_per_s`, `slope_ci_bytes_per_s`,
/// `verdict`, `share_of_growth`}} for each kind the recording carries), `counts` ({`threads`,
/// `fds`}: `count`, `slope_per_s`, `slope_ci_per_s`, `verdict`, `share_of_growth`; and, kept for
/// scripts written before, the same figures as `bytes` and `slope_bytes_per_s`,
/// `slope_ci_bytes_per_s`) and `growth_in`
/// (the kind holding most of the growth, or null); see ``RegionAssessment``.
///
/// Which series the verdict rests on: `judged_on` (the metric whose rate and sentence every
/// surface shows, or null with nothing judged) and `basis` (why, when it is not the first
/// judged, e.g. `judged on anon: RSS says plateau; …`, else null).
public struct AnalysisReport: Encodable, Sendable, Equatable {
  /// `leak` if any metric leaks, else the most telling verdict of the others.
  public var verdict: TrendVerdict
  /// One entry per metric name (`"rss"`, `"anon"`, `"heap"`).
  public var metrics: [String: MetricReport]
  /// Memory by kind and the counts, each judged; nil writes empty objects and a null `growth_in`.
  public var regions: RegionAssessment?
  /// Rows that read the detailed figures afresh and rows that carried them: written as
  /// `detail_readings` {`fresh`, `carried`} when the recording says.
  public var detailReadings: DetailReadings?
  /// The metric the verdict rests on (`rss`, `anon`, …), nil with nothing judged.
  public var judgedOn: String?
  /// Why the verdict rests on ``judgedOn`` when that is not the first metric judged.
  public var basis: String?

  public init(verdict: TrendVerdict, metrics: [String: MetricReport]) {
    self.verdict = verdict
    self.metrics = metrics
  }

  /// Builds the report from per-metric results, combining the verdicts.
  public init(results: [Metric: TrendResult]) {
    var metrics: [String: MetricReport] = [:]
    for (metric, result) in results { metrics[metric.rawValue] = MetricReport(result) }
    self.init(verdict: TrendVerdict.combined(results.values.map(\.verdict)), metrics: metrics)
  }

  enum CodingKeys: String, CodingKey {
    case verdict
    case metrics
    case regions
    case counts
    case growthIn = "growth_in"
    case detailReadings = "detail_readings"
    case judgedOn = "judged_on"
    case basis
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(verdict.rawValue, forKey: .verdict)
    try c.encode(judgedOn, forKey: .judgedOn)
    try c.encode(basis, forKey: .basis)
    if let detailReadings {
      try c.encode(["fresh": detailReadings.fresh, "carried": detailReadings.carried], forKey: .detailReadings)
    }
    try c.encode(metrics, forKey: .metrics)
    var kinds: [String: RegionReport] = [:]
    for entry in regions?.kinds ?? [] { kinds[entry.name] = RegionReport(entry) }
    var counts: [String: RegionReport] = [:]
    for entry in regions?.counts ?? [] { counts[entry.name] = RegionReport(entry) }
    try c.encode(kinds, forKey: .regions)
    try c.encode(counts, forKey: .counts)
    try c.encode(regions?.growthIn?.rawValue, forKey: .growthIn)
  }
}

/// One metric's entry in `AnalysisReport`.
public struct MetricReport: Encodable, Sendable, Equatable {
  public var result: TrendResult

  public init(_ result: TrendResult) { self.result = result }

  enum CodingKeys: String, CodingKey {
    case verdict
    case slopeBytesPerSecond = "slope_bytes_per_s"
    case slopeCI = "slope_ci_bytes_per_s"
    case pValue = "p_value"
    case confidence
    case explanation
    case timeToLimit = "time_to_limit_s"
    case timeToLimitRange = "time_to_limit_range_s"
    case limitBytes = "limit_bytes"
    case points
    case windowSeconds = "window_s"
    case windowStart = "window_start_s"
    case floorBytes = "floor_bytes"
    case noiseBytes = "noise_bytes"
    case caveat
    case steps
    case plateau
    case leakThreshold = "leak_threshold_bytes_per_s"
    case moreSecondsNeeded = "more_seconds_needed"
    case onset = "onset_s"
  }

  enum StepKeys: String, CodingKey {
    case time = "time_s"
    case height = "height_bytes"
  }

  enum PlateauKeys: String, CodingKey {
    case growthStart = "growth_start_s"
    case levelledAt = "levelled_at_s"
    case rise = "rise_bytes"
    case level = "level_bytes"
    case held = "held_s"
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    let r = result
    try c.encode(r.verdict.rawValue, forKey: .verdict)
    try c.encode(Self.finite(r.slopeBytesPerSecond), forKey: .slopeBytesPerSecond)
    try c.encode([Self.finite(r.slopeCI.low), Self.finite(r.slopeCI.high)], forKey: .slopeCI)
    try c.encode(Self.finite(r.pValue), forKey: .pValue)
    try c.encode(Self.finite(r.confidence), forKey: .confidence)
    try c.encode(r.explanation, forKey: .explanation)
    let ttl = r.timeToLimit
    try c.encode(ttl.flatMap { Self.finite($0.estimateSeconds) }, forKey: .timeToLimit)
    if let ttl {
      let range = [Self.finite(ttl.earliestSeconds), ttl.latestSeconds.flatMap(Self.finite)]
      try c.encode(range, forKey: .timeToLimitRange)
      try c.encode(Self.finite(ttl.limitBytes), forKey: .limitBytes)
    } else {
      try c.encodeNil(forKey: .timeToLimitRange)
      try c.encodeNil(forKey: .limitBytes)
    }
    try c.encode(r.window.points, forKey: .points)
    try c.encode(Self.finite(r.window.duration), forKey: .windowSeconds)
    try c.encode(Self.finite(r.window.start), forKey: .windowStart)
    try c.encode(Self.finite(r.floorBytes), forKey: .floorBytes)
    try c.encode(Self.finite(r.noiseBytes), forKey: .noiseBytes)
    try c.encode(r.caveat, forKey: .caveat)
    var steps = c.nestedUnkeyedContainer(forKey: .steps)
    for step in r.steps {
      var entry = steps.nestedContainer(keyedBy: StepKeys.self)
      try entry.encode(Self.finite(step.time), forKey: .time)
      try entry.encode(Self.finite(step.heightBytes), forKey: .height)
    }
    if let p = r.plateau {
      var entry = c.nestedContainer(keyedBy: PlateauKeys.self, forKey: .plateau)
      try entry.encode(Self.finite(p.growthStart), forKey: .growthStart)
      try entry.encode(Self.finite(p.levelledAt), forKey: .levelledAt)
      try entry.encode(Self.finite(p.riseBytes), forKey: .rise)
      try entry.encode(Self.finite(p.levelBytes), forKey: .level)
      try entry.encode(Self.finite(p.heldSeconds), forKey: .held)
    } else {
      try c.encodeNil(forKey: .plateau)
    }
    try c.encode(Self.finite(r.leakThresholdBytesPerSecond), forKey: .leakThreshold)
    try c.encode(r.moreSecondsNeeded.flatMap(Self.finite), forKey: .moreSecondsNeeded)
    try c.encode(r.onset.flatMap(Self.finite), forKey: .onset)
  }

  /// The value, or nil (JSON null) when it is NaN or infinite.
  static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
}

/// One kind's (or count's) entry in `AnalysisReport`'s `regions` and `counts`.
///
/// `bytes` is the latest value; `slope_bytes_per_s` and `slope_ci_bytes_per_s` are per second.
/// A count (threads, descriptors) says so in its keys — `count`, `slope_per_s`,
/// `slope_ci_per_s` — and keeps the byte-named keys beside them with the same figures;
/// `verdict` is the analyzer's (`reclaimable` for file pages it would call a leak);
/// `share_of_growth` is 0…1, or null when no kind grows and for the counts.
package struct RegionReport: Encodable, Sendable, Equatable {
  public var entry: RegionAssessment.Entry

  public init(_ entry: RegionAssessment.Entry) { self.entry = entry }

  enum CodingKeys: String, CodingKey {
    case bytes
    case slopeBytesPerSecond = "slope_bytes_per_s"
    case slopeCI = "slope_ci_bytes_per_s"
    case verdict
    case shareOfGrowth = "share_of_growth"
    case count
    case slopePerSecond = "slope_per_s"
    case slopeCIPerSecond = "slope_ci_per_s"
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    let r = entry.result
    if entry.metric.isCount {
      try c.encode(entry.latest.flatMap(MetricReport.finite), forKey: .count)
      try c.encode(MetricReport.finite(r.slopeBytesPerSecond), forKey: .slopePerSecond)
      let interval = [MetricReport.finite(r.slopeCI.low), MetricReport.finite(r.slopeCI.high)]
      try c.encode(interval, forKey: .slopeCIPerSecond)
    }
    try c.encode(entry.latest.flatMap(MetricReport.finite), forKey: .bytes)
    try c.encode(MetricReport.finite(r.slopeBytesPerSecond), forKey: .slopeBytesPerSecond)
    try c.encode([MetricReport.finite(r.slopeCI.low), MetricReport.finite(r.slopeCI.high)], forKey: .slopeCI)
    try c.encode(entry.verdictName, forKey: .verdict)
    try c.encode(entry.shareOfGrowth.flatMap(MetricReport.finite), forKey: .shareOfGrowth)
  }
}
