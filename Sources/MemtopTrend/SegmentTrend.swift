import Foundation

/// The trend statistics of one run of floor points: Mann–Kendall with the Hamed–Rao
/// correction, the Sen line with its 95 % interval, residual noise, and the thirds used by
/// the deceleration test.
package struct SegmentTrend: Sendable, Equatable {
  /// Number of floor points.
  public var count: Int
  /// First and last floor-point times, in seconds.
  public var start: Double
  public var end: Double
  /// Mann–Kendall S.
  public var s: Double
  /// Tie-corrected Var(S) times the clamped Hamed–Rao ratio.
  package var correctedVariance: Double
  /// The variance ratio n/n* applied (≥ 1): the larger of the clamped Hamed–Rao ratio and
  /// the ratio implied by the residuals' variogram autocorrelation.
  package var varianceRatio: Double
  /// Lag-one autocorrelation of the residuals, from their robust variogram.
  package var lagOneCorrelation: Double
  /// Z from the corrected variance, continuity-corrected.
  public var z: Double
  /// One-sided p-value for growth.
  package var pIncreasing: Double
  /// One-sided p-value for shrinkage.
  package var pDecreasing: Double
  /// The Sen line (bytes/s) with its 95 % interval from the corrected variance.
  package var sen: SenSlope
  /// Robust σ of the floor around the Sen line, in bytes.
  package var residualSigma: Double
  /// Sen slope of the first third, bytes/s.
  package var firstThirdSlope: Double
  /// Sen slope of the last third, bytes/s, and the upper bound of its 90 % interval.
  package var lastThirdSlope: Double
  package var lastThirdUpper90: Double

  /// Duration covered, in seconds.
  public var duration: Double { end - start }
  /// Effective number of independent points, n / ratio.
  package var effectiveCount: Double { Double(count) / varianceRatio }

  /// Computes the statistics; nil with fewer than 6 points or no time span.
  public init?(times: [Double], values: [Double]) {
    let n = times.count
    guard n >= 6, let first = times.first, let last = times.last, last > first else { return nil }
    // Work relative to the first time so large epoch offsets keep precision.
    let t = times.map { $0 - first }
    let mk = MannKendall(values)
    var slopes = SenSlope.pairwiseSlopes(times: t, values: values)
    guard !slopes.isEmpty else { return nil }
    let raw = SenSlope(
      slopes: &slopes, times: t, values: values, varianceS: mk.varianceS, confidence: 0.95)
    let hr = HamedRao(times: t, values: values, senSlope: raw.slope, varianceS: mk.varianceS)
    var residuals = [Double](repeating: 0, count: n)
    for i in 0..<n { residuals[i] = values[i] - raw.value(at: t[i]) }
    let sigma = RobustStatistics.sigma(residuals)
    let acf = Self.variogramCorrelation(residuals, sigma: sigma)
    let lag1 = acf.count > 1 ? acf[1] : 0
    let persistence = Self.varianceRatio(acf: acf, count: n)
    let ratio = max(hr.ratio, persistence)
    let variance = mk.varianceS * ratio
    let fit = SenSlope(
      slopes: &slopes, times: t, values: values, varianceS: variance, confidence: 0.95)
    count = n
    start = first
    end = last
    s = mk.s
    correctedVariance = variance
    varianceRatio = ratio
    lagOneCorrelation = lag1
    z = MannKendall.z(s: mk.s, variance: variance)
    pIncreasing = NormalDistribution.survival(z)
    pDecreasing = NormalDistribution.cdf(z)
    sen = SenSlope(
      slope: fit.slope, intercept: fit.intercept - fit.slope * first, low: fit.low,
      high: fit.high, confidence: fit.confidence)
    residualSigma = sigma

    let third = max(n / 3, 3)
    let head = SenSlope(times: Array(t[0..<third]), values: Array(values[0..<third]))
    firstThirdSlope = head?.slope ?? fit.slope
    let tailTimes = Array(t[(n - third)..<n])
    let tailValues = Array(values[(n - third)..<n])
    // The tail's interval uses the tail's own autocorrelation: curvature of the whole
    // segment (a warm-up) must not widen it.
    let tailVariance =
      MannKendall.tieCorrectedVariance(tailValues)
      * Self.ownVarianceRatio(times: tailTimes, values: tailValues)
    let tail = SenSlope(
      times: tailTimes, values: tailValues, varianceS: tailVariance, confidence: 0.90)
    lastThirdSlope = tail?.slope ?? fit.slope
    lastThirdUpper90 = tail?.high ?? fit.high
  }
}

extension SegmentTrend {
  /// The variance ratio of a run of points around its own Sen line: the larger of the
  /// clamped Hamed–Rao ratio and the variogram ratio.
  static func ownVarianceRatio(times: [Double], values: [Double]) -> Double {
    guard values.count >= 6, let sen = SenSlope(times: times, values: values) else { return 1 }
    let mk = MannKendall.tieCorrectedVariance(values)
    let hr = HamedRao(times: times, values: values, senSlope: sen.slope, varianceS: mk)
    var residuals = [Double](repeating: 0, count: values.count)
    for i in 0..<values.count { residuals[i] = values[i] - sen.value(at: times[i]) }
    let acf = variogramCorrelation(residuals, sigma: RobustStatistics.sigma(residuals))
    return max(hr.ratio, varianceRatio(acf: acf, count: values.count))
  }

  /// Autocorrelation ρ_0…ρ_{n−1} of the residuals from their robust variogram.
  ///
  /// ρ(h) = 1 − γ(h)/σ², γ(h) = ½·(robust σ of r_{i+h} − r_i)², measured at roughly geometric
  /// lags up to n/3, forced non-increasing, interpolated linearly between measured lags and
  /// extended past the last one with the exponential decay it implies. Unlike a sample ACF of
  /// a short window, this keeps the long memory of slow wander (ρ stays high out to the last
  /// lag), and spikes or single steps cannot dominate it.
  static func variogramCorrelation(_ r: [Double], sigma: Double) -> [Double] {
    let n = r.count
    var acf = [Double](repeating: 0, count: n)
    guard n >= 6, sigma > 0 else {
      if n > 0 { acf[0] = 1 }
      return acf
    }
    acf[0] = 1
    let mean = r.reduce(0, +) / Double(n)
    let variance = max(r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n), sigma * sigma * 1e-6)
    var lags: [Int] = []
    var h = 1
    while h <= max(n / 3, 1) {
      lags.append(h)
      h = max(h + 1, Int((Double(h) * 1.5).rounded()))
    }
    var rhos: [Double] = []
    var diffs = [Double](repeating: 0, count: n)
    var previous = 1.0
    for h in lags {
      let m = n - h
      for i in 0..<m { diffs[i] = r[i + h] - r[i] }
      var sumSquares = 0.0
      for i in 0..<m { sumSquares += diffs[i] * diffs[i] }
      let gamma = sumSquares / Double(2 * m)
      let rho = min(max(1 - gamma / variance, 0), min(previous, 0.999))
      rhos.append(rho)
      previous = rho
    }
    // Interpolate between measured lags.
    var lowerLag = 0
    var lowerRho = 1.0
    for (index, lag) in lags.enumerated() {
      let rho = rhos[index]
      if lag > lowerLag {
        for k in (lowerLag + 1)...min(lag, n - 1) {
          let f = Double(k - lowerLag) / Double(lag - lowerLag)
          acf[k] = lowerRho + (rho - lowerRho) * f
        }
      }
      lowerLag = lag
      lowerRho = rho
    }
    // Extend with the decay implied by the last measured lag.
    if lowerRho > 0 && lowerLag + 1 < n {
      let length = -Double(lowerLag) / log(lowerRho)
      for k in (lowerLag + 1)..<n {
        acf[k] = lowerRho * exp(-Double(k - lowerLag) / length)
      }
    }
    // The sample variance of a window only a few correlation times long is biased low, which
    // drags the empirical ρ(h) to 0 far too early. The lag-one value is nearly unbiased, so
    // the AR(1) decay ρ₁^k it implies is a floor under the empirical function.
    if n > 1 && acf[1] > 0 {
      var power = 1.0
      for k in 1..<n {
        power *= acf[1]
        if power < 1e-9 { break }
        acf[k] = max(acf[k], power)
      }
    }
    return acf
  }

  /// Hamed–Rao's n/n* for a given autocorrelation function:
  /// 1 + 2/(n(n−1)(n−2)) Σ_{k=1}^{n−1} (n−k)(n−k−1)(n−k−2) ρ_k.
  static func varianceRatio(acf: [Double], count n: Int) -> Double {
    guard n >= 3 else { return 1 }
    var sum = 0.0
    for k in 1..<min(n, acf.count) {
      let m = Double(n - k)
      sum += m * (m - 1) * (m - 2) * acf[k]
    }
    let nd = Double(n)
    return max(1, 1 + 2 / (nd * (nd - 1) * (nd - 2)) * sum)
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
