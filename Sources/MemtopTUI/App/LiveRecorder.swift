import MemtopCore

/// Streams samples to the `--record` CSV one sample behind, so a marker added to the latest
/// sample still reaches its row; flushed at least once a second.
final class LiveRecorder {
  private let writer: CSVFileWriter
  private var pending: MemorySample?
  private var lastFlush = -Double.infinity
  private var failure: String?

  init(_ writer: CSVFileWriter) {
    self.writer = writer
  }

  /// Queues `sample`, writing the one before it.
  func append(_ sample: MemorySample) {
    if let pending { writer.append(pending) }
    pending = sample
  }

  /// Attaches a marker to the newest sample (not yet written).
  func markLatest(_ text: String) {
    pending?.marker = text
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
    if let pending { writer.append(pending) }
    pending = nil
    guard failure == nil else { return failure }
    do {
      try writer.finish()
    } catch {
      return error.description
    }
    return nil
  }
}
