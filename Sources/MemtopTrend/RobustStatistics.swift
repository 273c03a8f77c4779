import Foundation

/// Small robust summaries used by the analyzer: median, MAD, quantiles.
enum RobustStatistics {
  /// Median of a non-empty array (NaN when empty).
  static func median(_ x: [Double]) -> Double {
    if x.isEmpty { return .nan }
    return SenSlope.median(sorted: x.sorted())
  }

  /// Median absolute deviation from the median (unscaled).
  static func mad(_ x: [Double]) -> Double {
    let m = median(x)
    return median(x.map { abs($0 - m) })
  }

  /// Robust σ: MAD × 1.4826.
  static func sigma(_ x: [Double]) -> Double { mad(x) * 1.4826 }

  /// Quantile q in [0, 1] of a sorted, non-empty array, linear interpolation.
  static func quantile(sorted x: [Double], _ q: Double) -> Double {
    if x.isEmpty { return .nan }
    let position = q * Double(x.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, x.count - 1)
    let fraction = position - Double(lower)
    return x[lower] + (x[upper] - x[lower]) * fraction
  }
}
