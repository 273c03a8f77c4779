/// Human-readable sizes and durations, in binary units (KiB = 1024 bytes).
public enum ByteFormat {
  /// Binary unit names, smallest first.
  static let unitNames = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]

  /// Formats a byte count with three significant digits, e.g. `512 B`, `1.50 MiB`, `12.3 GiB`.
  public static func bytes(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    let negative = value < 0
    var v = abs(value)
    var unit = 0
    while v >= 1024 && unit < unitNames.count - 1 {
      v /= 1024
      unit += 1
    }
    let text = unit == 0 ? String(Int(saturating: v.rounded())) : significant(v)
    return (negative ? "-" : "") + text + " " + unitNames[unit]
  }

  /// Formats a byte count.
  public static func bytes(_ value: UInt64) -> String { bytes(Double(value)) }

  /// Formats a rate, e.g. `41.2 MiB/h`, choosing per-second, per-minute or per-hour.
  public static func rate(bytesPerSecond: Double) -> String {
    rate(bytesPerSecond: bytesPerSecond, unitOf: bytesPerSecond)
  }

  /// Formats a rate in the time unit ``rate(bytesPerSecond:)`` would choose for `reference`,
  /// so an interval's bounds read in the same unit as its estimate.
  public static func rate(bytesPerSecond: Double, unitOf reference: Double) -> String {
    guard bytesPerSecond.isFinite else { return "n/a" }
    let (perUnit, suffix) = rateUnit(reference.isFinite ? reference : bytesPerSecond)
    return bytes(bytesPerSecond * perUnit) + suffix
  }

  /// Formats a count of things with three significant digits, e.g. `12`, `1.50 k`, `2.30 M`.
  public static func count(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    let sign = value < 0 ? "-" : ""
    let v = abs(value)
    if v < 1000 { return sign + (v == v.rounded() ? String(Int(saturating: v)) : significant(v)) }
    if v < 1e6 { return sign + significant(v / 1e3) + " k" }
    return sign + significant(v / 1e6) + " M"
  }

  /// Formats a rate of things (threads, descriptors), e.g. `4.80/s`, `12.0/min`, `3.00/h`, in
  /// the time unit chosen for `reference`: per second from 1/s, per minute from 1/min, else
  /// per hour.
  public static func rate(countPerSecond: Double, unitOf reference: Double) -> String {
    guard countPerSecond.isFinite else { return "n/a" }
    let r = abs(reference.isFinite ? reference : countPerSecond)
    let (perUnit, suffix) = r >= 1 ? (1.0, "/s") : r * 60 >= 1 ? (60.0, "/min") : (3600.0, "/h")
    let v = countPerSecond * perUnit
    return (abs(v) >= 1000 ? count(v) : significant(v)) + suffix
  }

  /// Seconds per time unit and its suffix for a rate: per second from 1 MiB/s, per minute
  /// from 1 MiB/min, else per hour.
  static func rateUnit(_ bytesPerSecond: Double) -> (seconds: Double, suffix: String) {
    if abs(bytesPerSecond) >= 1024 * 1024 { return (1, "/s") }
    if abs(bytesPerSecond * 3600) >= 60 * 1024 * 1024 { return (60, "/min") }
    return (3600, "/h")
  }

  /// Formats seconds as `850 ms`, `12.3 s`, `4 m 05 s`, `5 h 10 m` or `3 d 04 h`.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "n/a" }
    if seconds < 0 { return "-" + duration(-seconds) }
    if seconds < 1 { return "\(Int(saturating: (seconds * 1000).rounded())) ms" }
    if seconds < 60 { return significant(seconds) + " s" }
    // Beyond a million years a duration means "never"; the cap keeps the arithmetic in range.
    guard seconds < 3.2e13 else { return "over a million years" }
    let total = Int(seconds.rounded())
    let (d, h, m, s) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
    if total < 3600 { return "\(m) m \(pad(s)) s" }
    if total < 86400 { return "\(total / 3600) h \(pad(m)) m" }
    return "\(d) d \(pad(h)) h"
  }

  /// Parses a size such as `2G`, `512M`, `1.5GiB`, `100k` or `4096` into bytes.
  ///
  /// Suffixes are binary (K = 1024), case-insensitive, with an optional `i` and `B`.
  public static func parseSize(_ text: String) -> UInt64? {
    var body = Substring(text.trimmingSpaces()).lowercased()[...]
    if body.hasSuffix("b") { body = body.dropLast() }
    if body.hasSuffix("i") { body = body.dropLast() }
    var multiplier: Double = 1
    if let last = body.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5][String(last)] {
      multiplier = pow1024(power)
      body = body.dropLast()
    }
    guard !body.isEmpty, let number = Double(body.trimmingCharacters()), number.isFinite, number >= 0 else {
      return nil
    }
    let bytes = (number * multiplier).rounded()
    guard bytes < 1.8e19 else { return nil }
    return UInt64(bytes)
  }

  // MARK: - Private

  private static func pow1024(_ n: Int) -> Double {
    var v = 1.0
    for _ in 0..<n { v *= 1024 }
    return v
  }

  /// Three significant digits: `1.50`, `12.3`, `512`.
  static func significant(_ v: Double) -> String {
    guard v.isFinite else { return "n/a" }
    if v >= 100 { return String(Int(saturating: v.rounded())) }
    let decimals = v >= 10 ? 1 : 2
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int(saturating: (v * scale).rounded())
    let whole = scaled / Int(scale)
    let frac = scaled % Int(scale)
    var fracText = String(frac)
    while fracText.count < decimals { fracText = "0" + fracText }
    return "\(whole).\(fracText)"
  }

  private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

extension Substring {
  fileprivate func trimmingCharacters() -> String {
    String(self).trimmingSpaces()
  }
}
