import Foundation
import MemtopCore

/// Loads a recording named on the command line, phrasing every failure as one line.
enum RecordingFile {
  /// The samples of the CSV at `path`; at least one.
  static func load(_ path: String) throws -> [MemorySample] {
    guard let data = FileManager.default.contents(atPath: path) else {
      let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
      throw UserFacingError(message: "cannot read '\(Sanitizer.terminalSafe(path))': \(reason); give the path of a CSV written by memtop record")
    }
    let reader = RecordingReader(path: Sanitizer.terminalSafe(path))
    let parsed: Result<[MemorySample], CSVReadError> = data.withUnsafeBytes { raw in
      do throws(CSVReadError) {
        return .success(try reader.read(raw.bindMemory(to: UInt8.self)))
      } catch {
        return .failure(error)
      }
    }
    switch parsed {
    case .success(let rows) where rows.isEmpty:
      throw UserFacingError(message: "\(Sanitizer.terminalSafe(path)):2: no samples after the header; record for longer")
    case .success(let rows):
      return rows
    case .failure(let error):
      throw UserFacingError(message: error.description)
    }
  }
}
