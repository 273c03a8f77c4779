import Foundation

/// The Theil–Sen slope on real timestamps, with a confidence interval from order statistics.
///
/// The slope is the median of (y_j − y_i)/(t_j − t_i) over pairs with t_j > t_i; the intercept
/// is median(y) − slope · median(t) (Conover). The interval follows Sen (1968): with N pairwise
/// slopes sorted and C = z_{1−α/2} · √Var(S), the bounds are the slopes of rank
/// round((N − C)/2) and round((N + C)/2) + 1 (1-based, half-to-even rounding). Passing an
/// autocorrelation-corrected Var(S) widens the interval accordingly. O(n² log n): ≤ 256 points.
public struct SenSlope: Sendable, Equatable {
  /// Median pairwise slope, in value units per time unit (bytes/s for memtop's series).
  public let slope: Double
  /// Intercept of the robust line at t = 0, in value units.
  public let intercept: Double
  /// Lower bound of the slope's confidence interval.
  public let low: Double
  /// Upper bound of the slope's confidence interval.
  public let high: Double
  /// The confidence level used for `low`/`high` (e.g. 0.95).
  public let confidence: Double

  /// Fits the line; `varianceS` defaults to the tie-corrected Mann–Kendall variance of `values`.
  ///
  /// Returns `nil` with fewer than two distinct times.
  public init?(
    times: [Double], values: [Double], varianceS: Double? = nil, confidence: Double = 0.95
  ) {
    precondition(times.count == values.count, "times and values must have the same length")
    let n = times.count
    var slopes: [Double] = []
    slopes.reserveCapacity(n * (n - 1) / 2)
    for i in 0..<n {
      for j in (i + 1)..<max(n, i + 1) {
        let dt = times[j] - times[i]
        if dt > 0 {
          slopes.append((values[j] - values[i]) / dt)
        } else if dt < 0 {
          slopes.append((values[i] - values[j]) / -dt)
        }
      }
    }
    guard !slopes.isEmpty else { return nil }
    slopes.sort()
    let median = Self.median(sorted: slopes)
    slope = median
    intercept = Self.median(sorted: values.sorted()) - median * Self.median(sorted: times.sorted())
    self.confidence = confidence

    let variance = varianceS ?? MannKendall.tieCorrectedVariance(values)
    let z = NormalDistribution.quantile(1 - (1 - confidence) / 2)
    let c = z * max(variance, 0).squareRoot()
    let count = Double(slopes.count)
    let upperIndex = min(Int(((count + c) / 2).rounded(.toNearestOrEven)), slopes.count - 1)
    let lowerIndex = max(Int(((count - c) / 2).rounded(.toNearestOrEven)) - 1, 0)
    low = slopes[min(lowerIndex, slopes.count - 1)]
    high = slopes[max(upperIndex, 0)]
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
