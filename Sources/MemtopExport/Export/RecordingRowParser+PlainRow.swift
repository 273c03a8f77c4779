import MemtopSampling

extension RecordingRowParser {
  /// Reads the record at `start` into ``current`` in one pass when it is plain: unquoted,
  /// no spaces, numbers as plain digits (times as digits and a point, at most 15 significant
  /// digits), every value in range, empty text fields, the header's count of fields and a
  /// line ending. Returns where the next record starts, or 0 when it is not plain (then
  /// the general path reads it, and finds its error if it has one): a plain row reads as
  /// the general path would read it.
  mutating func plainRow(_ base: UnsafePointer<UInt8>, from start: Int, count n: Int) -> Int {
    let comma = UInt8(ascii: ",")
    let lf = UInt8(ascii: "\n")
    let values = fields.values
    for m in 0..<Metric.allCases.count { values[m] = ParsedRow.absent }
    current.pid = 0
    current.startTicks = ParsedRow.absent
    current.processes = -1
    if current.marker != nil { current.marker = nil }
    if current.command != nil { current.command = nil }
    var elapsed = -1.0
    var unix = -1.0
    var i = start
    let special = specialBytes
    for k in 0..<headerCount {
      let role = roles[k]
      let fieldStart = i
      if role == Self.ignore || role == Self.markerRole || role == Self.commandRole {
        while i < n && special[Int(base[i])] == 0 { i += 1 }
        if i > fieldStart && role != Self.ignore { return 0 }
      } else if role == Self.elapsedRole || role == Self.unixRole {
        var mantissa: UInt64 = 0
        var digits = 0
        var decimals = 0
        var sawPoint = false
        while i < n {
          let c = base[i]
          let d = c &- 0x30
          if d < 10 {
            if mantissa != 0 || d != 0 { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(d)
            if sawPoint { decimals += 1 }
          } else if c == UInt8(ascii: ".") && !sawPoint {
            sawPoint = true
          } else {
            break
          }
          i += 1
        }
        let length = i - fieldStart
        if length > 0 {
          guard digits <= 15, decimals <= 22, length > (sawPoint ? 1 : 0) else { return 0 }
          let value = Double(mantissa) / Self.powersOf10[decimals]
          if role == Self.elapsedRole {
            guard value <= Self.maxElapsed else { return 0 }
            elapsed = value
          } else {
            guard value <= Self.maxUnixTime else { return 0 }
            unix = value
          }
        }
      } else {
        var value: UInt64 = 0
        while i < n {
          let d = base[i] &- 0x30
          if d >= 10 { break }
          value = value &* 10 &+ UInt64(d)
          i += 1
        }
        if i > fieldStart {
          guard i - fieldStart <= 18 else { return 0 }
          switch role {
          case Self.pidRole:
            guard value <= UInt64(Int32.max) else { return 0 }
            current.pid = Int32(value)
          case Self.startRole:
            guard value < 1 << 62 else { return 0 }
            current.startTicks = value
          case Self.processesRole:
            guard value <= UInt64(Int32.max) else { return 0 }
            current.processes = Int32(value)
          default:
            // A column this pass does not know (a role added later) takes the general path.
            guard role >= Self.metricBase, value <= Self.maxBytes else { return 0 }
            if (role - Self.metricBase) & 1 == 0 { values[(role - Self.metricBase) >> 1] = value }
          }
        }
      }
      guard i < n else { return 0 }
      let c = base[i]
      if k + 1 < headerCount {
        guard c == comma else { return 0 }
        i += 1
      } else if c == lf {
        i += 1
      } else {
        guard c == UInt8(ascii: "\r"), i + 1 < n, base[i + 1] == lf else { return 0 }
        i += 2
      }
    }
    if elapsed >= 0 {
      current.elapsed = elapsed
    } else if unix >= 0 {
      current.elapsed = unix
    } else {
      return 0
    }
    current.timeUnix = unix >= 0 ? unix : .nan
    return i
  }
}
