import Foundation

/// The analyzer run live: a floor pyramid per charted metric (O(1) appends), re-evaluated every
/// few samples, each feeding a ``LeakAlert`` (two consecutive positives raise it).
///
/// Up to ``rawCapacity`` samples the raw samples are kept and judged exactly as `memtop
/// analyze` judges the same samples read back from a file, so the live view and the
/// recording state the same verdict and rate; past that the pyramid serves every evaluation
/// in O(bins). While the series is young (fewer samples than
/// ``TrendConfiguration/youngSampleCount``) it is evaluated every ``youngEvaluateEvery``
/// samples, so a clear leak shows within a few dozen samples.
///
/// Pure: no clock; the caller decides when samples arrive.
public struct LiveAnalysis: Sendable {
  /// The metrics analysed, in the order the charts show them.
  public static let metrics: [Metric] = [.rss, .heap, .anon]
  /// Samples between evaluations while the series is young.
  public static let youngEvaluateEvery = 2
  /// Samples kept raw (per metric, two doubles each) before judging from the pyramid alone.
  public static let rawCapacity = 20_000

  /// Samples between evaluations.
  public var evaluateEvery: Int
  private var pyramids: [FloorPyramid]
  private var raw: [MetricSeries]
  private var alerts: [LeakAlert]
  private var samplesSinceEvaluation = 0
  private let analyzer = TrendAnalyzer(TrendConfiguration())
  /// The latest result per metric (same order as ``metrics``), nil before the first evaluation.
  public private(set) var results: [TrendResult?]
  /// Samples appended so far.
  public private(set) var samples = 0

  public init(evaluateEvery: Int = 5) {
    self.evaluateEvery = max(evaluateEvery, 1)
    pyramids = Self.metrics.map { _ in FloorPyramid() }
    raw = Self.metrics.map { _ in MetricSeries(times: [], values: []) }
    alerts = Self.metrics.map { _ in LeakAlert() }
    results = Self.metrics.map { _ in nil }
  }

  /// Whether metric `i`'s leak alert is raised.
  public func isRaised(_ i: Int) -> Bool { alerts[i].isRaised }

  /// Whether the series is still young (evaluated often).
  public var isYoung: Bool { samples < analyzer.configuration.youngSampleCount }
  /// Whether every sample so far is kept raw (judged as `memtop analyze` judges them).
  public var keepsRaw: Bool { samples <= Self.rawCapacity }

  /// Adds a sample; every `evaluateEvery` samples (``youngEvaluateEvery`` while young),
  /// re-runs the analyzer against `limitBytes`. Returns whether it evaluated.
  @discardableResult
  public mutating func append(_ sample: MemorySample, limitBytes: Double?) -> Bool {
    samples += 1
    for (i, metric) in Self.metrics.enumerated() {
      let value = sample[metric].map { Double($0) } ?? .nan
      pyramids[i].append(time: sample.elapsed, value: value)
      if keepsRaw {
        raw[i].times.append(sample.elapsed)
        raw[i].values.append(value)
      } else if !raw[i].times.isEmpty {
        raw[i] = MetricSeries(times: [], values: [])
      }
    }
    samplesSinceEvaluation += 1
    guard samplesSinceEvaluation >= (isYoung ? Self.youngEvaluateEvery : evaluateEvery) else { return false }
    evaluate(limitBytes: limitBytes)
    return true
  }

  /// Re-runs the analyzer on every metric now.
  public mutating func evaluate(limitBytes: Double?) {
    samplesSinceEvaluation = 0
    for (i, metric) in Self.metrics.enumerated() {
      let result =
        keepsRaw
        ? analyzer.analyze(raw[i], label: metric.label, limitBytes: limitBytes)
        : analyzer.analyze(pyramids[i], label: metric.label, limitBytes: limitBytes)
      alerts[i].update(with: result)
      results[i] = result
    }
  }

  /// The assessment of the latest evaluation; `summed` labels a tree total's figures as sums.
  /// A metric whose alert is raised is in ``Assessment/raised``: the live view says LEAK only
  /// for those.
  public func assessment(summed: Bool = false) -> Assessment {
    var entries: [Assessment.Entry] = []
    var raised: Set<Metric> = []
    for (i, metric) in Self.metrics.enumerated() {
      guard let result = results[i] else { continue }
      var shown = result
      let label = (summed ? "summed " : "") + metric.label
      if summed { shown.explanation = result.explanation.replacingFirst(metric.label, with: label) }
      entries.append(Assessment.Entry(metric: metric, label: label, result: shown))
      if alerts[i].isRaised { raised.insert(metric) }
    }
    var assessment = Assessment(entries: entries)
    assessment.raised = raised
    return assessment
  }
}

extension String {
  /// This string with the first occurrence of `target` replaced.
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = range(of: target) else { return self }
    return replacingCharacters(in: range, with: replacement)
  }
}
