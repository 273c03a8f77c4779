import MemtopSampling

/// Turns samples into CSV lines in ``CSVFormat`` order, appending bytes to a buffer.
///
/// Numbers are formatted by hand (no `String(format:)`) into a stack buffer that goes to the
/// output in one copy: this runs once per sample and for million-row exports.
package struct CSVRowEncoder {
  /// Longest row without its marker: two times (≤ 21 bytes each at millisecond precision up to
  /// 10^17 s), a pid (≤ 11), 11 sizes (≤ 20 each) and 14 commas.
  private static let maxNumericRow = 2 * 32 + 11 + 11 * 20 + 16

  public init() {}

  /// Appends one row, with its `\n`, to `out`.
  public func append(_ sample: MemorySample, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxNumericRow) { row in
      var writer = RowWriter(buffer: row)
      writer.fixed(sample.timeUnix, decimals: 3)
      writer.byte(UInt8(ascii: ","))
      writer.fixed(sample.elapsed, decimals: 3)
      writer.byte(UInt8(ascii: ","))
      writer.signed(Int64(sample.pid))
      for metric in CSVFormat.metricColumns {
        writer.byte(UInt8(ascii: ","))
        if let value = sample[metric] { writer.unsigned(value) }
      }
      writer.byte(UInt8(ascii: ","))
      out.append(contentsOf: UnsafeBufferPointer(rebasing: row[..<writer.count]))
    }
    if let marker = sample.marker {
      out.append(contentsOf: CSVFormat.quote(CSVFormat.neutralize(marker)).utf8)
    }
    out.append(UInt8(ascii: ","))
    // The columns after the marker: start time, process count, each ≤ 20 digits.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * 20 + 2) { tail in
      var writer = RowWriter(buffer: tail)
      if let start = sample.startTicks { writer.unsigned(start) }
      writer.byte(UInt8(ascii: ","))
      if let processes = sample.processes { writer.unsigned(UInt64(processes)) }
      writer.byte(UInt8(ascii: ","))
      out.append(contentsOf: UnsafeBufferPointer(rebasing: tail[..<writer.count]))
    }
    // A tree member's command line (untrusted): neutralised and quoted like a marker.
    if let command = sample.command {
      out.append(contentsOf: CSVFormat.quote(CSVFormat.neutralize(command)).utf8)
    }
    // Memory by kind and counts: ≤ 20 digits each, a comma before each.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CSVFormat.trailingMetricColumns.count * 21 + 1) { tail in
      var writer = RowWriter(buffer: tail)
      for metric in CSVFormat.trailingMetricColumns {
        writer.byte(UInt8(ascii: ","))
        if let value = sample[metric] { writer.unsigned(value) }
      }
      writer.byte(UInt8(ascii: "\n"))
      out.append(contentsOf: UnsafeBufferPointer(rebasing: tail[..<writer.count]))
    }
  }
}

/// Writes ASCII numbers into a fixed buffer (sized by the caller for the longest row).
private struct RowWriter {
  let buffer: UnsafeMutableBufferPointer<UInt8>
  var count = 0

  @inline(__always)
  mutating func byte(_ b: UInt8) {
    buffer[count] = b
    count += 1
  }

  /// A fixed-point number such as `12.345`; non-finite values (and ≥ 1.8e19 after scaling)
  /// stay empty.
  mutating func fixed(_ value: Double, decimals: Int) {
    guard value.isFinite else { return }
    var v = value
    if v < 0 {
      byte(UInt8(ascii: "-"))
      v = -v
    }
    var scale: UInt64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (v * Double(scale)).rounded()
    guard scaled < 1.8e19 else { return }
    let total = UInt64(scaled)
    unsigned(total / scale)
    guard decimals > 0 else { return }
    byte(UInt8(ascii: "."))
    // Most significant fraction digit first, zero-padded.
    let frac = total % scale
    var place = scale / 10
    while place > 0 {
      byte(UInt8(ascii: "0") + UInt8(frac / place % 10))
      place /= 10
    }
  }

  mutating func signed(_ value: Int64) {
    if value < 0 { byte(UInt8(ascii: "-")) }
    unsigned(value.magnitude)
  }

  mutating func unsigned(_ value: UInt64) {
    // Count the digits, then fill them in from the right.
    var digits = 1
    var probe = value
    while probe >= 10 {
      probe /= 10
      digits += 1
    }
    var v = value
    var i = count + digits - 1
    while i >= count {
      buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
      v /= 10
      i -= 1
    }
    count += digits
  }
}
