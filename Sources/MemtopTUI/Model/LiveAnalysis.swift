import MemtopCore

/// The analyzer run live: a floor pyramid per charted metric (O(1) appends), re-evaluated every
/// few samples, each feeding a ``LeakAlert`` (two consecutive positives raise it).
///
/// Pure: no clock; the app decides when samples arrive.
public struct LiveAnalysis: Sendable {
  /// The metrics analysed, in the order the charts show them.
  public static let metrics: [Metric] = [.rss, .heap, .anon]

  /// Samples between evaluations.
  public var evaluateEvery: Int
  private var pyramids: [FloorPyramid]
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
    alerts = Self.metrics.map { _ in LeakAlert() }
    results = Self.metrics.map { _ in nil }
  }

  /// Whether metric `i`'s leak alert is raised.
  public func isRaised(_ i: Int) -> Bool { alerts[i].isRaised }

  /// Adds a sample; every `evaluateEvery` samples, re-runs the analyzer against `limitBytes`.
  /// Returns whether it evaluated.
  @discardableResult
  public mutating func append(_ sample: MemorySample, limitBytes: Double?) -> Bool {
    samples += 1
    for (i, metric) in Self.metrics.enumerated() {
      pyramids[i].append(time: sample.elapsed, value: sample[metric].map { Double($0) } ?? .nan)
    }
    samplesSinceEvaluation += 1
    guard samplesSinceEvaluation >= evaluateEvery else { return false }
    evaluate(limitBytes: limitBytes)
    return true
  }

  /// Re-runs the analyzer on every metric now.
  public mutating func evaluate(limitBytes: Double?) {
    samplesSinceEvaluation = 0
    for (i, metric) in Self.metrics.enumerated() {
      let result = analyzer.analyze(pyramids[i], label: metric.label, limitBytes: limitBytes)
      alerts[i].update(with: result)
      results[i] = result
    }
  }
}
