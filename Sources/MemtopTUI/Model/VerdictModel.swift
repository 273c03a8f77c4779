import MemtopCore

/// The verdict banner's content: what the analyzer says, or nothing while it cannot say.
public struct VerdictModel: Sendable, Equatable {
  /// The headline, e.g. `LEAK  anon grows +1.20 MiB/min (95 % +0.90 MiB/min to +1.50 MiB/min)`.
  public var headline: String
  /// The analyzer's explanation, or what it is waiting for.
  public var detail: String
  /// The banner's colour role.
  public var role: ColorRole

  public init(headline: String, detail: String, role: ColorRole) {
    self.headline = headline
    self.detail = detail
    self.role = role
  }

  /// Samples the analyzer needs before it gives any verdict (floor points × samples per bin).
  public static var samplesNeeded: Int {
    let config = TrendConfiguration()
    return config.minPoints * config.minSamplesPerBin
  }

  /// Builds the banner from the live analysis; `summed` labels a tree total's figures as sums.
  public init(analysis: LiveAnalysis, summed: Bool = false) {
    let metrics = analysis.metrics
    func label(_ i: Int) -> String {
      metrics[i] == .pss && summed ? "tree PSS" : (summed ? "summed " : "") + metrics[i].label
    }
    let indexed = analysis.results.enumerated().compactMap { pair in pair.element.map { (pair.offset, $0) } }
    let raised = indexed.filter { analysis.isRaised($0.0) }
    if let (i, result) = raised.max(by: { $0.1.slopeBytesPerSecond < $1.1.slopeBytesPerSecond }) {
      headline = "LEAK  \(label(i)) grows \(Self.rate(result))" + Self.limit(result)
      detail = result.explanation
      role = .verdictLeak
      return
    }
    let best = indexed.max { $0.1.verdict.severity < $1.1.verdict.severity }
    guard let (i, result) = best, result.verdict != .insufficientData else {
      let have = analysis.samples
      headline = "gathering evidence: \(have) of ~\(Self.samplesNeeded) samples before a verdict"
      detail = "no verdict yet: too few samples to tell growth from noise"
      role = .verdictPending
      return
    }
    detail = result.explanation
    switch result.verdict {
    case .leak:
      headline = "possible leak: \(label(i)) grows \(Self.rate(result)), confirming" + Self.limit(result)
      role = .verdictGrowth
    case .plateau:
      headline = "levelling off: \(label(i)) grew \(Self.rate(result)) but is slowing"
      role = .verdictGrowth
    case .shrinking:
      headline = "shrinking: \(label(i)) \(Self.rate(result))"
      role = .verdictOK
    case .stable, .insufficientData:
      headline = "no leak: " + metrics.indices.map(label).joined(separator: ", ") + " stable"
      role = .verdictOK
    }
  }

  /// Builds the banner from a whole recording's analysis: the verdict `memtop analyze` gives.
  public init(recording: RecordingAnalysis) {
    let metric = recording.leadingMetric
    guard let result = recording.results[metric] else {
      headline = "recording verdict: insufficient-data"
      detail = "no samples to judge"
      role = .verdictPending
      return
    }
    detail = result.explanation
    let verdict = recording.verdict
    var text = "recording verdict: \(verdict.rawValue.uppercased())"
    if verdict == .leak || verdict == .plateau || verdict == .shrinking {
      text += "  \(recording.label(metric)) \(Self.rate(result))"
    }
    headline = text + Self.limit(result)
    switch verdict {
    case .leak: role = .verdictLeak
    case .plateau: role = .verdictGrowth
    case .insufficientData: role = .verdictPending
    case .stable, .shrinking: role = .verdictOK
    }
  }

  /// `+1.20 MiB/min (95 % +0.90 MiB/min to +1.50 MiB/min)`.
  static func rate(_ result: TrendResult) -> String {
    result.rateWithInterval
  }

  /// `; limit 2.00 GiB in ~3 h 10 m (earliest 2 h 05 m)` when the analyzer projected one.
  static func limit(_ result: TrendResult) -> String {
    guard let ttl = result.timeToLimit else { return "" }
    return "; limit \(ByteFormat.bytes(ttl.limitBytes)) in ~\(ByteFormat.duration(ttl.estimateSeconds))"
      + " (earliest \(ByteFormat.duration(ttl.earliestSeconds)))"
  }
}
