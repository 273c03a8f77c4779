import Foundation

/// The Theil–Sen slope on real timestamps, with a confidence interval from order statistics.
///
/// The slope is the median of (y_j − y_i)/(t_j − t_i) over pairs with t_j > t_i; the intercept
/// is median(y) − slope · median(t) (Conover). The interval follows Sen (1968): with N pairwise
/// slopes sorted and C = z_{1−α/2} · √Var(S), the bounds are the slopes of rank
/// round((N − C)/2) and round((N + C)/2) + 1 (1-based, half-to-even rounding). Passing an
/// autocorrelation-corrected Var(S) widens the interval accordingly. O(n² log n): ≤ 256 points.
package struct SenSlope: Sendable, Equatable {
  /// Median pairwise slope, in value units per time unit (bytes/s for memtop's series).
  public let slope: Double
  /// Intercept of the robust line at t = 0, in value units.
  package let intercept: Double
  /// Lower bound of the slope's confidence interval.
  public let low: Double
  /// Upper bound of the slope's confidence interval.
  public let high: Double
  /// The confidence level used for `low`/`high` (e.g. 0.95).
  package let confidence: Double

  /// Fits the line; `varianceS` defaults to the tie-corrected Mann–Kendall variance of `values`.
  ///
  /// Returns `nil` with fewer than two distinct times.
  public init?(
    times: [Double], values: [Double], varianceS: Double? = nil, confidence: Double = 0.95
  ) {
    precondition(times.count == values.count, "times and values must have the same length")
    var slopes = Self.pairwiseSlopes(times: times, values: values)
    guard !slopes.isEmpty else { return nil }
    let variance = varianceS ?? MannKendall.tieCorrectedVariance(values)
    self.init(slopes: &slopes, times: times, values: values, varianceS: variance, confidence: confidence)
  }

  /// Fits from precomputed pairwise slopes (reordered in place by selection).
  init(
    slopes: inout [Double], times: [Double], values: [Double], varianceS: Double,
    confidence: Double
  ) {
    let count = slopes.count
    let median = Self.median(selectingIn: &slopes)
    slope = median
    var v = values
    var t = times
    intercept = Self.median(selectingIn: &v) - median * Self.median(selectingIn: &t)
    self.confidence = confidence
    let z = NormalDistribution.quantile(1 - (1 - confidence) / 2)
    let c = z * max(varianceS, 0).squareRoot()
    let n = Double(count)
    let upperIndex = max(min(Int(((n + c) / 2).rounded(.toNearestOrEven)), count - 1), 0)
    let lowerIndex = min(max(Int(((n - c) / 2).rounded(.toNearestOrEven)) - 1, 0), count - 1)
    low = Selection.select(&slopes, lowerIndex)
    high = Selection.select(&slopes, upperIndex)
  }

  /// (y_j − y_i)/(t_j − t_i) for every pair with distinct times.
  static func pairwiseSlopes(times: [Double], values: [Double]) -> [Double] {
    let n = times.count
    var slopes: [Double] = []
    slopes.reserveCapacity(n * (n - 1) / 2)
    times.withUnsafeBufferPointer { t in
      values.withUnsafeBufferPointer { y in
        for i in 0..<n {
          let ti = t[i]
          let yi = y[i]
          for j in (i + 1)..<max(n, i + 1) {
            let dt = t[j] - ti
            if dt != 0 { slopes.append((y[j] - yi) / dt) }
          }
        }
      }
    }
    return slopes
  }

  /// Median by selection (reorders `x`); NaN when empty.
  static func median(selectingIn x: inout [Double]) -> Double {
    let n = x.count
    if n == 0 { return .nan }
    let upper = Selection.select(&x, n / 2)
    if n % 2 == 1 { return upper }
    // The lower middle is the largest element left of the upper middle after selection.
    var lower = -Double.infinity
    for i in 0..<(n / 2) where x[i] > lower { lower = x[i] }
    return (lower + upper) / 2
  }

  /// Value of the fitted line at time `t`.
  public func value(at t: Double) -> Double { intercept + slope * t }

  /// Median of an already sorted, non-empty array.
  static func median(sorted: [Double]) -> Double {
    let n = sorted.count
    if n == 0 { return .nan }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  }
}
