import Foundation

/// Builds the one-sentence explanation of a verdict.
struct TrendExplanation {
  var label: String
  var verdict: TrendVerdict
  /// Rise of the floor line over the window, bytes (negative = fall).
  var rise: Double
  /// Window length, seconds.
  var duration: Double
  /// Slope, bytes/s.
  var slope: Double
  /// Residual σ of the floor, bytes.
  var noise: Double
  /// Number of steps when the growth is a staircase, else 0.
  var staircaseSteps: Int
  /// The last level shift, when the window starts after one.
  var lastShift: LevelShift?
  var points: Int
  var minPoints: Int

  var sentence: String {
    let over = "over \(Self.duration(duration))"
    let after = lastShift.map {
      "after a one-off step of \(Self.signedBytes($0.heightBytes)) at \(Self.duration($0.time)), "
    } ?? ""
    switch verdict {
    case .leak where staircaseSteps > 0:
      return "\(label) climbed \(Self.bytes(rise)) \(over) in \(staircaseSteps) steps without "
        + "ever coming back down (\(Self.rate(slope))): consistent with a leak"
    case .leak:
      return "\(after)\(label) rose \(Self.bytes(rise)) \(over) at a steady rate "
        + "(\(Self.rate(slope))) with no levelling off: consistent with a leak"
    case .plateau:
      return "\(after)\(label) grew \(Self.bytes(rise)) \(over) but the growth is levelling off: "
        + "looks like warm-up or a filling cache, not a leak"
    case .stable:
      return "\(after)\(label) held level \(over) (trend \(Self.rate(slope)), noise ±"
        + "\(Self.bytes(noise))): no sign of a leak"
    case .shrinking:
      return "\(after)\(label) fell \(Self.bytes(-rise)) \(over) (\(Self.rate(slope))): "
        + "memory is being given back"
    case .insufficientData:
      return "\(after)only \(points) \(label) floor points \(over); at least \(minPoints) are "
        + "needed before judging a trend"
    }
  }

  /// Decimal bytes with a unit, e.g. "41 MB".
  static func bytes(_ b: Double) -> String {
    let a = abs(b)
    let (value, unit): (Double, String) =
      a >= 1e9 ? (b / 1e9, "GB") : a >= 1e6 ? (b / 1e6, "MB") : a >= 1e3 ? (b / 1e3, "kB") : (b, "B")
    return abs(value) >= 10 || unit == "B"
      ? "\(Int(value.rounded())) \(unit)" : String(format: "%.1f %@", value, unit)
  }

  static func signedBytes(_ b: Double) -> String { (b >= 0 ? "+" : "−") + bytes(abs(b)) }

  /// A rate in the most readable unit, e.g. "+12 MB/h".
  static func rate(_ bytesPerSecond: Double) -> String {
    let perHour = bytesPerSecond * 3600
    if abs(perHour) >= 1e9 { return signedBytes(bytesPerSecond) + "/s" }
    return signedBytes(perHour) + "/h"
  }

  /// Seconds as "30 s", "12 min", "2.5 h", "1.5 d".
  static func duration(_ s: Double) -> String {
    if s < 90 { return "\(Int(s.rounded())) s" }
    if s < 5400 { return "\(Int((s / 60).rounded())) min" }
    if s < 172_800 { return String(format: "%.1f h", s / 3600) }
    return String(format: "%.1f d", s / 86400)
  }
}
