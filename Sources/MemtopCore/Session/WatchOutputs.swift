import MemtopExport

/// The files a watch writes: the CSV and, with `--python`, `NAME.python.jsonl` beside it.
///
/// Both are checked and staged before anything is launched (so a bad path fails first), and put
/// in place by ``commit(to:)`` once the target runs, so a failed start never touches an
/// existing file.
public final class WatchOutputs {
  /// The CSV, when there is one.
  public let csv: CSVFileWriter?
  /// The Python file beside the CSV, when `--python` was given and the CSV is a file.
  public let python: PythonJSONLWriter?

  /// Stages `csvPath` (none when nil; `staged: false` writes in place, as standard output must
  /// be) and, when `python` and the CSV is a file, the Python file beside it. Errors are one
  /// line naming the path.
  public init(csvPath: String?, staged: Bool, python: Bool, replaceExisting: Bool) throws(MemtopError) {
    guard let csvPath else {
      csv = nil
      self.python = nil
      return
    }
    do {
      csv = try CSVFileWriter(path: csvPath, replaceExisting: replaceExisting, staged: staged)
      self.python =
        python && CSVFileWriter.isFilePath(csvPath)
        ? try PythonJSONLWriter(
          path: PythonJSONLWriter.path(besideCSV: csvPath), replaceExisting: replaceExisting, staged: true)
        : nil
    } catch {
      throw MemtopError(message: error.description)
    }
  }

  /// Puts the files in place and hands them to `session`; returns the CSV's sink.
  ///
  /// The Python file goes first: if the CSV then cannot be put in place, the empty Python file
  /// is taken back (an existing CSV is never left cut to its header) and the session is
  /// finished, stopped.
  @discardableResult
  public func commit(to session: WatchSession) throws(MemtopError) -> CSVSink? {
    do {
      try python?.commit()
      try csv?.commit()
    } catch {
      python?.withdraw()
      session.finish(.stopped)
      throw MemtopError(message: error.description)
    }
    let sink = csv.map(CSVSink.init)
    if let sink { session.add(sink) }
    if let python { session.python?.record(to: python) }
    return sink
  }
}
