import MemtopFormat

extension TrendResult {
  /// The rate with its 95 % interval in one time unit, e.g.
  /// `+3.75 MiB/min (95 % +3.47 MiB/min to +3.84 MiB/min)`.
  public var rateWithInterval: String {
    let reference = slopeBytesPerSecond
    let count = unit == .count
    func signed(_ v: Double) -> String {
      (v >= 0 ? "+" : "-")
        + (count
          ? ByteFormat.rate(countPerSecond: abs(v), unitOf: reference)
          : ByteFormat.rate(bytesPerSecond: abs(v), unitOf: reference))
    }
    return "\(signed(slopeBytesPerSecond)) (95 % \(signed(slopeCI.low)) to \(signed(slopeCI.high)))"
  }
}

extension TrendResult {
  /// A signed rate alone in this result's unit, e.g. `+40.0 MiB/min` or `+4.80/s`.
  public var rateText: String {
    let v = slopeBytesPerSecond
    guard v.isFinite else { return "n/a" }
    let magnitude =
      unit == .count ? ByteFormat.rate(countPerSecond: abs(v), unitOf: v) : ByteFormat.rate(bytesPerSecond: abs(v))
    return (v >= 0 ? "+" : "-") + magnitude
  }
}
