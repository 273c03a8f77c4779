import MemtopFormat

extension TrendResult {
  /// The rate with its 95 % interval in one time unit, e.g.
  /// `+3.75 MiB/min (95 % +3.47 MiB/min to +3.84 MiB/min)`.
  public var rateWithInterval: String {
    let reference = slopeBytesPerSecond
    func signed(_ v: Double) -> String {
      (v >= 0 ? "+" : "-") + ByteFormat.rate(bytesPerSecond: abs(v), unitOf: reference)
    }
    return "\(signed(slopeBytesPerSecond)) (95 % \(signed(slopeCI.low)) to \(signed(slopeCI.high)))"
  }
}
