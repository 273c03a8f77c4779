import Foundation

/// The Hamed–Rao (1998) correction of Var(S) for autocorrelated data.
///
/// The series is detrended with its Sen slope, ranked (ties get average ranks), and the
/// autocorrelation ρ_k of the ranks is computed for every lag. Lags whose ρ_k lies outside
/// ±z_{1−α/2}/√n count:
/// n/n* = 1 + 2/(n(n−1)(n−2)) · Σ (n−k)(n−k−1)(n−k−2) ρ_k.
/// On short series the raw ratio can come out below 1 or negative, so the corrected variance
/// uses the ratio clamped to ≥ 1: positive autocorrelation widens, nothing narrows.
package struct HamedRao: Sendable, Equatable {
  /// The uncorrected ratio n/n* exactly as the formula gives it (may be < 1 or negative).
  package let rawRatio: Double
  /// The tie-corrected Var(S) the correction applies to.
  package let varianceS: Double

  /// Computes the correction for `values` observed at `times`, given the trend's Sen slope
  /// (per time unit) and the uncorrected Var(S).
  public init(
    times: [Double], values: [Double], senSlope: Double, varianceS: Double,
    alpha: Double = 0.05
  ) {
    self.varianceS = varianceS
    let n = values.count
    guard n >= 3 else {
      rawRatio = 1
      return
    }
    var detrended = [Double](repeating: 0, count: n)
    for i in 0..<n { detrended[i] = values[i] - senSlope * times[i] }
    let ranks = Self.averageRanks(detrended)
    let acf = Self.autocorrelation(ranks)
    let bound = NormalDistribution.quantile(1 - alpha / 2) / Double(n).squareRoot()
    var sum = 0.0
    for k in 1..<n where abs(acf[k]) > bound {
      let m = Double(n - k)
      sum += m * (m - 1) * (m - 2) * acf[k]
    }
    let nd = Double(n)
    rawRatio = 1 + 2 / (nd * (nd - 1) * (nd - 2)) * sum
  }

  /// The ratio actually applied: `rawRatio` clamped to ≥ 1 (NaN counts as 1).
  public var ratio: Double { rawRatio.isNaN ? 1 : max(rawRatio, 1) }

  /// Var*(S) = Var(S) · ratio, clamped.
  package var correctedVariance: Double { varianceS * ratio }

  /// Var(S) · rawRatio, unclamped (for comparison with other implementations).
  package var rawCorrectedVariance: Double { varianceS * rawRatio }

  /// The effective number of independent points, n / ratio.
  package func effectiveCount(_ n: Int) -> Double { Double(n) / ratio }

  // MARK: - Helpers

  /// Ranks 1…n with ties sharing their average rank.
  static func averageRanks(_ x: [Double]) -> [Double] {
    let order = x.indices.sorted { x[$0] < x[$1] }
    var ranks = [Double](repeating: 0, count: x.count)
    var i = 0
    while i < order.count {
      var j = i + 1
      while j < order.count && x[order[j]] == x[order[i]] { j += 1 }
      let rank = Double(i + j + 1) / 2
      for k in i..<j { ranks[order[k]] = rank }
      i = j
    }
    return ranks
  }

  /// Sample autocorrelation for lags 0…n−1 (biased estimator: every lag divided by n).
  static func autocorrelation(_ x: [Double]) -> [Double] {
    let n = x.count
    let mean = x.reduce(0, +) / Double(n)
    let y = x.map { $0 - mean }
    var c0 = 0.0
    for v in y { c0 += v * v }
    guard c0 > 0 else { return [Double](repeating: 0, count: n) }
    var acf = [Double](repeating: 0, count: n)
    for k in 0..<n {
      var c = 0.0
      for i in 0..<(n - k) { c += y[i] * y[i + k] }
      acf[k] = c / c0
    }
    return acf
  }
}
