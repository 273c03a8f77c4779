import MemtopExport

/// One watch, whole: what to watch, how, and every output it writes.
///
/// `memtop record` and the live view each build one from their options and hand it to
/// ``WatchSession/init(plan:clock:)``, which checks and stages the outputs before anything is
/// launched (so a bad path fails first and a failed start never touches an existing file),
/// puts them in place once the target runs, feeds them every sample and verdict and finishes
/// them with the watch. A new output is a field here and its sink in the session's staging.
public struct WatchPlan {
  /// What to watch.
  public var target: WatchTarget
  /// How to sample, store and judge.
  public var options: WatchOptions
  /// The CSV recording: a path, or `-` for standard output (written in place; a file is staged
  /// beside its path until the target runs). With ``WatchOptions/python`` and a file path, the
  /// Python data goes beside it (`NAME.python.jsonl`), under the same rules.
  public var csv: String?
  /// Replace an existing CSV or Python file (`--force`); without it one is refused.
  public var replaceExisting = false
  /// A file kept current with the Prometheus text, replaced atomically (node_exporter's
  /// textfile collector); checked by writing it empty before anything is launched.
  public var promTextfile: String?
  /// The board an HTTP endpoint serves the Prometheus text from.
  public var metricsBoard: MetricsBoard?
  /// Where a launched command's output goes.
  public var launchOutput: LaunchOutput = .inherit

  /// A plan with no output yet.
  public init(target: WatchTarget, options: WatchOptions) {
    self.target = target
    self.options = options
  }

  /// Whether `--python` has a CSV but no file beside it: the CSV is no regular file path
  /// (`/dev/null`, standard output), so the Python data is only summed up at the end.
  public var leavesOutPythonFile: Bool {
    guard options.python != nil, let csv else { return false }
    return !CSVFileWriter.isFilePath(csv)
  }

  /// Whether the plan publishes Prometheus text (to a board or a textfile).
  var exportsMetrics: Bool { metricsBoard != nil || promTextfile != nil }
}
