import Foundation

/// Aggregate scores over a set of outcomes.
public struct ScoreSummary: Sendable {
  public var leakCount: Int
  public var benignCount: Int
  /// Leaks whose alert was raised by their deadline.
  public var recall: Double
  /// Leaks whose alert was up at the deadline checkpoint.
  public var raisedAtDeadline: Double
  /// Benign series whose final single analysis said `leak`.
  public var benignLeakAtEnd: Double
  /// Benign series whose alert was ever raised outside don't-care windows.
  public var benignEverFlagged: Double
  /// Median and 90th percentile of detection time / deadline.
  public var medianDetectionFraction: Double
  public var p90DetectionFraction: Double
  /// Median detection time in σ_noise / rate units (known-rate leaks).
  public var medianDetectionNoiseUnits: Double
  public var p90DetectionNoiseUnits: Double
  public var medianRateError: Double
  public var ciCoverage: Double
  public var ttlCoverage: Double
  public var medianTTLError: Double
  /// Stopped leaks whose alert was clear at the end.
  public var clearedAtEnd: Double

  public init(_ outcomes: [SeriesOutcome]) {
    let leaks = outcomes.filter { if case .leak = $0.expectation { return true } else { return false } }
    let benign = outcomes.filter { $0.expectation == .benign }
    leakCount = leaks.count
    benignCount = benign.count
    recall = Self.fraction(leaks) { $0.detectedByDeadline }
    raisedAtDeadline = Self.fraction(leaks) { $0.raisedAtDeadline }
    benignLeakAtEnd = Self.fraction(benign) { $0.leakAtEnd }
    benignEverFlagged = Self.fraction(benign) { $0.everFlagged }
    let fractions = leaks.compactMap { o -> Double? in
      guard let t = o.detectedAt, let d = o.deadline else { return nil }
      return t / d
    }
    medianDetectionFraction = Self.quantile(fractions, 0.5)
    p90DetectionFraction = Self.quantile(fractions, 0.9)
    let units = leaks.compactMap(\.detectionInNoiseUnits)
    medianDetectionNoiseUnits = Self.quantile(units, 0.5)
    p90DetectionNoiseUnits = Self.quantile(units, 0.9)
    medianRateError = Self.quantile(leaks.compactMap(\.rateError), 0.5)
    let ci = leaks.compactMap(\.ciCovers)
    ciCoverage = ci.isEmpty ? .nan : Double(ci.filter { $0 }.count) / Double(ci.count)
    let ttl = leaks.compactMap(\.ttlCovers)
    ttlCoverage = ttl.isEmpty ? .nan : Double(ttl.filter { $0 }.count) / Double(ttl.count)
    medianTTLError = Self.quantile(leaks.compactMap(\.ttlError), 0.5)
    let stopped = outcomes.filter { $0.shape == "stopped-leak" }
    clearedAtEnd = Self.fraction(stopped) { !$0.raisedAtEnd }
  }

  static func fraction(_ xs: [SeriesOutcome], _ p: (SeriesOutcome) -> Bool) -> Double {
    xs.isEmpty ? .nan : Double(xs.filter(p).count) / Double(xs.count)
  }

  public static func quantile(_ xs: [Double], _ q: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    let pos = q * Double(s.count - 1)
    let lo = Int(pos.rounded(.down))
    let hi = min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
  }
}
