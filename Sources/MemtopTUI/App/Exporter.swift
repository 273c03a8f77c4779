import Foundation
import MemtopExport
import MemtopStore

#if canImport(Glibc)
import Glibc
#endif

/// Writes the whole timeline to CSV with the same writer (and contract) as `memtop record`.
package enum Exporter {
  /// The suggested file name, e.g. `memtop-1234-20261125-103000.csv`, in local time.
  package static func defaultFileName(pid: Int32, wallSeconds: Double) -> String {
    var time = time_t(wallSeconds)
    var parts = tm()
    localtime_r(&time, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let date = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
    let clock = "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    return "memtop-\(pid)-\(date)-\(clock).csv"
  }

  /// `path` made absolute against the current directory, for messages.
  package static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return FileManager.default.currentDirectoryPath + "/" + path
  }

  /// Writes every sample of `timeline` to `path`; returns the number of rows written.
  ///
  /// An existing file is replaced only with `replaceExisting` (`--force`).
  package static func export(_ timeline: Timeline, to path: String, replaceExisting: Bool = false) throws(CSVWriteError)
    -> Int
  {
    let writer = try CSVFileWriter(path: path, replaceExisting: replaceExisting)
    for i in 0..<timeline.count { writer.append(timeline[i]) }
    try writer.finish()
    return writer.rows
  }

  /// Writes the samples of `timeline` from `start` to `end` (elapsed seconds, both included).
  package static func export(
    _ timeline: Timeline, to path: String, from start: Double, to end: Double, replaceExisting: Bool = false
  ) throws(CSVWriteError) -> Int {
    let writer = try CSVFileWriter(path: path, replaceExisting: replaceExisting)
    for i in 0..<timeline.count where timeline.elapsed[i] >= start && timeline.elapsed[i] <= end {
      writer.append(timeline[i])
    }
    try writer.finish()
    return writer.rows
  }
}
