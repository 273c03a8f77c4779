import MemtopSampling
import MemtopStore

// What ``RecordingReader`` parses a window's pieces into, and the pieces' job across threads.

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

/// A window of the file whose pieces are being parsed or were.
struct Window<Batch: RowBatch> {
  let job: PieceJob<Batch>
  /// Where the window starts in the file.
  let start: Int
  /// Where its rows end: after its last line ending, or its end.
  let end: Int
  /// Read as one piece.
  let inOne: Bool
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
  let bounds: [Range<Int>]
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
