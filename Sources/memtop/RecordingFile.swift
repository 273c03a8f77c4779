import Foundation
import MemtopCore

/// Reads a CSV recording from disk, for `analyze` and for `record`'s end-of-run verdict.
enum RecordingFile {
  /// Whether `path` is a regular file, which can be read back after writing it.
  static func isRegular(_ path: String) -> Bool {
    (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular
  }

  /// The samples in the file at `path`.
  ///
  /// - Throws: a one-line ``UserFacingError``: the file cannot be read, or `FILE:LINE: reason`.
  static func load(_ path: String) throws(UserFacingError) -> [MemorySample] {
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
    case .success(let rows): return rows
    case .failure(let error): throw UserFacingError(message: error.description)
    }
  }
}
