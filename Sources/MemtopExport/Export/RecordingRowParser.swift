import MemtopFormat
import MemtopSampling

/// Reads a recording's rows straight out of its bytes, a chunk at a time, in bounded memory.
///
/// Feed it consecutive pieces of the file with ``parse(_:atEnd:_:)``; it hands back each
/// complete row as a ``MemorySample`` and says how many bytes it consumed, so the caller keeps
/// the unfinished tail for the next piece. No line may exceed ``maxLineBytes``.
///
/// What it accepts and refuses (each refusal names the line and the fix):
/// - columns are found by name; unknown columns (such as the unnamed index column pandas adds
///   with `index=True`) are ignored;
/// - integers may be written as whole-valued decimals (`5681152.0`, as pandas writes a column
///   that had an empty cell); anything else that is not a number is refused;
/// - numbers are range-checked before they are converted: sizes up to 1 EiB, `elapsed_s` from
///   0 to 10¹⁰ s, `time_unix_s` from 0 to 10¹¹ s;
/// - each process lifetime's rows (same pid, start time and kind of row) must be in strictly
///   increasing time order: a row out of order, or one repeating the time of the row before,
///   is refused with both line numbers;
/// - a last line without a line ending was cut short (memtop ends every row with one): it is
///   left out, with a note, even when it parses, since its last value may be cut too.
public struct RecordingRowParser {
  /// The longest line accepted, bytes (a recording's lines are a few hundred bytes).
  package static let maxLineBytes = 1 << 20
  /// The largest size accepted, bytes (1 EiB: beyond any machine's memory).
  package static let maxBytes: UInt64 = 1 << 60
  /// The largest `elapsed_s` accepted, seconds (about 317 years).
  package static let maxElapsed = 1e10
  /// The largest `time_unix_s` accepted, seconds (the year 5138).
  package static let maxUnixTime = 1e11

  /// The file name used in messages (already made terminal-safe by the caller).
  public let path: String
  /// Things the user should know that did not stop the read (a cut last line).
  public var notes: [String] { cutLine.map { [Self.cutNote(path: path, line: $0)] } ?? [] }
  /// The line of a cut last line that was left out.
  private(set) var cutLine: Int?
  /// Whether the header has been read.
  package private(set) var hasHeader = false
  /// Line number where the next record starts (1-based).
  public private(set) var line = 1

  // Role codes per header field. A metric's code is `metricBase + 2 × its index in
  // Metric.allCases`, plus 1 when it is checked and left out: any number of metrics fit.
  static let ignore = 0, elapsedRole = 1, unixRole = 2, pidRole = 3
  static let markerRole = 4, startRole = 5, processesRole = 6, commandRole = 7, metricBase = 16
  /// Bytes that end or open an unquoted field: comma, line feed, quote.
  nonisolated(unsafe) private static let special: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    table.initialize(repeating: 0, count: 256)
    for byte in [UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\"")] { table[Int(byte)] = 1 }
    return UnsafePointer(table)
  }()
  /// Whether the scan ended in a quoted field the end of the input left open.
  private var unclosedQuote = false
  /// The row being read (its values live in ``fields``).
  var current: ParsedRow
  private(set) var roles: [Int] = []
  /// ``special``, held here so the hot loop does not go through a lazy global.
  let specialBytes = Self.special
  private(set) var headerCount = 0
  let fields: FieldStore
  private(set) var order: LifetimeOrder
  /// Rows handed out so far.
  private(set) var rows = 0
  /// Whether ``parse(_:atEnd:_:)`` stops after the header.
  var stopsAfterHeader = false
  /// Whether plain rows are read in one pass (off only in tests, to compare with the general path).
  var readsPlainRows = true

  /// The metrics stored in the samples; the others are checked and left out.
  private let kept: [Metric]

  /// A parser whose samples carry every metric, or only `keeping` (the other columns are
  /// still checked, so a file is accepted or refused the same way whatever is kept).
  public init(path: String, keeping: [Metric] = Metric.allCases) {
    self.path = path
    self.kept = keeping
    fields = FieldStore()
    current = ParsedRow(values: fields.values)
    order = LifetimeOrder()
  }

  /// A parser for a later piece of the same file, to run on another thread: it knows the
  /// header, counts lines from 1 and checks time order within the piece alone (see
  /// ``LifetimeOrder/firsts``).
  func pieceParser() -> RecordingRowParser {
    var piece = RecordingRowParser(path: path, keeping: kept)
    piece.roles = roles
    piece.headerCount = headerCount
    piece.hasHeader = hasHeader
    piece.order = LifetimeOrder(keepsFirsts: true)
    return piece
  }

  /// Takes in the lines and lifetimes a later piece read (see ``pieceParser()``).
  mutating func `continue`(with piece: RecordingRowParser) {
    let offset = line - 1
    order.continue(with: piece.order, lineOffset: offset)
    if let cut = piece.cutLine { cutLine = cut + offset }
    line += piece.line - 1
  }

  /// The note on a cut last line.
  static func cutNote(path: String, line: Int) -> String {
    "\(path):\(line): the last line has no line ending, so it was cut short (a full disk or a killed recorder) and is left out; every row before it was read"
  }

  /// A piece of the file that holds no complete record: the caller must supply more bytes,
  /// or, when the buffer already holds ``maxLineBytes``, give up with ``lineTooLong()``.
  package func lineTooLong() -> CSVReadError {
    if !hasHeader {
      return CSVReadError(
        path: path, line: 1,
        reason:
          "the first line is longer than \(Self.maxLineBytes >> 20) MiB, so this is not a CSV recording; give a file written by memtop record"
      )
    }
    return CSVReadError(
      path: path, line: line,
      reason:
        "the line is longer than \(Self.maxLineBytes >> 20) MiB; a recording's lines are a few hundred bytes, so the file is damaged"
    )
  }

  /// Parses the complete records at the start of `bytes` and returns how many bytes they took.
  ///
  /// With `atEnd`, `bytes` runs to the end of the file: everything is consumed, and a last
  /// line without a line ending is read too (or left out with a note when it is cut short).
  public mutating func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, atEnd: Bool, _ emit: (MemorySample) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> Int {
    do throws(RowFailure) {
      return try parseRows(bytes, atEnd: atEnd) { row throws(RowFailure) in
        do throws(CSVReadError) { try emit(row.sample) } catch { throw .csv(error) }
      }
    } catch {
      throw error.error(path: path)
    }
  }

  /// Why a piece of the file stopped: a CSV error, or a row out of time order (whose line
  /// numbers a piece parser counts from its own start).
  enum RowFailure: Error {
    case csv(CSVReadError)
    case order(LifetimeOrder.Violation)

    /// The error, with line numbers moved by `lineOffset`.
    func error(path: String, lineOffset: Int = 0) -> CSVReadError {
      switch self {
      case .csv(var error):
        if error.line > 0 { error.line += lineOffset }
        return error
      case .order(let violation): return violation.error(path: path, lineOffset: lineOffset)
      }
    }
  }

  /// ``parse(_:atEnd:_:)``, handing out each row as read (its values valid during the call).
  mutating func parseRows(
    _ bytes: UnsafeBufferPointer<UInt8>, atEnd: Bool, _ take: (borrowing ParsedRow) throws(RowFailure) -> Void
  ) throws(RowFailure) -> Int {
    guard let base = bytes.baseAddress, bytes.count > 0 else {
      if atEnd && !hasHeader { throw .csv(emptyFile()) }
      return 0
    }
    let n = bytes.count
    var p = 0
    if !hasHeader {
      // A UTF-8 byte order mark, as some spreadsheets write.
      if n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { p = 3 }
      // Binary data (a sparse or compressed file) is refused from its first bytes.
      var i = p
      while i < n && base[i] != 0x0A {
        if base[i] == 0 {
          throw .csv(
            CSVReadError(
              path: path, line: 1,
              reason:
                "the file holds binary data (a NUL byte in its first line), not a CSV recording; give a file written by memtop record"
            ))
        }
        i += 1
      }
    }
    while p < n {
      let recordLine = line
      if hasHeader && readsPlainRows {
        // Most rows: plain numbers, read in one pass. Anything else takes the general path.
        let next = plainRow(base, from: p, count: n)
        if next > 0 && next - p <= Self.maxLineBytes {
          let key = LifetimeOrder.key(pid: current.pid, startTicks: current.startTicks, total: current.processes >= 0)
          do { try order.check(key, elapsed: current.elapsed, line: recordLine, row: rows) } catch {
            throw .order(error)
          }
          try take(current)
          rows += 1
          line += 1
          p = next
          continue
        }
      }
      let scanned: Scan
      do {
        scanned = try scan(base, from: p, count: n, atEnd: atEnd)
      } catch {
        // With more input to come, a broken record with no line ending yet may be the last
        // line, cut: decide when the end is known, whatever the chunk boundaries.
        if !atEnd && hasHeader && !Self.hasLineFeed(base, from: p, to: n) { return p }
        // Forgiven only in the last line, cut short: no line ending after it (or a quote
        // left open by the cut).
        if atEnd && hasHeader && base[n - 1] != 0x0A && (unclosedQuote || !Self.hasLineFeed(base, from: p, to: n)) {
          return cutLastLine(at: recordLine, n)
        }
        throw .csv(error)
      }
      guard case .record(let next, let lines, let terminated) = scanned else { return p }
      // However the file is cut into pieces, a record longer than this is refused.
      if next - p > Self.maxLineBytes { throw .csv(lineTooLong()) }
      // memtop ends every row with a line ending: a last line without one was cut short
      // (a full disk, a killed writer), and even when it parses its last value may be cut.
      if !terminated && hasHeader && !(fields.count == 1 && fields.ends[0] == fields.starts[0]) {
        return cutLastLine(at: recordLine, n)
      }
      do throws(RowFailure) {
        if !hasHeader {
          do { try readHeader(base) } catch { throw .csv(error) }
          if stopsAfterHeader {
            line += 1 + lines
            return next
          }
        } else if !(fields.count == 1 && fields.ends[0] == fields.starts[0] && fields.flags[0] == 0) {
          do { try row(base, line: recordLine) } catch { throw .csv(error) }
          let key = LifetimeOrder.key(pid: current.pid, startTicks: current.startTicks, total: current.processes >= 0)
          do { try order.check(key, elapsed: current.elapsed, line: recordLine, row: rows) } catch {
            throw .order(error)
          }
          try take(current)
          rows += 1
        }
      } catch {
        if !terminated && hasHeader { return cutLastLine(at: recordLine, n) }
        throw error
      }
      line += 1 + lines
      p = next
    }
    if atEnd && !hasHeader { throw .csv(emptyFile()) }
    return p
  }

  private func emptyFile() -> CSVReadError {
    CSVReadError(
      path: path, line: 0,
      reason: "the file is empty; expected a header starting with \(CSVFormat.columns.prefix(3).joined(separator: ","))"
    )
  }

  private static func hasLineFeed(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
    var i = start
    while i < end {
      if base[i] == 0x0A { return true }
      i += 1
    }
    return false
  }

  private mutating func cutLastLine(at recordLine: Int, _ n: Int) -> Int {
    cutLine = recordLine
    return n
  }

  // MARK: - Records

  private enum Scan {
    case incomplete
    /// A record: where the next one starts, line breaks inside quotes, whether it ended with one.
    case record(next: Int, lines: Int, terminated: Bool)
  }

  /// Finds the fields of the record starting at `start` (RFC 4180: quoted fields with `""`
  /// escapes and embedded line breaks, CRLF or LF).
  private mutating func scan(_ base: UnsafePointer<UInt8>, from start: Int, count n: Int, atEnd: Bool)
    throws(CSVReadError) -> Scan
  {
    let quote = UInt8(ascii: "\"")
    let comma = UInt8(ascii: ",")
    let cr = UInt8(ascii: "\r")
    let lf = UInt8(ascii: "\n")
    let fields = self.fields
    fields.count = 0
    var i = start
    var lines = 0
    while true {
      if i < n && base[i] == quote {
        i += 1
        let s = i
        var flags: UInt8 = 1
        var closed = false
        while i < n {
          let c = base[i]
          if c == quote {
            if i + 1 < n && base[i + 1] == quote {
              flags |= 2
              i += 2
              continue
            }
            if i + 1 == n && !atEnd { return .incomplete }
            closed = true
            break
          }
          if c == lf { lines += 1 }
          i += 1
        }
        guard closed else {
          if !atEnd { return .incomplete }
          unclosedQuote = true
          throw CSVReadError(path: path, line: line, reason: "a quoted field is never closed")
        }
        fields.append(s, i, flags)
        i += 1
        if i >= n {
          if !atEnd { return .incomplete }
          return .record(next: n, lines: lines, terminated: false)
        }
        let c = base[i]
        if c == comma {
          i += 1
          continue
        }
        if c == lf { return .record(next: i + 1, lines: lines, terminated: true) }
        if c == cr {
          if i + 1 < n && base[i + 1] == lf { return .record(next: i + 2, lines: lines, terminated: true) }
          if i + 1 == n && !atEnd { return .incomplete }
        }
        throw CSVReadError(path: path, line: line + lines, reason: "text after a closing quote")
      }
      let s = i
      let special = specialBytes
      while i < n {
        let c = base[i]
        if special[Int(c)] == 0 {
          i += 1
          continue
        }
        if c == comma || c == lf { break }
        if c == quote {
          throw CSVReadError(
            path: path, line: line + lines,
            reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
        }
        i += 1
      }
      if i >= n {
        if !atEnd { return .incomplete }
        fields.append(s, n, 0)
        return .record(next: n, lines: lines, terminated: false)
      }
      var e = i
      if base[i] == lf && e > s && base[e - 1] == cr { e -= 1 }
      fields.append(s, e, 0)
      if base[i] == lf { return .record(next: i + 1, lines: lines, terminated: true) }
      i += 1
    }
  }

  /// The text of field `k`, quotes undone.
  private func text(_ base: UnsafePointer<UInt8>, _ k: Int) -> String {
    let buffer = UnsafeBufferPointer(start: base + fields.starts[k], count: fields.ends[k] - fields.starts[k])
    return fields.flags[k] & 2 != 0 ? String.undoingDoubledQuotes(buffer) : String(decoding: buffer, as: UTF8.self)
  }

  private mutating func readHeader(_ base: UnsafePointer<UInt8>) throws(CSVReadError) {
    var column: [String: Int] = [:]
    roles = []
    for k in 0..<fields.count {
      let name = text(base, k).trimmingSpaces()
      var role = Self.ignore
      if column[name] == nil {
        column[name] = k
        switch name {
        case "elapsed_s": role = Self.elapsedRole
        case "time_unix_s": role = Self.unixRole
        case "pid": role = Self.pidRole
        case "marker": role = Self.markerRole
        case "start_ticks": role = Self.startRole
        case "processes": role = Self.processesRole
        case "command": role = Self.commandRole
        default:
          if let m = Metric.allCases.firstIndex(where: { $0.csvColumn == name }) {
            role = Self.metricBase + 2 * m + (kept.contains(Metric.allCases[m]) ? 0 : 1)
          }
        }
      }
      roles.append(role)
    }
    headerCount = roles.count
    guard column["elapsed_s"] != nil || column["time_unix_s"] != nil else {
      let names = (0..<min(fields.count, 3)).map { text(base, $0) }.joined(separator: ",")
      throw CSVReadError(
        path: path, line: line,
        reason:
          "no elapsed_s or time_unix_s column; is this a memtop recording? (header starts '\(Sanitizer.terminalSafe(String(names.prefix(60)), maxLength: 60))')"
      )
    }
    guard roles.contains(where: { $0 >= Self.metricBase }) else {
      throw CSVReadError(path: path, line: line, reason: "no memory columns (rss_bytes, anon_bytes, heap_bytes, ...)")
    }
    hasHeader = true
  }

  /// Reads the current record into ``current`` (reused from row to row: no copies).
  private mutating func row(_ base: UnsafePointer<UInt8>, line: Int) throws(CSVReadError) {
    guard fields.count == headerCount else {
      throw CSVReadError(
        path: path, line: line,
        reason: "\(fields.count) fields where the header has \(headerCount) (truncated or mixed-up row)")
    }
    current.pid = 0
    current.startTicks = ParsedRow.absent
    current.processes = -1
    if current.marker != nil { current.marker = nil }
    if current.command != nil { current.command = nil }
    let values = fields.values
    for m in 0..<Metric.allCases.count { values[m] = ParsedRow.absent }
    var elapsed: Double?
    var unix: Double?
    let starts = fields.starts
    let ends = fields.ends
    for k in 0..<headerCount {
      let role = roles[k]
      if role == Self.ignore { continue }
      var s = starts[k]
      var e = ends[k]
      while s < e && (base[s] == 0x20 || base[s] == 0x09) { s += 1 }
      while e > s && (base[e - 1] == 0x20 || base[e - 1] == 0x09) { e -= 1 }
      if s == e { continue }
      let field = UnsafeBufferPointer(start: base + s, count: e - s)
      switch role {
      case Self.elapsedRole:
        let value = try time(field, "elapsed_s", line: line)
        guard value >= 0 else {
          throw CSVReadError(
            path: path, line: line,
            reason: "elapsed_s is '\(Self.echo(field))', before the recording started; elapsed seconds count up from 0")
        }
        guard value <= Self.maxElapsed else {
          throw CSVReadError(
            path: path, line: line,
            reason: "elapsed_s is '\(Self.echo(field))', longer than any recording (over 300 years)")
        }
        elapsed = value
      case Self.unixRole:
        let value = try time(field, "time_unix_s", line: line)
        guard value >= 0 && value <= Self.maxUnixTime else {
          throw CSVReadError(
            path: path, line: line, reason: "time_unix_s is '\(Self.echo(field))', not a date (seconds since 1970)")
        }
        unix = value
      case Self.pidRole:
        guard let pid = Self.whole(field), pid <= UInt64(Int32.max) else {
          throw CSVReadError(path: path, line: line, reason: "pid is '\(Self.echo(field))', not a process id")
        }
        current.pid = Int32(pid)
      case Self.markerRole:
        current.marker = text(base, k).trimmingSpaces()
      case Self.commandRole:
        current.command = text(base, k).trimmingSpaces()
      case Self.startRole:
        guard let start = Self.whole(field), start < 1 << 62 else {
          throw CSVReadError(
            path: path, line: line, reason: "start_ticks is '\(Self.echo(field))', not a whole number of clock ticks")
        }
        current.startTicks = start
      case Self.processesRole:
        guard let count = Self.whole(field), count <= UInt64(Int32.max) else {
          throw CSVReadError(
            path: path, line: line, reason: "processes is '\(Self.echo(field))', not a count of processes")
        }
        current.processes = Int32(count)
      default:
        guard let value = Self.whole(field) else {
          let metric = Metric.allCases[(role - Self.metricBase) >> 1]
          throw CSVReadError(
            path: path, line: line, reason: "\(metric.csvColumn) is '\(Self.echo(field))', not a whole number of bytes")
        }
        guard value <= Self.maxBytes else {
          let metric = Metric.allCases[(role - Self.metricBase) >> 1]
          throw CSVReadError(
            path: path, line: line,
            reason:
              "\(metric.csvColumn) is '\(Self.echo(field))', larger than any memory (over 1 EiB); the file is damaged")
        }
        if (role - Self.metricBase) & 1 == 0 { values[(role - Self.metricBase) >> 1] = value }
      }
    }
    guard let time = elapsed ?? unix else {
      throw CSVReadError(path: path, line: line, reason: "the row has no time (elapsed_s and time_unix_s are empty)")
    }
    current.elapsed = time
    current.timeUnix = unix ?? .nan
  }

  // MARK: - Numbers

  /// A field's text for a message: at most 40 characters, control characters escaped.
  static func echo(_ field: UnsafeBufferPointer<UInt8>) -> String {
    Sanitizer.terminalSafe(
      String(decoding: UnsafeBufferPointer(rebasing: field.prefix(160)), as: UTF8.self), maxLength: 40)
  }

  /// A non-negative whole number: digits, optionally followed by a decimal point and zeros
  /// (`5681152.0`), or any other spelling of a whole number below 2⁶⁴ (`5.681152e6`).
  static func whole(_ field: UnsafeBufferPointer<UInt8>) -> UInt64? {
    var value: UInt64 = 0
    var i = 0
    let n = field.count
    // Up to 19 digits cannot overflow: no checks in the loop.
    if n <= 19 {
      while i < n {
        let d = field[i] &- 0x30
        if d >= 10 { break }
        value = value &* 10 &+ UInt64(d)
        i += 1
      }
      if i == n && n > 0 { return value }
      i = 0
      value = 0
    }
    while i < n {
      let d = field[i] &- 0x30
      guard d < 10 else { break }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
      if o1 || o2 { return nil }
      value = sum
      i += 1
    }
    if i == n && i > 0 { return value }
    if i > 0 && field[i] == UInt8(ascii: ".") {
      var j = i + 1
      while j < n && field[j] == 0x30 { j += 1 }
      if j == n { return value }
    }
    // Slow path: exponents and fractions that happen to be whole.
    guard n <= 64, let double = Double(String(decoding: field, as: UTF8.self)), double.isFinite,
      double >= 0, double < 18_446_744_073_709_551_616.0, double == double.rounded(.towardZero)
    else { return nil }
    return UInt64(double)
  }

  static let powersOf10: [Double] = (0...22).map { p in
    var v = 1.0
    for _ in 0..<p { v *= 10 }
    return v
  }

  /// A finite decimal number of seconds.
  private func time(_ field: UnsafeBufferPointer<UInt8>, _ name: String, line: Int) throws(CSVReadError) -> Double {
    // Fast path: [-]digits[.digits] with at most 15 significant digits is exact.
    var i = 0
    let n = field.count
    var negative = false
    if n > 0 && field[0] == UInt8(ascii: "-") {
      negative = true
      i = 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var decimals = 0
    var sawPoint = false
    var fast = i < n
    while i < n {
      let c = field[i]
      let d = c &- 0x30
      if d < 10 {
        if mantissa != 0 || d != 0 { digits += 1 }
        mantissa = mantissa &* 10 &+ UInt64(d)
        if sawPoint { decimals += 1 }
      } else if c == UInt8(ascii: ".") && !sawPoint {
        sawPoint = true
      } else {
        fast = false
        break
      }
      i += 1
    }
    if fast && digits <= 15 && decimals <= 22 && (n - (negative ? 1 : 0)) > (sawPoint ? 1 : 0) {
      let value = Double(mantissa) / Self.powersOf10[decimals]
      return negative ? -value : value
    }
    guard n <= 64, let value = Double(String(decoding: field, as: UTF8.self)), value.isFinite else {
      throw CSVReadError(path: path, line: line, reason: "\(name) is '\(Self.echo(field))', not a number")
    }
    return value
  }
}

extension String {
  fileprivate static func undoingDoubledQuotes(_ raw: UnsafeBufferPointer<UInt8>) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
      bytes.append(raw[i])
      if raw[i] == UInt8(ascii: "\"") && i + 1 < raw.count && raw[i + 1] == UInt8(ascii: "\"") { i += 1 }
      i += 1
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
