/// Conversions from `Double` that never trap: the value is clamped to the target's range and
/// NaN becomes 0. Figures derived from outside data (a recording's times and sizes, rates and
/// durations computed from them) go through these before they become integers.
extension Int {
  /// `value` rounded toward zero and clamped to `Int`'s range; NaN gives 0.
  public init(saturating value: Double) {
    if value.isNaN {
      self = 0
    } else if value >= 9.2e18 {
      self = .max
    } else if value <= -9.2e18 {
      self = .min
    } else {
      self = Int(value)
    }
  }
}

extension UInt64 {
  /// `value` rounded toward zero and clamped to `UInt64`'s range; NaN and negatives give 0.
  public init(saturating value: Double) {
    if value.isNaN || value <= 0 {
      self = 0
    } else if value >= 18_446_744_073_709_551_615.0 {
      self = .max
    } else {
      self = UInt64(value)
    }
  }
}
