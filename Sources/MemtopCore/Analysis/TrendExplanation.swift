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

  /// Bytes in binary units, e.g. "41.0 MiB" (``ByteFormat`` is the one formatter).
  static func bytes(_ b: Double) -> String { ByteFormat.bytes(b) }

  static func signedBytes(_ b: Double) -> String { (b >= 0 ? "+" : "−") + ByteFormat.bytes(abs(b)) }

  /// A signed rate in the most readable unit, e.g. "+12.0 MiB/h".
  static func rate(_ bytesPerSecond: Double) -> String {
    (bytesPerSecond >= 0 ? "+" : "−") + ByteFormat.rate(bytesPerSecond: abs(bytesPerSecond))
  }

  /// Seconds as "30.0 s", "12 m 00 s", "2 h 30 m".
  static func duration(_ s: Double) -> String { ByteFormat.duration(s) }
}
