import Dispatch
import Foundation

/// Reads a recording written in ``CSVFormat`` back into samples, streaming.
///
/// Columns are found by name, so files with extra columns (or from a later version) load too.
/// Empty numeric fields are absent values; anything else that is not a number is an error with
/// its line. ``RecordingRowParser`` lists what is accepted and refused.
public struct RecordingReader {
  /// The file name used in messages.
  public let path: String

  public init(path: String) {
    self.path = path
  }

  /// Parses the whole text of a recording.
  public func read(_ text: String) throws(CSVReadError) -> [MemorySample] {
    try text.withUTF8Bytes { bytes throws(CSVReadError) in try read(bytes) }
  }

  /// Parses the raw bytes of a recording (a cut last line is left out).
  public func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVReadError) -> [MemorySample] {
    var samples: [MemorySample] = []
    var parser = RecordingRowParser(path: path)
    _ = try parser.parse(bytes, atEnd: true) { sample throws(CSVReadError) in samples.append(sample) }
    return samples
  }

  /// Bytes one thread parses at a time: a window of the file holds one such piece per
  /// thread, or two on a machine of one core (see ``stream(file:keeping:_:)``).
  public static let chunkBytes = 1 << 20

  /// Bytes per piece (``chunkBytes``; smaller in tests, to put piece ends everywhere).
  var pieceBytes = Self.chunkBytes
  /// Pieces per window: twice the cores, so a core slowed by other work holds up less.
  var piecesPerWindow = Swift.min(Swift.max(2 * ProcessInfo.processInfo.activeProcessorCount, 2), 16)

  /// Streams the recording at `file` row by row, in memory bounded by a window of the file
  /// (``chunkBytes`` per piece, a few pieces) whatever its size; returns the notes (a cut
  /// last line). Fails at the first bad row, or at once on a file that is not a recording.
  ///
  /// The pieces of a window are parsed on as many threads, then handed out in order, so the
  /// rows, errors (with their line numbers) and notes are those of a read from start to end.
  public func stream(
    file: String, keeping metrics: [Metric] = Metric.allCases, _ emit: (MemorySample) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> [String] {
    try read(file: file, keeping: metrics, into: SampleBatch.self) { batch, rows throws(CSVReadError) in
      for sample in batch.samples.prefix(rows) { try emit(sample) }
    }
  }

  /// Every row of the recording at `file`, with the notes on what was left out.
  public func readAll(file: String) throws(CSVReadError) -> (samples: [MemorySample], notes: [String]) {
    var samples: [MemorySample] = []
    let notes = try read(file: file, keeping: Metric.allCases, into: SampleBatch.self) { batch, rows in
      samples.append(contentsOf: batch.samples.prefix(rows))
    }
    return (samples, notes)
  }

  /// The main series of the recording at `file` (a tree's total rows, else every row) as a
  /// timeline keeping only `metrics`, so long recordings fit in little memory: about 40 bytes
  /// a sample plus 8 per metric kept.
  public func readMainSeries(file: String, keeping metrics: [Metric]) throws(CSVReadError) -> (
    timeline: Timeline, notes: [String]
  ) {
    // Room for as many rows as the file can hold at 60 bytes a row (memtop's rows are longer):
    // memory not filled is never touched, and the columns are not copied as they grow.
    var rows = 0
    if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > 0 {
      rows = min(size / 60, 50_000_000)
    }
    var timeline = Timeline()
    timeline.reserveCapacity(rows)
    var sawTotal = false
    let notes = try read(file: file, keeping: metrics, into: MainSeriesBatch.self) { batch, _ in
      if batch.sawTotal {
        if !sawTotal {
          timeline = Timeline()
          timeline.reserveCapacity(rows)
          sawTotal = true
        }
      } else if sawTotal {
        return
      }
      timeline.append(contentsOf: batch.timeline)
    }
    return (timeline, notes)
  }

  // MARK: - Windows and pieces

  /// Reads `file` a window at a time, parses each window's pieces on as many threads into
  /// batches of `Batch`, and hands each batch to `merge` in file order with how many of its
  /// rows to take (fewer than it holds only when a later check refuses one of them).
  private func read<Batch: RowBatch>(
    file: String, keeping metrics: [Metric], into _: Batch.Type,
    _ merge: (Batch, Int) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> [String] {
    let fd: Int32
    do {
      fd = try Syscalls.openReadOnly(file)
    } catch {
      throw CSVReadError(
        path: path, line: 0, reason: "cannot open the file: \(error); give the path of a CSV written by memtop record")
    }
    defer { Syscalls.close(fd) }
    var main = RecordingRowParser(path: path, keeping: metrics)
    let kept = Metric.allCases.indices.filter { metrics.contains(Metric.allCases[$0]) }
    let windowBytes = pieceBytes * piecesPerWindow
    // A window, plus the start of a row cut by the window's end (shorter than a line).
    let capacity = windowBytes + RecordingRowParser.maxLineBytes
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    guard let base = buffer.baseAddress else { return [] }
    var spare: [Batch] = []  // batches merged, emptied for the next window: their memory is reused
    var held = 0  // bytes at the start of the buffer not yet parsed
    var offset = 0
    var atEnd = false
    while !atEnd {
      let got: Int
      do {
        got = try Syscalls.pread(fd, base + held, count: min(capacity - held, windowBytes), offset: offset)
      } catch {
        throw CSVReadError(
          path: path, line: 0, reason: "cannot read the file: \(error); give the path of a CSV written by memtop record"
        )
      }
      offset += got
      held += got
      atEnd = got == 0
      var used = 0
      if !main.hasHeader {
        main.stopsAfterHeader = true
        do {
          used = try main.parseRows(UnsafeBufferPointer(start: base, count: held), atEnd: atEnd) { _ in }
        } catch {
          throw error.error(path: path)
        }
      }
      if main.hasHeader {
        used = try readRows(
          UnsafeBufferPointer(start: base, count: held), from: used, atEnd: atEnd, main: &main, kept: kept,
          spare: &spare,
          merge)
      }
      // What is left is the start of a row: a row cannot be this long.
      if held - used >= RecordingRowParser.maxLineBytes { throw main.lineTooLong() }
      if used > 0 && used < held {
        UnsafeMutableRawPointer(base).copyMemory(from: base + used, byteCount: held - used)
      }
      held -= used
    }
    return main.notes
  }

  /// Parses the rows of `window` from `start`: up to its last line ending (to its end when it
  /// ends the file), in pieces on several threads; returns where the rows read end.
  private func readRows<Batch: RowBatch>(
    _ window: UnsafeBufferPointer<UInt8>, from start: Int, atEnd: Bool, main: inout RecordingRowParser,
    kept: [Int], spare: inout [Batch], _ merge: (Batch, Int) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> Int {
    guard let base = window.baseAddress else { return start }
    var end = window.count
    if !atEnd {
      while end > start && base[end - 1] != 0x0A { end -= 1 }
    }
    guard end > start else { return start }
    // Pieces end just after a line ending: a row's start, unless a quoted field holds line
    // breaks (then the piece before it comes back unfinished, and the rest is read in one).
    var bounds: [Range<Int>] = []
    var pieceStart = start
    while pieceStart < end {
      var pieceEnd = min(pieceStart + pieceBytes, end)
      while pieceEnd < end && base[pieceEnd - 1] != 0x0A { pieceEnd += 1 }
      bounds.append(pieceStart..<pieceEnd)
      pieceStart = pieceEnd
    }
    let rowsPerPiece = pieceBytes / 60
    let job = PieceJob<Batch>(window: window, bounds: bounds, atEnd: atEnd, template: main)
    for k in bounds.indices { job.give(k, spare.popLast() ?? Batch(expectedRows: rowsPerPiece, kept: kept)) }
    if bounds.count == 1 {
      job.run(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: bounds.count) { job.run($0) }
    }
    var used = start
    for k in bounds.indices {
      guard var piece = job.take(k) else { break }
      try take(piece, main: &main, merge)
      piece.batch.reset()
      spare.append(piece.batch)
      used = bounds[k].lowerBound + piece.used
      if piece.used < bounds[k].count {
        // A quoted field with a line break crosses the piece's end: the pieces after it
        // started inside that field. Read the rest of the window in one.
        if k + 1 == bounds.count { break }
        let rest = Self.parsePiece(
          UnsafeBufferPointer(rebasing: window[used...]), atEnd: atEnd, parser: main.pieceParser(),
          batch: Batch(expectedRows: rowsPerPiece, kept: kept))
        try take(rest, main: &main, merge)
        used += rest.used
        break
      }
    }
    return used
  }

  /// Hands a piece's rows to `merge` and takes in its lines and lifetimes; throws its error,
  /// or that of a row out of order with the rows before the piece, after the rows before it.
  private func take<Batch: RowBatch>(
    _ piece: Piece<Batch>, main: inout RecordingRowParser, _ merge: (Batch, Int) throws(CSVReadError) -> Void
  ) throws(CSVReadError) {
    let lineOffset = main.line - 1
    if let (violation, row) = main.order.firstViolation(in: piece.parser.order, lineOffset: lineOffset) {
      try merge(piece.batch, row)
      throw violation.error(path: path, lineOffset: lineOffset)
    }
    try merge(piece.batch, piece.parser.rows)
    if let failure = piece.failure { throw failure.error(path: path, lineOffset: lineOffset) }
    main.continue(with: piece.parser)
  }

  static func parsePiece<Batch: RowBatch>(
    _ bytes: UnsafeBufferPointer<UInt8>, atEnd: Bool, parser: RecordingRowParser, batch: Batch
  ) -> Piece<Batch> {
    var piece = Piece(parser: parser, batch: batch)
    do {
      piece.used = try piece.parser.parseRows(bytes, atEnd: atEnd) { row in piece.batch.take(row) }
    } catch {
      piece.failure = error
    }
    return piece
  }
}

// MARK: - Batches

/// The rows of one piece of a file, gathered on the thread that parsed it.
protocol RowBatch: SendableMetatype {
  init(expectedRows: Int, kept: [Int])
  mutating func take(_ row: borrowing ParsedRow)
  /// Empties the batch, keeping its memory for the next piece.
  mutating func reset()
}

/// Rows as samples.
struct SampleBatch: RowBatch {
  var samples: [MemorySample] = []

  init(expectedRows: Int, kept: [Int]) {
    samples.reserveCapacity(expectedRows)
  }

  mutating func take(_ row: borrowing ParsedRow) { samples.append(row.sample) }

  mutating func reset() { samples.removeAll(keepingCapacity: true) }
}

/// A piece's share of the main series: every row, or once a tree's total row is seen, the
/// total rows from there on.
struct MainSeriesBatch: RowBatch {
  var timeline = Timeline()
  var sawTotal = false
  let kept: [Int]

  init(expectedRows: Int, kept: [Int]) {
    self.kept = kept
    timeline.reserveCapacity(expectedRows)
  }

  mutating func take(_ row: borrowing ParsedRow) {
    if row.processes >= 0 {
      if !sawTotal {
        timeline = Timeline()
        sawTotal = true
      }
    } else if sawTotal {
      return
    }
    timeline.append(row, kept: kept)
  }

  mutating func reset() {
    timeline.removeAll(keepingCapacity: true)
    sawTotal = false
  }
}

/// What parsing one piece gave: the parser (its lines, lifetimes and notes), the rows, the
/// bytes used and the error that stopped it.
struct Piece<Batch: RowBatch> {
  var parser: RecordingRowParser
  var batch: Batch
  var used = 0
  var failure: RecordingRowParser.RowFailure?
}

/// The pieces of a window and their results: each piece parsed by one thread, every result
/// read after all have finished.
final class PieceJob<Batch: RowBatch>: @unchecked Sendable {
  private let window: UnsafeBufferPointer<UInt8>
  private let bounds: [Range<Int>]
  private let atEnd: Bool
  private let template: RecordingRowParser
  private let batches: UnsafeMutablePointer<Batch?>
  private let slots: UnsafeMutablePointer<Piece<Batch>?>

  init(window: UnsafeBufferPointer<UInt8>, bounds: [Range<Int>], atEnd: Bool, template: RecordingRowParser) {
    (self.window, self.bounds, self.atEnd, self.template) = (window, bounds, atEnd, template)
    batches = UnsafeMutablePointer.allocate(capacity: bounds.count)
    batches.initialize(repeating: nil, count: bounds.count)
    slots = UnsafeMutablePointer.allocate(capacity: bounds.count)
    slots.initialize(repeating: nil, count: bounds.count)
  }

  /// Gives piece `k` the empty batch its rows go to (held by nothing else, so it grows in place).
  func give(_ k: Int, _ batch: consuming Batch) {
    batches[k] = batch
  }

  /// Parses piece `k` (each piece on one thread only).
  func run(_ k: Int) {
    let range = bounds[k]
    guard let batch = batches[k].take() else { return }
    slots[k] = RecordingReader.parsePiece(
      UnsafeBufferPointer(rebasing: window[range]), atEnd: atEnd && range.upperBound == window.count,
      parser: template.pieceParser(), batch: batch)
  }

  /// Piece `k`'s result, moved out.
  func take(_ k: Int) -> Piece<Batch>? {
    slots[k].take()
  }

  deinit {
    slots.deinitialize(count: bounds.count)
    slots.deallocate()
    batches.deinitialize(count: bounds.count)
    batches.deallocate()
  }
}

extension RecordingReader {
  /// The rows that make up a recording's main series: for a process tree (rows with a
  /// `processes` count) its total rows, leaving out the per-process rows; otherwise every row.
  public static func mainSeries(_ samples: [MemorySample]) -> [MemorySample] {
    guard samples.contains(where: { $0.processes != nil }) else { return samples }
    return samples.filter { $0.processes != nil }
  }
}
