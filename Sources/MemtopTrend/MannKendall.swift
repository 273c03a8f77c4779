import Foundation

/// The Mann–Kendall trend test on an ordered sample.
///
/// S = Σ_{i<j} sign(x_j − x_i); Var(S) is corrected for ties; Z uses the continuity
/// correction (S ∓ 1)/√Var(S). O(n²): meant for the ≤ 256 floor points, never raw samples.
package struct MannKendall: Sendable, Equatable {
  /// Number of values tested.
  public let count: Int
  /// The Mann–Kendall statistic S.
  public let s: Double
  /// Tie-corrected variance of S under the null hypothesis of no trend.
  package let varianceS: Double

  /// Runs the test on `values` in time order. NaNs must be removed beforehand.
  public init(_ values: [Double]) {
    let n = values.count
    count = n
    var total = 0
    values.withUnsafeBufferPointer { x in
      for i in 0..<n {
        let xi = x[i]
        var local = 0
        for j in (i + 1)..<max(n, i + 1) {
          let xj = x[j]
          local += (xj > xi ? 1 : 0) - (xj < xi ? 1 : 0)
        }
        total += local
      }
    }
    s = Double(total)
    varianceS = Self.tieCorrectedVariance(values)
  }

  /// Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 over groups of t equal values.
  package static func tieCorrectedVariance(_ values: [Double]) -> Double {
    let n = Double(values.count)
    var total = n * (n - 1) * (2 * n + 5)
    let sorted = values.sorted()
    var i = 0
    while i < sorted.count {
      var j = i + 1
      while j < sorted.count && sorted[j] == sorted[i] { j += 1 }
      let t = Double(j - i)
      if t > 1 { total -= t * (t - 1) * (2 * t + 5) }
      i = j
    }
    return total / 18
  }

  /// Z with continuity correction for a given S and variance; 0 when S is 0, NaN when the
  /// variance is not positive.
  public static func z(s: Double, variance: Double) -> Double {
    guard variance > 0 else { return s == 0 ? 0 : .nan }
    if s > 0 { return (s - 1) / variance.squareRoot() }
    if s < 0 { return (s + 1) / variance.squareRoot() }
    return 0
  }

  /// Z from the uncorrected (tie-corrected only) variance.
  public var z: Double { Self.z(s: s, variance: varianceS) }

  /// Two-sided p-value, 2·(1 − Φ(|Z|)).
  package var pTwoSided: Double { 2 * NormalDistribution.survival(abs(z)) }

  /// One-sided p-value for an increasing trend, 1 − Φ(Z).
  package var pIncreasing: Double { NormalDistribution.survival(z) }

  /// One-sided p-value for a decreasing trend, Φ(Z).
  package var pDecreasing: Double { NormalDistribution.cdf(z) }

  /// Kendall's tau, S / (n(n−1)/2).
  package var tau: Double {
    count < 2 ? 0 : s / (Double(count) * Double(count - 1) / 2)
  }
}
