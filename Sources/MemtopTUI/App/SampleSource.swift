import MemtopAnalysis
import MemtopCore
import MemtopSampling

/// Where the chart screen's samples come from, and what else it asks of them: the view's one
/// seam to sampling and recording.
///
/// The screen asks when the next event is due and takes the events due, and hands the source
/// the effects its reducer asks for (marks, flushes, the Python report); it never sees a
/// sampler, a schedule, a sink or a child process, and never asks which source it has.
protocol SampleSource: AnyObject {
  /// Monotonic seconds when the next event is due; nil once nothing more will come.
  var nextDue: Double? { get }
  /// The events due at monotonic time `now`: a ``AppEvent/sample(_:)``, and once the watched
  /// process has gone, ``AppEvent/childExited(_:)`` for a launched command.
  func take(now: Double) -> [AppEvent]
  /// Whether the samples are a process tree's (a launcher's work spread over a tree counts too).
  var watchesTree: Bool { get }
  /// What was said on standard error before the screen was taken, to be said on it too.
  var announcements: [String] { get }
  /// The latest detailed read's figures for the total's where screen (nil: none).
  var regionDetail: RegionDetail? { get }
  /// Marks the latest sample `label` in what is recorded; `holdsRow` keeps its row back
  /// until ``relabel(_:to:)`` says what the label is.
  func mark(_ label: String, holdsRow: Bool)
  /// Renames the mark `label` to `text` (nil: it keeps its name) and lets its row go.
  func relabel(_ label: String, to text: String?)
  /// Writes out what the outputs hold (`force`: all of it now); what failed, as text.
  func flush(force: Bool) -> [String]
  /// The Python report of the process `verdict` names (else the watched one); nil for none.
  func pythonReport(for verdict: SessionVerdict?, watched: Int32) -> PythonReport?
  /// Ends the source with the view: lines to print once the terminal is restored.
  func finish(recordPath: String?) -> [String]
}

extension SampleSource {
  var watchesTree: Bool { false }
  var announcements: [String] { [] }
  var regionDetail: RegionDetail? { nil }
  func mark(_ label: String, holdsRow: Bool) {}
  func relabel(_ label: String, to text: String?) {}
  func flush(force: Bool) -> [String] { [] }
  func pythonReport(for verdict: SessionVerdict?, watched: Int32) -> PythonReport? { nil }
  func finish(recordPath: String?) -> [String] { [] }
}

/// The live view's source: the ``WatchSession`` that `memtop record` drives too. It resolves,
/// launches, samples, stores and judges; this turns what it reports into the app's events and
/// carries the screen's requests to it.
final class WatchSource: SampleSource {
  /// The watch behind the view.
  let watch: WatchSession

  init(_ watch: WatchSession) {
    self.watch = watch
  }

  var nextDue: Double? { watch.end == nil ? watch.nextDue : nil }

  var watchesTree: Bool { watch.watchesTree }

  var announcements: [String] { watch.python?.announcement.map { [$0] } ?? [] }

  var regionDetail: RegionDetail? { watch.regionDetail }

  func take(now: Double) -> [AppEvent] {
    guard let events = watch.tickIfDue(), !events.isEmpty else { return [] }
    var report = SampleReport(nil)
    var termination: ChildTermination?
    for event in events {
      switch event {
      case .notice(let text): report.notices.append(text)
      case .warning(let text): report.warnings.append(text)
      case .outputFailed(let error): report.warnings.append("recording stopped: " + error.description)
      case .sample(let sample):
        report.outcome = .sample(sample)
        report.stopped = watch.isStopped
      case .missed(let why): report.outcome = .missed(why)
      case .targetExited(let exit, let ended):
        report.outcome = .exited(exit)
        termination = ended
      case .verdict(let verdict): report.verdict = verdict
      }
    }
    report.name = watch.name
    report.members = watch.latestMembers
    report.cadences = watch.detailCadences
    report.detailUnavailable = watch.detailUnavailable
    report.pythonGreeted = watch.python?.greeted
    report.watchesTree = watch.watchesTree
    var out: [AppEvent] = [.sample(report)]
    if let termination { out.append(.childExited(termination)) }
    return out
  }

  func mark(_ label: String, holdsRow: Bool) { watch.markLatest(label, holdingRow: holdsRow) }

  func relabel(_ label: String, to text: String?) { watch.relabelMarker(label, to: text) }

  func flush(force: Bool) -> [String] {
    watch.flush(force: force).compactMap { event in
      if case .outputFailed(let error) = event { return error.description }
      return nil
    }
  }

  func pythonReport(for verdict: SessionVerdict?, watched: Int32) -> PythonReport? {
    watch.python?.report(for: verdict, watched: watched)
  }

  /// The watch ends with the view: a launched command still running is stopped, its group too.
  func finish(recordPath: String?) -> [String] {
    let summary = watch.finish(.stopped)
    var messages: [String] = []
    if let failure = summary.outputFailure?.description { messages.append(failure) }
    if let recordPath { messages.append("recorded \(watch.recordedRows ?? summary.samples) samples to \(recordPath)") }
    if summary.stoppedCommand { messages.append("stopped the command (and its workers) on quitting") }
    if let termination = summary.termination, !summary.stoppedCommand, termination != .exited(0) {
      messages.append("the command \(termination)")
    }
    return messages
  }
}

/// A replay's source: a recording loaded and judged before the view opened. Nothing more
/// comes from it; marks and exports stay in the view.
final class RecordingSource: SampleSource {
  let watchesTree: Bool
  var nextDue: Double? { nil }

  /// A recording's source; `tree` when its rows are a process tree's.
  init(tree: Bool) {
    watchesTree = tree
  }

  func take(now: Double) -> [AppEvent] { [] }
}
