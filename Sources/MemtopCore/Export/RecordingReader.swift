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

  /// Bytes read from the file at a time.
  public static let chunkBytes = 1 << 20

  /// Streams the recording at `file` row by row, in memory bounded by two chunks whatever the
  /// file's size; returns the notes (a cut last line). Fails at the first bad row, or at once
  /// on a file that is not a recording.
  public func stream(
    file: String, keeping metrics: [Metric] = Metric.allCases, _ emit: (MemorySample) throws(CSVReadError) -> Void
  ) throws(CSVReadError) -> [String] {
    let fd: Int32
    do {
      fd = try Syscalls.openReadOnly(file)
    } catch {
      throw CSVReadError(
        path: path, line: 0, reason: "cannot open the file: \(error); give the path of a CSV written by memtop record")
    }
    defer { Syscalls.close(fd) }
    var parser = RecordingRowParser(path: path, keeping: metrics)
    let capacity = max(Self.chunkBytes, RecordingRowParser.maxLineBytes) * 2
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    guard let base = buffer.baseAddress else { return [] }
    var held = 0  // bytes at the start of the buffer not yet parsed
    var offset = 0
    var atEnd = false
    while !atEnd {
      let room = min(capacity - held, Self.chunkBytes)
      let got: Int
      do {
        got = try Syscalls.pread(fd, base + held, count: room, offset: offset)
      } catch {
        throw CSVReadError(
          path: path, line: 0, reason: "cannot read the file: \(error); give the path of a CSV written by memtop record"
        )
      }
      offset += got
      held += got
      atEnd = got == 0
      let used = try parser.parse(UnsafeBufferPointer(start: base, count: held), atEnd: atEnd, emit)
      if used < held {
        if used == 0 && held >= RecordingRowParser.maxLineBytes { throw parser.lineTooLong() }
        UnsafeMutableRawPointer(base).copyMemory(from: base + used, byteCount: held - used)
      }
      held -= used
    }
    return parser.notes
  }

  /// Every row of the recording at `file`, with the notes on what was left out.
  public func readAll(file: String) throws(CSVReadError) -> (samples: [MemorySample], notes: [String]) {
    var samples: [MemorySample] = []
    let notes = try stream(file: file) { sample throws(CSVReadError) in samples.append(sample) }
    return (samples, notes)
  }

  /// The main series of the recording at `file` (a tree's total rows, else every row) as a
  /// timeline keeping only `metrics`, so long recordings fit in little memory: about 40 bytes
  /// a sample plus 8 per metric kept.
  public func readMainSeries(file: String, keeping metrics: [Metric]) throws(CSVReadError) -> (
    timeline: Timeline, notes: [String]
  ) {
    var timeline = Timeline()
    // Room for as many rows as the file can hold at 60 bytes a row (memtop's rows are longer):
    // memory not filled is never touched, and the columns are not copied as they grow.
    if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > 0 {
      timeline.reserveCapacity(min(size / 60, 50_000_000))
    }
    var sawTotal = false
    let notes = try stream(file: file, keeping: metrics) { sample throws(CSVReadError) in
      if sample.processes != nil {
        if !sawTotal { timeline = Timeline() }
        sawTotal = true
      } else if sawTotal {
        return
      }
      timeline.append(sample)
    }
    return (timeline, notes)
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
