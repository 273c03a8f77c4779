/// Streams a watch to a recording file, one sample behind so a marker added to the newest
/// sample still reaches its row; per-process rows follow their total's.
public final class CSVSink: WatchSink {
  /// The file written.
  public let writer: CSVFileWriter
  private var pending: (sample: MemorySample, members: [MemorySample])?

  public init(_ writer: CSVFileWriter) {
    self.writer = writer
  }

  public func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError) {
    writePending()
    pending = (sample, members)
  }

  /// Attaches a marker to the newest sample (not yet written).
  public func markLatest(_ text: String) {
    pending?.sample.marker = text
  }

  public func flush() throws(CSVWriteError) {
    try writer.flush()
  }

  public func finish() throws(CSVWriteError) {
    writePending()
    try writer.finish()
  }

  /// Rows written (the one held back included once finished).
  public var rows: Int { writer.rows }

  private func writePending() {
    guard let pending else { return }
    writer.append(pending.sample)
    for member in pending.members { writer.append(member) }
    self.pending = nil
  }
}
