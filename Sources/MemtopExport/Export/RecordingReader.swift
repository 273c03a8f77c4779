import Dispatch
import Foundation
import MemtopSampling
import MemtopStore
import MemtopSystem

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

  /// Bytes one thread parses at a time: a window of the file holds two such pieces per core
  /// (at least two, at most 16; see ``stream(file:keeping:_:)``).
  package static let chunkBytes = 1 << 20

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
  ///
  /// While a window's pieces are parsed, this thread hands out the window before and reads the
  /// one after: it starts after the last line ending of this one, which is where this one's
  /// rows end unless a quoted field holds line breaks. When a piece comes back unfinished, the
  /// guess is dropped and the file is read again from the row it stopped at, in one piece.
  private func read<Batch: RowBatch>(
    file: String, keeping metrics: [Metric], into _: Batch.Type,
    _ merge: (Batch, Int) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> [String] {
    let fd: Int32
    do {
      // A regular file only, never waited on: a FIFO would block open() for ever.
      fd = try Syscalls.openRegularFile(file)
    } catch {
      throw CSVReadError(
        path: path, line: 0, reason: "cannot open the file: \(error); give the path of a CSV written by memtop record")
    }
    defer { Syscalls.close(fd) }
    var main = RecordingRowParser(path: path, keeping: metrics)
    let kept = Metric.allCases.indices.filter { metrics.contains(Metric.allCases[$0]) }
    let windowBytes = pieceBytes * piecesPerWindow
    // A window, or a row as long as a row may be.
    let capacity = max(windowBytes, RecordingRowParser.maxLineBytes + 1)
    let buffers = [
      UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16),
      UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16),
    ]
    defer { for buffer in buffers { buffer.deallocate() } }
    var spare: [Batch] = []  // batches handed out, emptied for the next window: their memory is reused
    var readSize = windowBytes
    var pos = 0  // where the bytes not yet handed out start in the file

    // The header, read alone.
    main.stopsAfterHeader = true
    while !main.hasHeader {
      let want = min(readSize, capacity)
      let got = try fill(fd, buffers[0], count: want, at: 0)
      do {
        pos = try main.parseRows(
          UnsafeBufferPointer(start: buffers[0].assumingMemoryBound(to: UInt8.self), count: got), atEnd: got < want
        ) { _ in }
      } catch {
        throw error.error(path: path)
      }
      if main.hasHeader { break }
      if got > RecordingRowParser.maxLineBytes { throw main.lineTooLong() }
      readSize *= 2
    }
    readSize = windowBytes

    var pending: Window<Batch>?  // parsed, not yet handed out
    var prefetched: (buffer: Int, at: Int, want: Int, got: Result<Int, CSVReadError>)?
    var next = 0  // the buffer the next window goes to
    var inOne = false  // read the next window as one piece
    while true {
      let want = min(readSize, capacity)
      let buffer = buffers[next]
      let got: Int
      if let ahead = prefetched, ahead.buffer == next, ahead.at == pos, ahead.want == want {
        got = try ahead.got.get()
      } else {
        got = try fill(fd, buffer, count: want, at: pos)
      }
      prefetched = nil
      let atEnd = got < want
      let window = UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: UInt8.self), count: got)
      var end = got
      if !atEnd && !inOne {
        while end > 0 && window[end - 1] != 0x0A { end -= 1 }
      }
      let current = Window<Batch>(
        job: PieceJob(
          window: window, bounds: inOne ? [0..<got] : pieces(window, end: end), atEnd: atEnd, template: main),
        start: pos,
        end: end, inOne: inOne)
      for k in current.job.bounds.indices {
        current.job.give(k, spare.popLast() ?? Batch(expectedRows: pieceBytes / 60, kept: kept))
      }
      // The pieces on other threads; here, the window before is handed out and the next read.
      let group = DispatchGroup()
      let job = current.job
      for k in job.bounds.indices { DispatchQueue.global().async(group: group) { job.run(k) } }
      var stop: Int?
      do throws(CSVReadError) {
        if let before = pending { stop = try handOut(before, main: &main, spare: &spare, merge) }
      } catch {
        group.wait()
        throw error
      }
      pending = nil
      if stop == nil && !atEnd && !inOne && end > 0 {
        let other = 1 - next
        let ahead = pos + end
        prefetched = (
          other, ahead, windowBytes,
          Result { () throws(CSVReadError) in
            try fill(fd, buffers[other], count: windowBytes, at: ahead)
          }
        )
      }
      group.wait()
      if let stop {
        // The window before stopped short of its end: this one started at a guess.
        pos = stop
        inOne = true
        continue
      }
      if inOne || atEnd {
        // Where it ends decides where the next starts: hand it out now.
        guard let stop = try handOut(current, main: &main, spare: &spare, merge) else {
          if atEnd { break }
          pos += got
          (inOne, readSize) = (false, windowBytes)
          continue
        }
        if !inOne {
          // A piece of the last window came back unfinished: the rest in one.
          (pos, inOne) = (stop, true)
        } else if stop > pos {
          (pos, inOne, readSize) = (stop, false, windowBytes)
        } else {
          // Not one whole row in the window.
          if got > RecordingRowParser.maxLineBytes { throw main.lineTooLong() }
          readSize *= 2
        }
        continue
      }
      if end == 0 {
        // No line ending in the window.
        if got > RecordingRowParser.maxLineBytes { throw main.lineTooLong() }
        readSize *= 2
        continue
      }
      readSize = windowBytes
      pending = current
      pos += end
      next = 1 - next
    }
    return main.notes
  }

  /// Reads `count` bytes at `offset` (fewer only at the end of the file).
  private func fill(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws(CSVReadError)
    -> Int
  {
    var got = 0
    while got < count {
      let n: Int
      do {
        n = try Syscalls.pread(fd, buffer + got, count: count - got, offset: offset + got)
      } catch {
        throw CSVReadError(
          path: path, line: 0, reason: "cannot read the file: \(error); give the path of a CSV written by memtop record"
        )
      }
      if n == 0 { break }
      got += n
    }
    return got
  }

  /// The pieces of a window's first `end` bytes: about ``pieceBytes`` each, each ending just
  /// after a line ending (a row's start, unless a quoted field holds line breaks).
  private func pieces(_ window: UnsafeBufferPointer<UInt8>, end: Int) -> [Range<Int>] {
    var bounds: [Range<Int>] = []
    var start = 0
    while start < end {
      var pieceEnd = min(start + pieceBytes, end)
      while pieceEnd < end && window[pieceEnd - 1] != 0x0A { pieceEnd += 1 }
      bounds.append(start..<pieceEnd)
      start = pieceEnd
    }
    return bounds
  }

  /// Hands out a parsed window's pieces in order; returns where in the file its rows stopped
  /// short of its end (a piece came back unfinished), or nil when they reached it.
  private func handOut<Batch: RowBatch>(
    _ window: Window<Batch>, main: inout RecordingRowParser, spare: inout [Batch],
    _ merge: (Batch, Int) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> Int? {
    let bounds = window.job.bounds
    for k in bounds.indices {
      guard var piece = window.job.take(k) else { break }
      try take(piece, main: &main, merge)
      piece.batch.reset()
      spare.append(piece.batch)
      if piece.used < bounds[k].count { return window.start + bounds[k].lowerBound + piece.used }
    }
    return nil
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

extension RecordingReader {
  /// The rows that make up a recording's main series: for a process tree (rows with a
  /// `processes` count) its total rows, leaving out the per-process rows; otherwise every row.
  public static func mainSeries(_ samples: [MemorySample]) -> [MemorySample] {
    guard samples.contains(where: { $0.processes != nil }) else { return samples }
    return samples.filter { $0.processes != nil }
  }
}
