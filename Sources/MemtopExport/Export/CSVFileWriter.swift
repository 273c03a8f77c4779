import MemtopFormat
import MemtopSampling
import MemtopSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams a recording to a file: header first, whole rows only, flushed on demand, under the
/// rules of every file memtop writes (``RecordFile``: never replaced unasked, staged until
/// ``commit()`` when asked, cut back to the last whole row when a write fails part-way, with
/// ``rowsSaved`` saying how many rows it holds).
public final class CSVFileWriter {
  /// Where the rows go, for messages: a path, or `-` for standard output.
  public var path: String { file.path }
  private let file: RecordFile
  private let encoder = CSVRowEncoder()
  /// Rows written so far (flushed or pending).
  public var rows: Int { file.records }
  /// Rows known to be in the file (flushed).
  package var rowsSaved: Int { file.recordsSaved }

  /// Creates `path` and writes the header; `-` means standard output.
  ///
  /// - Parameters:
  ///   - replaceExisting: replace a file already at `path` (`--force`); else refuse it.
  ///   - staged: write to a temporary file until ``commit()``.
  /// - Throws: when the file exists (and may not be replaced) or cannot be created. The header
  ///   is flushed at once, so a path that cannot be written fails here, before any sampling.
  public init(path: String, replaceExisting: Bool = true, staged: Bool = false) throws(CSVWriteError) {
    file = try RecordFile(path: path, replaceExisting: replaceExisting, staged: staged)
    file.appendPreamble(CSVFormat.headerLine.utf8)
    do {
      try file.flush()
    } catch {
      file.discard()
      var headerFailed = error
      headerFailed.rowsSaved = nil
      throw headerFailed
    }
  }

  /// Whether `path` is a file of its own: not standard output (`-`) or `/dev/null`, beside
  /// which no other file (`NAME.python.jsonl`) belongs.
  public static func isFilePath(_ path: String) -> Bool { RecordFile.isFilePath(path) }

  /// Whether the rows are still going to a temporary file.
  package var isStaged: Bool { file.isStaged }

  /// Moves a staged file into place at `path` (replacing a file there only if allowed).
  public func commit() throws(CSVWriteError) { try file.commit() }

  /// Queues one sample's row.
  public func append(_ sample: MemorySample) {
    file.appendRecord { encoder.append(sample, to: &$0) }
  }

  /// Writes every queued row.
  public func flush() throws(CSVWriteError) { try file.flush() }

  /// Flushes and asks the kernel to put the data on disk (a no-op for pipes and terminals).
  public func finish() throws(CSVWriteError) { try file.finish() }
}

/// The recording could not be written.
public struct CSVWriteError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The output path (`-` for standard output).
  public var path: String
  /// The system error behind it.
  package var cause: SystemError
  /// Whether it failed while creating the file (rather than writing to it).
  package var creating: Bool
  /// Whole rows safely in the file when writing failed.
  package var rowsSaved: Int?

  public init(path: String, cause: SystemError, creating: Bool, rowsSaved: Int? = nil) {
    self.path = path
    self.cause = cause
    self.creating = creating
    self.rowsSaved = rowsSaved
  }

  /// What was at the path when it was refused for not being a regular file (a FIFO, a
  /// device): only regular files, `/dev/null` and standard output are written.
  public var refused: FileKind?

  /// An output refused because `kind` is at `path` instead of a regular file.
  public init(path: String, refused kind: FileKind) {
    self.init(path: path, cause: .other(errno: EINVAL), creating: true)
    refused = kind
  }

  /// Whether the file was refused because it exists.
  public var fileExists: Bool { cause == .other(errno: EEXIST) }

  public var description: String {
    let target = path == "-" ? "standard output" : "'\(Sanitizer.terminalSafe(path))'"
    if fileExists {
      return "\(target) already exists; add --force to replace it, or choose another name"
    }
    if let refused {
      return
        "\(target) is \(refused.phrase), not a regular file, so memtop does not write to it; give a file path, /dev/null, or - for standard output (and pipe that where it should go)"
    }
    let verb = creating ? "cannot create output file" : "cannot write to"
    let fix: String
    switch cause {
    case .other(errno: EPIPE):
      fix =
        path == "-"
        ? "the program reading memtop's output closed it (as head does); the recording ends here"
        : "the program reading the pipe went away; the recording ends here"
    case .noSpace: fix = "free some disk space or choose another --output"
    case .permissionDenied, .readOnlyFileSystem:
      fix = "choose a writable --output path (or --output - for standard output)"
    case .noSuchFile: fix = "create the directory first or choose another --output path"
    default: fix = "choose another --output path (or --output - for standard output)"
    }
    var text = "\(verb) \(target): \(cause); \(fix)"
    if let rowsSaved, !creating {
      text += "; the \(rowsSaved) \(rowsSaved == 1 ? "row" : "rows") before it are safe in the file, each whole"
    }
    return text
  }
}
