import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem

/// Loads a CSV recording for `analyze`, `plot` and `replay`, streaming, with one-line errors
/// naming file and line; notes (a cut last line left out) go to the caller's `note`.
public enum RecordingFile {
  /// The metrics `analyze` and `plot` read: what a verdict is judged on and a chart draws.
  /// Memory by kind and the counts come along when the file has them (a column never filled
  /// costs nothing); so do the Python agent's own bytes, which are subtracted before judging.
  public static let chartedMetrics: [Metric] =
    RecordingAnalysis.treeMetrics + RegionAssessment.metrics + [.arenas, .observer, .detailAge]

  /// Every row of the recording (for a `--children --per-process` file, the totals and the
  /// per-process rows); fails when its main series is empty.
  public static func load(_ file: String, note: (String) -> Void) throws(MemtopError) -> [MemorySample] {
    try checkReadable(file)
    let samples: [MemorySample]
    do {
      let (rows, notes) = try RecordingReader(path: Sanitizer.terminalSafe(file)).readAll(file: file)
      notes.forEach(note)
      samples = rows
    } catch {
      throw MemtopError(message: error.description)
    }
    guard !RecordingReader.mainSeries(samples).isEmpty else { throw noSamples(file) }
    return samples
  }

  /// The recording's main series (a tree's totals, else every row) with only the metrics
  /// `analyze` and `plot` use, in memory proportional to its rows (about 70 bytes each).
  public static func loadMainSeries(_ file: String, note: (String) -> Void) throws(MemtopError) -> Timeline {
    try checkReadable(file)
    let timeline: Timeline
    do {
      let (read, notes) = try RecordingReader(path: Sanitizer.terminalSafe(file)).readMainSeries(
        file: file, keeping: chartedMetrics)
      notes.forEach(note)
      timeline = read
    } catch {
      throw MemtopError(message: error.description)
    }
    guard !timeline.isEmpty else { throw noSamples(file) }
    return timeline
  }

  /// The verdict policy's judgment of the file whose main series is `timeline`: for a process
  /// tree's file, its rows are read whole so each process's own is judged too (the verdict
  /// `analyze`, `plot` and `replay` give).
  public static func verdict(
    _ file: String, mainSeries timeline: Timeline, limit: MemoryLimit?, note: (String) -> Void
  ) throws(MemtopError) -> SessionVerdict {
    VerdictPolicy.judge(
      mainSeries: timeline, rows: timeline.isTreeTotal ? try load(file, note: note) : nil, limit: limit)
  }

  private static func noSamples(_ file: String) -> MemtopError {
    MemtopError(message: "\(Sanitizer.terminalSafe(file)):2: no samples after the header; record for longer")
  }

  private static func checkReadable(_ file: String) throws(MemtopError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
      throw MemtopError(
        message:
          "cannot read '\(Sanitizer.terminalSafe(file))': no such file; give the path of a CSV written by memtop record"
      )
    }
    guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: file) else {
      throw MemtopError(
        message:
          "cannot read '\(Sanitizer.terminalSafe(file))': permission denied or not a file; give the path of a CSV written by memtop record"
      )
    }
  }
}
