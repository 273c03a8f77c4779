/// Turns samples into CSV lines in ``CSVFormat`` order, appending bytes to a buffer.
///
/// Numbers are formatted by hand (no `String(format:)`): this runs once per sample and for
/// million-row exports.
public struct CSVRowEncoder {
  public init() {}

  /// Appends one row, with its `\n`, to `out`.
  public func append(_ sample: MemorySample, to out: inout [UInt8]) {
    appendFixed(sample.timeUnix, decimals: 3, to: &out)
    out.append(UInt8(ascii: ","))
    appendFixed(sample.elapsed, decimals: 3, to: &out)
    out.append(UInt8(ascii: ","))
    appendSigned(Int64(sample.pid), to: &out)
    for metric in CSVFormat.metricColumns {
      out.append(UInt8(ascii: ","))
      if let value = sample[metric] { appendUnsigned(value, to: &out) }
    }
    out.append(UInt8(ascii: ","))
    if let marker = sample.marker {
      out.append(contentsOf: CSVFormat.quote(CSVFormat.neutralize(marker)).utf8)
    }
    out.append(UInt8(ascii: "\n"))
  }

  /// Appends a non-negative fixed-point number such as `12.345`; non-finite values stay empty.
  func appendFixed(_ value: Double, decimals: Int, to out: inout [UInt8]) {
    guard value.isFinite else { return }
    var v = value
    if v < 0 {
      out.append(UInt8(ascii: "-"))
      v = -v
    }
    var scale: UInt64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (v * Double(scale)).rounded()
    guard scaled < 1.8e19 else { return }
    let total = UInt64(scaled)
    appendUnsigned(total / scale, to: &out)
    if decimals > 0 {
      out.append(UInt8(ascii: "."))
      // Most significant fraction digit first, zero-padded, without a scratch array.
      let frac = total % scale
      var place = scale / 10
      while place > 0 {
        out.append(UInt8(ascii: "0") + UInt8(frac / place % 10))
        place /= 10
      }
    }
  }

  func appendSigned(_ value: Int64, to out: inout [UInt8]) {
    if value < 0 {
      out.append(UInt8(ascii: "-"))
      appendUnsigned(value.magnitude, to: &out)
    } else {
      appendUnsigned(UInt64(value), to: &out)
    }
  }

  func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
    if value < 10 {
      out.append(UInt8(ascii: "0") + UInt8(value))
      return
    }
    var v = value
    var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = 0
    withUnsafeMutableBytes(of: &tmp) { digits in
      while v > 0 {
        digits[n] = UInt8(ascii: "0") + UInt8(v % 10)
        v /= 10
        n += 1
      }
      for i in stride(from: n - 1, through: 0, by: -1) { out.append(digits[i]) }
    }
  }
}
