import MemtopExport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `NAME.python.jsonl` beside a recording: every line an agent sent, as received, with
/// `"elapsed_s"` (the watch's clock) added first, under the CSV's rules (``RecordFile``): an
/// existing file is replaced only with `--force`; a staged file waits beside its path until
/// ``commit()``; a failed write is cut back to the last whole line.
public final class PythonJSONLWriter {
  /// Where the lines go.
  public var path: String { file.path }
  private let file: RecordFile
  /// Lines written so far.
  public var lines: Int { file.records }

  /// The file beside the CSV `csvPath`: `NAME.python.jsonl` for `NAME.csv` (or `NAME`).
  public static func path(besideCSV csvPath: String) -> String {
    (csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) : csvPath) + ".python.jsonl"
  }

  /// Creates the file (staged: a temporary beside it until ``commit()``).
  public init(path: String, replaceExisting: Bool, staged: Bool) throws(CSVWriteError) {
    file = try RecordFile(path: path, replaceExisting: replaceExisting, staged: staged)
  }

  /// Moves a staged file into place (replacing a file there only if allowed).
  public func commit() throws(CSVWriteError) { try file.commit() }

  /// Takes back a ``commit()`` whose recording will not happen (the CSV beside it could not be
  /// put in place): removes the still empty file it moved into place. Nothing else is touched.
  public func withdraw() { file.withdraw() }

  /// The line to store: `text` (a JSON object) with `"elapsed_s"` (and the sending process,
  /// `"agent_pid"`) first.
  package static func stamped(_ text: String, elapsed: Double, pid: Int32? = nil) -> String {
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    guard trimmed.first == "{" else { return text }
    let rest = trimmed.dropFirst()
    let clock = elapsed.isFinite ? String((elapsed * 1000).rounded() / 1000) : "null"
    let empty = rest.drop { $0 == " " || $0 == "\t" }.first == "}"
    let sender = pid.map { ",\"agent_pid\":\($0)" } ?? ""
    return "{\"elapsed_s\":\(clock)\(sender)" + (empty ? "" : ",") + rest
  }

  /// Queues one received line.
  public func append(_ text: String, elapsed: Double, pid: Int32? = nil) {
    file.appendRecord { $0 += Array((Self.stamped(text, elapsed: elapsed, pid: pid) + "\n").utf8) }
  }

  /// Writes the queued lines.
  public func flush() throws(CSVWriteError) {
    do {
      try file.flush()
    } catch {
      throw Self.withoutRowCount(error)
    }
  }

  /// Flushes and syncs.
  public func finish() throws(CSVWriteError) {
    do {
      try file.finish()
    } catch {
      throw Self.withoutRowCount(error)
    }
  }

  /// The error as it is said for this file: its count of safe records speaks of rows.
  private static func withoutRowCount(_ error: CSVWriteError) -> CSVWriteError {
    var error = error
    error.rowsSaved = nil
    return error
  }
}
