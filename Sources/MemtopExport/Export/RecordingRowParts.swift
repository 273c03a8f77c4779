import MemtopSampling
import MemtopStore

// The parts ``RecordingRowParser`` reuses from row to row: where the fields are, the row's
// values, and the time-order check.

// MARK: - Field positions

/// Where each field of the current record starts and ends, and the current row's metric
/// values, in buffers reused for every record (a record is read without allocating).
final class FieldStore {
  private(set) var capacity = 64
  private(set) var starts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
  private(set) var ends = UnsafeMutablePointer<Int>.allocate(capacity: 64)
  /// 1: quoted; 2: holds `""` escapes.
  private(set) var flags = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
  var count = 0
  /// The current row's value of each metric, in `Metric.allCases` order (``ParsedRow/absent``
  /// when empty or not kept).
  let values = UnsafeMutablePointer<UInt64>.allocate(capacity: Metric.allCases.count)

  init() {
    values.initialize(repeating: ParsedRow.absent, count: Metric.allCases.count)
  }

  @inline(__always)
  func append(_ start: Int, _ end: Int, _ flag: UInt8) {
    if count == capacity { grow() }
    starts[count] = start
    ends[count] = end
    flags[count] = flag
    count += 1
  }

  private func grow() {
    let bigger = capacity * 2
    let (s, e, f) = (
      UnsafeMutablePointer<Int>.allocate(capacity: bigger), UnsafeMutablePointer<Int>.allocate(capacity: bigger),
      UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
    )
    s.update(from: starts, count: count)
    e.update(from: ends, count: count)
    f.update(from: flags, count: count)
    starts.deallocate()
    ends.deallocate()
    flags.deallocate()
    (starts, ends, flags, capacity) = (s, e, f, bigger)
  }

  deinit {
    starts.deallocate()
    ends.deallocate()
    flags.deallocate()
    values.deallocate()
  }
}

// MARK: - One row

/// One row of a recording as read, before it becomes a ``MemorySample`` or a timeline row.
struct ParsedRow {
  /// An empty value (sizes are at most 1 EiB and start times below 2⁶², so it is never a value).
  static let absent = UInt64.max

  var elapsed = 0.0
  /// Seconds since the epoch, NaN when the row has none.
  var timeUnix = Double.nan
  var pid: Int32 = 0
  /// Clock ticks, or ``absent``.
  var startTicks = absent
  /// A tree total's count of processes, or -1 on a row of one process.
  var processes: Int32 = -1
  var marker: String?
  var command: String?
  /// Each metric's value in `Metric.allCases` order (``absent`` when empty or not kept);
  /// owned by the parser's ``FieldStore``, valid until the next row.
  let values: UnsafeMutablePointer<UInt64>

  /// The row as a sample.
  var sample: MemorySample {
    var sample = MemorySample(timeUnix: timeUnix, elapsed: elapsed, pid: pid)
    for (m, metric) in Metric.allCases.enumerated() where values[m] != Self.absent { sample[metric] = values[m] }
    sample.marker = marker
    sample.command = command
    sample.startTicks = startTicks == Self.absent ? nil : startTicks
    sample.processes = processes < 0 ? nil : Int(processes)
    return sample
  }
}

extension Timeline {
  /// Adds a row as read from a recording, keeping the metrics at `kept` (indices in
  /// `Metric.allCases`); for a timeline without a capacity.
  mutating func append(_ row: borrowing ParsedRow, kept: [Int]) {
    appendRow(
      elapsed: row.elapsed, timeUnix: row.timeUnix, pid: row.pid, values: row.values, kept: kept,
      startTicks: row.startTicks, processes: row.processes, marker: row.marker, command: row.command
    )
  }
}

// MARK: - Time order

/// Checks that each process lifetime's rows come in strictly increasing time order.
///
/// A lifetime is a pid with its start time; a tree's total rows and per-process rows are kept
/// apart (the root's own row shares the total's time). Rows of different lifetimes may
/// interleave freely.
///
/// A file read in pieces on several threads checks each piece on its own: the piece's first
/// row of each lifetime is kept (``firsts``) and checked against the pieces before it when
/// the pieces are put back in order (``continue(with:lineOffset:)``).
struct LifetimeOrder {
  struct Key: Hashable {
    var pid: Int32
    var start: UInt64
    var total: Bool
  }

  /// A lifetime's first row in this checker: what the rows before it must be checked against.
  struct First {
    var key: Key
    var elapsed: Double
    var line: Int
    /// Rows of the piece before this one.
    var row: Int
  }

  /// A row out of order, with what the message needs (line numbers as counted by the checker).
  struct Violation: Error {
    var line: Int
    var previousLine: Int
    var elapsed: Double
    var previousElapsed: Double
    var pid: Int32

    /// The message, with line numbers moved by `lineOffset`.
    func error(path: String, lineOffset: Int = 0) -> CSVReadError {
      let (line, previousLine) = (line + lineOffset, previousLine + lineOffset)
      if elapsed == previousElapsed {
        return CSVReadError(
          path: path, line: line,
          reason:
            "the row repeats the time of line \(previousLine) (\(elapsed) s) for pid \(pid); remove the duplicate row")
      }
      return CSVReadError(
        path: path, line: line,
        reason:
          "the row's time (\(elapsed) s) is before line \(previousLine)'s (\(previousElapsed) s) for pid \(pid); rows must be in time order: sort the file by elapsed_s"
      )
    }
  }

  private var last: [Key: (elapsed: Double, line: Int)] = [:]
  private var currentKey: Key?
  private var current: (elapsed: Double, line: Int) = (0, 0)
  /// Whether to keep ``firsts`` (a checker of one piece of the file).
  private let keepsFirsts: Bool
  /// The first row of each lifetime this checker saw, in order.
  private(set) var firsts: [First] = []

  init(keepsFirsts: Bool = false) {
    self.keepsFirsts = keepsFirsts
  }

  static func key(pid: Int32, startTicks: UInt64, total: Bool) -> Key {
    Key(pid: pid, start: startTicks, total: total)
  }

  /// Checks the row at `line` (`row` rows after the first this checker saw).
  mutating func check(_ key: Key, elapsed: Double, line: Int, row: Int) throws(Violation) {
    if key != currentKey {
      if let currentKey { last[currentKey] = current }
      if last.count > 100_000 { last.removeAll() }
      currentKey = key
      guard let previous = last[key] else {
        current = (elapsed, line)
        if keepsFirsts { firsts.append(First(key: key, elapsed: elapsed, line: line, row: row)) }
        return
      }
      current = previous
    }
    try advance(elapsed: elapsed, line: line)
  }

  private mutating func advance(elapsed: Double, line: Int) throws(Violation) {
    let previous = current
    current = (elapsed, line)
    if previous.line == 0 || line == previous.line { return }
    if elapsed <= previous.elapsed {
      throw Violation(
        line: line, previousLine: previous.line, elapsed: elapsed, previousElapsed: previous.elapsed,
        pid: currentKey?.pid ?? 0)
    }
  }

  /// Checks the first rows of a later piece (its lines moved by `lineOffset`) against the
  /// rows seen so far; returns the first that is out of order, if any.
  func firstViolation(in piece: LifetimeOrder, lineOffset: Int) -> (violation: Violation, row: Int)? {
    for first in piece.firsts {
      let known = first.key == currentKey ? current : last[first.key]
      guard let previous = known, previous.line != 0 else { continue }
      let line = first.line + lineOffset
      if line == previous.line || first.elapsed > previous.elapsed { continue }
      return (
        Violation(
          line: first.line, previousLine: previous.line - lineOffset, elapsed: first.elapsed,
          previousElapsed: previous.elapsed, pid: first.key.pid), first.row
      )
    }
    return nil
  }

  /// Takes in what a later piece (checked with ``firstViolation(in:lineOffset:)``) saw last
  /// of each lifetime, its lines moved by `lineOffset`.
  mutating func `continue`(with piece: LifetimeOrder, lineOffset: Int) {
    guard let pieceKey = piece.currentKey else { return }
    if let currentKey { last[currentKey] = current }
    for (key, entry) in piece.last { last[key] = (entry.elapsed, entry.line + lineOffset) }
    if last.count > 100_000 { last.removeAll() }
    currentKey = pieceKey
    current = (piece.current.elapsed, piece.current.line + lineOffset)
  }
}
