import MemtopSampling

/// Memory by kind and the counts judged live, at the detailed reads' cadence.
///
/// Only the samples that carry memory by kind (a detailed read ran that tick) are taken in,
/// so its cost and memory follow the detailed cadence, not the sampling rate: at most
/// ``rawCapacity`` such samples are kept raw (8 metrics, 16 bytes each: 512 KiB), then the
/// floor pyramids alone serve (256 bins a level: about 120 KiB each over 10⁶ samples; O(bins)
/// per evaluation). While raw, the verdicts are
/// those `memtop analyze` gives the same rows.
///
/// Pure: no clock.
public struct LiveRegionAnalysis: Sendable {
  /// Detailed samples kept raw before judging from the pyramids alone.
  public static let rawCapacity = 1 << 12
  /// Bins kept per pyramid level: the analyzer reads at most 256 floor points.
  package static let pyramidCapacity = 256
  /// Detailed samples between evaluations.
  public static let evaluateEvery = 5

  private var analysis: LiveAnalysis
  private var firsts: [Double?]
  private var latests: [Double?]

  public init() {
    analysis = LiveAnalysis(
      metrics: RegionAssessment.metrics, evaluateEvery: Self.evaluateEvery, rawCapacity: Self.rawCapacity,
      pyramidCapacity: Self.pyramidCapacity)
    firsts = RegionAssessment.metrics.map { _ in nil }
    latests = firsts
  }

  /// Whether evaluations wait (a replay loads in bulk, then calls ``evaluate()`` once).
  public var holdsEvaluations: Bool {
    get { analysis.evaluateEvery == .max }
    set { analysis.evaluateEvery = newValue ? .max : Self.evaluateEvery }
  }

  /// Re-runs the analyzer now (when any sample was taken in).
  public mutating func evaluate() {
    if analysis.samples > 0 { analysis.evaluate(limitBytes: nil) }
  }

  /// Detailed samples taken in so far.
  public var samples: Int { analysis.samples }

  /// Takes in a sample if it carries memory by kind; returns whether it re-evaluated.
  @discardableResult
  public mutating func append(_ sample: MemorySample) -> Bool {
    guard RegionAssessment.carriesRegions(sample) else { return false }
    for (i, metric) in RegionAssessment.metrics.enumerated() {
      guard let value = sample[metric] else { continue }
      if firsts[i] == nil { firsts[i] = Double(value) }
      latests[i] = Double(value)
    }
    return analysis.append(sample, limitBytes: nil)
  }

  /// The latest evaluation as an assessment (nil before the first), with the walk's detail.
  public func assessment(detail: RegionDetail? = nil) -> RegionAssessment? {
    var entries: [RegionAssessment.Entry] = []
    for (i, metric) in RegionAssessment.metrics.enumerated() {
      guard let result = analysis.results[i], latests[i] != nil else { continue }
      entries.append(RegionAssessment.Entry(metric: metric, result: result, latest: latests[i], first: firsts[i]))
    }
    return entries.isEmpty ? nil : RegionAssessment(entries: entries, detail: detail)
  }
}
