import MemtopCore

/// Streams samples to the `--record` CSV one sample behind, so a marker added to the latest
/// sample still reaches its row; flushed at least once a second. While ``hold`` is set (a
/// marker's label is being typed) rows wait, so the label reaches the marked row.
final class LiveRecorder {
  private let writer: CSVFileWriter
  private var pending: [MemorySample] = []
  /// Keep every row back (a marker's label is being typed).
  var hold = false
  private var lastFlush = -Double.infinity
  private var failure: String?

  init(_ writer: CSVFileWriter) {
    self.writer = writer
  }

  /// Queues `sample`, writing the one before it.
  func append(_ sample: MemorySample) {
    pending.append(sample)
    guard !hold else { return }
    for row in pending.dropLast() { writer.append(row) }
    pending.removeFirst(pending.count - 1)
  }

  /// Attaches a marker to the newest sample (not yet written).
  func markLatest(_ text: String) {
    guard !pending.isEmpty else { return }
    pending[pending.count - 1].marker = text
  }

  /// Renames the marker `old` of a row not yet written.
  func relabel(_ old: String, to new: String) {
    for i in pending.indices where pending[i].marker == old { pending[i].marker = new }
  }

  /// Flushes when a second has passed since the last flush (`.infinity` forces it).
  func flushIfDue(now: Double) {
    guard failure == nil, now - lastFlush >= 1 else { return }
    lastFlush = now
    do {
      try writer.flush()
    } catch {
      failure = error.description
    }
  }

  /// Writes the last sample and syncs; returns an error message, if writing ever failed.
  func finish() -> String? {
    for row in pending { writer.append(row) }
    pending = []
    guard failure == nil else { return failure }
    do {
      try writer.finish()
    } catch {
      return error.description
    }
    return nil
  }
}
