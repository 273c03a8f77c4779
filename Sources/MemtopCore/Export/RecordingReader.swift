/// Reads a recording written in ``CSVFormat`` back into samples.
///
/// Columns are found by name, so files with extra columns (or from a later version) load too.
/// Empty numeric fields are absent values; anything else that is not a number is an error with
/// its line.
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

  /// Parses the raw bytes of a recording.
  public func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVReadError) -> [MemorySample] {
    let records = try CSVParser(path: path).records(bytes)
    guard let header = records.first else {
      throw CSVReadError(path: path, line: 0, reason: "the file is empty; expected a header starting with \(CSVFormat.columns.prefix(3).joined(separator: ","))")
    }
    var column: [String: Int] = [:]
    for (i, name) in header.fields.enumerated() {
      column[name.trimmingSpaces()] = column[name.trimmingSpaces()] ?? i
    }
    guard column["elapsed_s"] != nil || column["time_unix_s"] != nil else {
      throw CSVReadError(path: path, line: header.line, reason: "no elapsed_s or time_unix_s column; is this a memtop recording? (header starts '\(header.fields.prefix(3).joined(separator: ",").prefix(60))')")
    }
    let metricIndex = CSVFormat.metricColumns.map { column[$0.csvColumn] }
    guard metricIndex.contains(where: { $0 != nil }) else {
      throw CSVReadError(path: path, line: header.line, reason: "no memory columns (rss_bytes, anon_bytes, heap_bytes, ...)")
    }
    var samples: [MemorySample] = []
    samples.reserveCapacity(records.count - 1)
    for record in records.dropFirst() {
      if record.fields.count == 1 && record.fields[0].isEmpty { continue }
      guard record.fields.count == header.fields.count else {
        throw CSVReadError(path: path, line: record.line, reason: "\(record.fields.count) fields where the header has \(header.fields.count) (truncated or mixed-up row)")
      }
      func field(_ index: Int?) -> String? {
        guard let index, index < record.fields.count else { return nil }
        let text = record.fields[index].trimmingSpaces()
        return text.isEmpty ? nil : text
      }
      func number(_ index: Int?, _ name: String) throws(CSVReadError) -> Double? {
        guard let text = field(index) else { return nil }
        guard let value = Double(text), value.isFinite else {
          throw CSVReadError(path: path, line: record.line, reason: "\(name) is '\(text.prefix(40))', not a number")
        }
        return value
      }
      let elapsed = try number(column["elapsed_s"], "elapsed_s")
      let unix = try number(column["time_unix_s"], "time_unix_s")
      guard let time = elapsed ?? unix else {
        throw CSVReadError(path: path, line: record.line, reason: "the row has no time (elapsed_s and time_unix_s are empty)")
      }
      var sample = MemorySample(timeUnix: unix ?? .nan, elapsed: elapsed ?? time, pid: 0)
      if let pidText = field(column["pid"]) {
        guard let pid = Int32(pidText) else {
          throw CSVReadError(path: path, line: record.line, reason: "pid is '\(pidText.prefix(40))', not a process id")
        }
        sample.pid = pid
      }
      for (metric, index) in zip(CSVFormat.metricColumns, metricIndex) {
        guard let text = field(index) else { continue }
        guard let value = UInt64(text) else {
          throw CSVReadError(path: path, line: record.line, reason: "\(metric.csvColumn) is '\(text.prefix(40))', not a whole number of bytes")
        }
        sample[metric] = value
      }
      sample.marker = field(column["marker"])
      sample.command = field(column["command"])
      if let text = field(column["start_ticks"]) {
        guard let start = UInt64(text) else {
          throw CSVReadError(path: path, line: record.line, reason: "start_ticks is '\(text.prefix(40))', not a whole number of clock ticks")
        }
        sample.startTicks = start
      }
      if let text = field(column["processes"]) {
        guard let count = Int(text), count >= 0 else {
          throw CSVReadError(path: path, line: record.line, reason: "processes is '\(text.prefix(40))', not a count of processes")
        }
        sample.processes = count
      }
      samples.append(sample)
    }
    return samples
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

extension String {
  func trimmingSpaces() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
    return String(scalars)
  }
}
