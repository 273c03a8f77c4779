import Foundation
import MemtopCore

/// Loads a CSV recording for `analyze` and `replay`, with one-line errors naming file and line.
enum RecordingFile {
  /// Every row of the recording (for a `--children --per-process` file, the totals and the
  /// per-process rows); fails when its main series is empty.
  static func load(_ file: String) throws -> [MemorySample] {
    guard let data = FileManager.default.contents(atPath: file) else {
      let reason = FileManager.default.fileExists(atPath: file) ? "permission denied or not a file" : "no such file"
      throw UserFacingError(message: "cannot read '\(Sanitizer.terminalSafe(file))': \(reason); give the path of a CSV written by memtop record")
    }
    let reader = RecordingReader(path: Sanitizer.terminalSafe(file))
    let parsed: Result<[MemorySample], CSVReadError> = data.withUnsafeBytes { raw in
      do throws(CSVReadError) {
        return .success(try reader.read(raw.bindMemory(to: UInt8.self)))
      } catch {
        return .failure(error)
      }
    }
    let samples: [MemorySample]
    switch parsed {
    case .success(let rows): samples = rows
    case .failure(let error): throw UserFacingError(message: error.description)
    }
    guard !RecordingReader.mainSeries(samples).isEmpty else {
      throw UserFacingError(message: "\(Sanitizer.terminalSafe(file)):2: no samples after the header; record for longer")
    }
    return samples
  }
}
