import Foundation

/// The trend statistics of one run of floor points: Mann–Kendall with the Hamed–Rao
/// correction, the Sen line with its 95 % interval, residual noise, and the thirds used by
/// the deceleration test.
public struct SegmentTrend: Sendable, Equatable {
  /// Number of floor points.
  public var count: Int
  /// First and last floor-point times, in seconds.
  public var start: Double
  public var end: Double
  /// Mann–Kendall S.
  public var s: Double
  /// Tie-corrected Var(S) times the clamped Hamed–Rao ratio.
  public var correctedVariance: Double
  /// The clamped Hamed–Rao ratio n/n* (≥ 1).
  public var varianceRatio: Double
  /// Z from the corrected variance, continuity-corrected.
  public var z: Double
  /// One-sided p-value for growth.
  public var pIncreasing: Double
  /// One-sided p-value for shrinkage.
  public var pDecreasing: Double
  /// The Sen line (bytes/s) with its 95 % interval from the corrected variance.
  public var sen: SenSlope
  /// Robust σ of the floor around the Sen line, in bytes.
  public var residualSigma: Double
  /// Sen slope of the first third, bytes/s.
  public var firstThirdSlope: Double
  /// Sen slope of the last third, bytes/s, and the upper bound of its 90 % interval.
  public var lastThirdSlope: Double
  public var lastThirdUpper90: Double

  /// Duration covered, in seconds.
  public var duration: Double { end - start }
  /// Effective number of independent points, n / ratio.
  public var effectiveCount: Double { Double(count) / varianceRatio }

  /// Computes the statistics; nil with fewer than 6 points or no time span.
  public init?(times: [Double], values: [Double]) {
    let n = times.count
    guard n >= 6, let first = times.first, let last = times.last, last > first else { return nil }
    // Work relative to the first time so large epoch offsets keep precision.
    let t = times.map { $0 - first }
    let mk = MannKendall(values)
    guard let raw = SenSlope(times: t, values: values) else { return nil }
    let hr = HamedRao(times: t, values: values, senSlope: raw.slope, varianceS: mk.varianceS)
    let variance = hr.correctedVariance
    guard let fit = SenSlope(times: t, values: values, varianceS: variance) else { return nil }
    count = n
    start = first
    end = last
    s = mk.s
    correctedVariance = variance
    varianceRatio = hr.ratio
    z = MannKendall.z(s: mk.s, variance: variance)
    pIncreasing = NormalDistribution.survival(z)
    pDecreasing = NormalDistribution.cdf(z)
    sen = SenSlope(
      slope: fit.slope, intercept: fit.intercept - fit.slope * first, low: fit.low,
      high: fit.high, confidence: fit.confidence)
    var residuals = [Double](repeating: 0, count: n)
    for i in 0..<n { residuals[i] = values[i] - fit.value(at: t[i]) }
    residualSigma = RobustStatistics.sigma(residuals)

    let third = max(n / 3, 3)
    let head = SenSlope(times: Array(t[0..<third]), values: Array(values[0..<third]))
    firstThirdSlope = head?.slope ?? fit.slope
    let tailTimes = Array(t[(n - third)..<n])
    let tailValues = Array(values[(n - third)..<n])
    let tailVariance = MannKendall.tieCorrectedVariance(tailValues) * hr.ratio
    let tail = SenSlope(
      times: tailTimes, values: tailValues, varianceS: tailVariance, confidence: 0.90)
    lastThirdSlope = tail?.slope ?? fit.slope
    lastThirdUpper90 = tail?.high ?? fit.high
  }
}

extension SenSlope {
  /// Memberwise construction, for shifting a fitted line's time origin.
  init(slope: Double, intercept: Double, low: Double, high: Double, confidence: Double) {
    self.slope = slope
    self.intercept = intercept
    self.low = low
    self.high = high
    self.confidence = confidence
  }
}
