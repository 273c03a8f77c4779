/// The live leak alert: a tiny pure state machine fed one `TrendResult` per evaluation.
///
/// It raises after `raiseAfter` consecutive `leak` verdicts and, once raised, clears only
/// after `clearAfter` consecutive evaluations that clearly are not a leak (`stable`,
/// `plateau`, `shrinking`, or a growth p-value above `clearPValue`). `insufficient-data`
/// changes nothing. No clock: the caller decides how often to evaluate.
public struct LeakAlert: Sendable, Equatable {
  /// Consecutive leak verdicts needed to raise.
  public var raiseAfter: Int
  /// Consecutive clear evaluations needed to drop a raised alert.
  public var clearAfter: Int
  /// A leak verdict with a p-value above this also counts towards clearing (hysteresis).
  public var clearPValue: Double

  /// Whether the alert is currently raised.
  public private(set) var isRaised = false
  /// Length of the current run of leak verdicts.
  public private(set) var leakRun = 0
  /// Length of the current run of clear evaluations.
  public private(set) var clearRun = 0

  public init(raiseAfter: Int = 2, clearAfter: Int = 2, clearPValue: Double = 0.05) {
    self.raiseAfter = raiseAfter
    self.clearAfter = clearAfter
    self.clearPValue = clearPValue
  }

  /// Feeds one evaluation; returns whether the alert is raised afterwards.
  @discardableResult
  public mutating func update(with result: TrendResult) -> Bool {
    update(verdict: result.verdict, pValue: result.pValue)
  }

  /// Feeds one evaluation by verdict and p-value; returns whether the alert is raised.
  @discardableResult
  public mutating func update(verdict: TrendVerdict, pValue: Double) -> Bool {
    switch verdict {
    case .insufficientData:
      return isRaised
    case .leak:
      leakRun += 1
      clearRun = pValue > clearPValue ? clearRun + 1 : 0
    case .stable, .plateau, .shrinking:
      leakRun = 0
      clearRun += 1
    }
    if !isRaised && leakRun >= raiseAfter {
      isRaised = true
      clearRun = 0
    } else if isRaised && clearRun >= clearAfter {
      isRaised = false
      leakRun = 0
    }
    return isRaised
  }
}
