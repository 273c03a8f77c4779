/// The live leak alert: a tiny pure state machine fed one `TrendResult` per evaluation.
///
/// It raises after `raiseAfter` consecutive `leak` verdicts and, once raised, clears only
/// after `clearAfter` consecutive evaluations that clearly are not a leak (`stable`,
/// `plateau`, `shrinking`, or `inconclusive` or `leak` with a growth p-value above `clearPValue`). `insufficient-data`
/// changes nothing. With `minimumGrowthSeconds` it also waits until the leak's window spans
/// that long: a bounded cache still filling grows like a leak for a minute or so, and is told
/// apart only once it levels off (the live view says "a leak, or a cache still filling" until
/// then). No clock: the caller decides how often to evaluate.
package struct LeakAlert: Sendable, Equatable {
  /// Consecutive leak verdicts needed to raise.
  package var raiseAfter: Int
  /// Consecutive clear evaluations needed to drop a raised alert.
  package var clearAfter: Int
  /// A leak verdict with a p-value above this also counts towards clearing (hysteresis).
  package var clearPValue: Double
  /// Fraction of new samples a positive must add over the previous counted positive.
  package var minNewEvidence: Double
  /// Seconds the leak's window must span before the alert is raised (0: no wait).
  package var minimumGrowthSeconds: Double

  /// The live view's wait before a steady growth is called LEAK: long enough for a bounded
  /// cache that fills in about a minute to be seen levelling off.
  public static let liveConfirmSeconds = 120.0

  /// Whether the alert is currently raised.
  package private(set) var isRaised = false
  /// Length of the current run of leak verdicts.
  package private(set) var leakRun = 0
  /// Length of the current run of clear evaluations.
  package private(set) var clearRun = 0
  /// Window size (samples) and start of the last counted positive.
  private var lastPositiveSamples = 0
  private var lastPositiveStart = Double.nan
  private var samplesPerPoint = 0

  public init(
    raiseAfter: Int = 2, clearAfter: Int = 2, clearPValue: Double = 0.05,
    minNewEvidence: Double = 0.05, minimumGrowthSeconds: Double = 0
  ) {
    self.raiseAfter = raiseAfter
    self.clearAfter = clearAfter
    self.clearPValue = clearPValue
    self.minNewEvidence = minNewEvidence
    self.minimumGrowthSeconds = minimumGrowthSeconds
  }

  /// Feeds one evaluation; returns whether the alert is raised afterwards.
  @discardableResult
  public mutating func update(with result: TrendResult) -> Bool {
    update(
      verdict: result.verdict, pValue: result.pValue, windowSamples: result.window.samples,
      windowPoints: result.window.points, windowStart: result.window.start, windowSeconds: result.window.duration)
  }

  /// Feeds one evaluation by verdict, p-value and window (samples, floor points, start time in
  /// seconds);
  /// returns whether the alert is raised.
  @discardableResult
  public mutating func update(
    verdict: TrendVerdict, pValue: Double, windowSamples: Int = .max, windowPoints: Int = 0,
    windowStart: Double = 0, windowSeconds: Double = .infinity
  ) -> Bool {
    switch verdict {
    case .insufficientData:
      return isRaised
    case .leak:
      let sameWindow = windowStart == lastPositiveStart
      let needed =
        Double(lastPositiveSamples)
        + max(Double(lastPositiveSamples) * minNewEvidence, Double(samplesPerPoint))
      if leakRun > 0 && sameWindow && windowSamples != .max && Double(windowSamples) < needed {
        return isRaised  // no new evidence since the last positive
      }
      lastPositiveSamples = windowSamples == .max ? 0 : windowSamples
      lastPositiveStart = windowStart
      samplesPerPoint = windowPoints > 0 && windowSamples != .max ? windowSamples / windowPoints : 0
      leakRun += 1
      clearRun = pValue > clearPValue ? clearRun + 1 : 0
    case .stable, .plateau, .shrinking:
      leakRun = 0
      clearRun += 1
    case .inconclusive:
      // Not a leak, but not clearly none either: it breaks a run of positives and clears a
      // raised alert only when the growth is not significant.
      leakRun = 0
      clearRun = pValue > clearPValue ? clearRun + 1 : 0
    }
    if !isRaised && leakRun >= raiseAfter && windowSeconds >= minimumGrowthSeconds {
      isRaised = true
      clearRun = 0
    } else if isRaised && clearRun >= clearAfter {
      isRaised = false
      leakRun = 0
    }
    return isRaised
  }
}
