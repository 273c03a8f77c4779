import MemtopExport
import MemtopSampling

/// Streams a watch to a recording file, one sample behind so a marker added to the newest
/// sample still reaches its row; per-process rows follow their total's. While ``hold`` is set
/// (a marker's label is being typed) rows wait, so the label reaches the marked row.
public final class CSVSink: WatchSink {
  /// The file written.
  public let writer: CSVFileWriter
  private var pending: [(sample: MemorySample, members: [MemorySample])] = []
  /// Keep every row back (a marker's label is being typed); cleared, the rows go out.
  public var hold = false

  public init(_ writer: CSVFileWriter) {
    self.writer = writer
  }

  public func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError) {
    pending.append((sample, members))
    guard !hold else { return }
    writePending(keepingLast: true)
  }

  /// Attaches a marker to the newest sample (not yet written).
  public func markLatest(_ text: String) {
    guard !pending.isEmpty else { return }
    pending[pending.count - 1].sample.marker = text
  }

  /// Renames the marker `old` of a row not yet written.
  public func relabel(_ old: String, to new: String) {
    for i in pending.indices where pending[i].sample.marker == old { pending[i].sample.marker = new }
  }

  public func flush() throws(CSVWriteError) {
    try writer.flush()
  }

  public func finish() throws(CSVWriteError) {
    writePending(keepingLast: false)
    try writer.finish()
  }

  /// Rows written (the one held back included once finished).
  public var rows: Int { writer.rows }

  private func writePending(keepingLast: Bool) {
    let count = keepingLast ? pending.count - 1 : pending.count
    guard count > 0 else { return }
    for row in pending[..<count] {
      writer.append(row.sample)
      for member in row.members { writer.append(member) }
    }
    pending.removeFirst(count)
  }
}
