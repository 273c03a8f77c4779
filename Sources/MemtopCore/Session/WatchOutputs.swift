import Foundation
import MemtopExport
import MemtopFormat

/// A plan's outputs, checked and staged by the session before anything is launched: the
/// Prometheus textfile (written empty), the CSV and, with `--python`, `NAME.python.jsonl` beside
/// it (staged beside their paths), and a launched command's log.
///
/// ``commit(to:)`` puts the files in place once the target runs, so a failed start never
/// touches an existing file; files never committed are taken back when this goes.
final class WatchOutputs {
  /// The CSV, when there is one.
  let csv: CSVFileWriter?
  /// The Python file beside the CSV, when `--python` was given and the CSV is a file.
  let python: PythonJSONLWriter?
  /// The launched command's log, when its output goes to one.
  let childLog: ChildOutputLog?
  /// The plan staged.
  let plan: WatchPlan

  /// Checks and stages `plan`'s outputs. Errors are one line naming the path.
  init(_ plan: WatchPlan) throws(MemtopError) {
    self.plan = plan
    if let textfile = plan.promTextfile {
      do {
        try PrometheusSink.prepareTextfile(textfile)
      } catch {
        throw MemtopError(message: RecordingMessages.cannotWrite(textfile, error, option: "--prom-textfile"))
      }
    }
    if let path = plan.csv {
      do {
        csv = try CSVFileWriter(path: path, replaceExisting: plan.replaceExisting, staged: path != "-")
        python =
          plan.options.python != nil && CSVFileWriter.isFilePath(path)
          ? try PythonJSONLWriter(
            path: PythonJSONLWriter.path(besideCSV: path), replaceExisting: plan.replaceExisting, staged: true)
          : nil
      } catch {
        throw MemtopError(message: error.description)
      }
    } else {
      csv = nil
      python = nil
    }
    // Created before the launch, so a bad path is reported as such rather than as a launch failure.
    if case .log(let chosen) = plan.launchOutput, case .launch = plan.target {
      childLog = try ChildOutputLog(
        chosen: chosen, environment: ProcessInfo.processInfo.environment, pid: ProcessInfo.processInfo.processIdentifier
      )
    } else {
      childLog = nil
    }
  }

  /// `error`, a failure to start the target, with what the log says: an empty log memtop made
  /// is removed, one with output is named.
  func explain(_ error: MemtopError) -> MemtopError {
    guard let childLog else { return error }
    if childLog.isEmpty {
      childLog.removeIfEmpty()
      return error
    }
    let path =
      childLog.path.hasPrefix("/") ? childLog.path : FileManager.default.currentDirectoryPath + "/" + childLog.path
    return MemtopError(message: error.message + "; its output is in \(path)", status: error.status)
  }

  /// Puts the files in place and hands them to `session` with their sinks.
  ///
  /// The Python file goes first: if the CSV then cannot be put in place, the empty Python file
  /// is taken back (an existing CSV is never left cut to its header).
  func commit(to session: WatchSession) throws(MemtopError) {
    do {
      try python?.commit()
      try csv?.commit()
    } catch {
      python?.withdraw()
      throw MemtopError(message: error.description)
    }
    if let csv { session.add(CSVSink(csv)) }
    if let python { session.python?.record(to: python) }
    if plan.exportsMetrics {
      let textfile = plan.promTextfile
      session.add(
        PrometheusSink(
          pid: session.pid, board: plan.metricsBoard, textfile: textfile,
          name: { [weak session] in session?.name ?? "" },
          textfileFailed: { [weak session] error in
            // The watch itself goes on.
            session?.warn(RecordingMessages.cannotWrite(textfile ?? "", error, option: "--prom-textfile"))
          }))
    }
  }
}
