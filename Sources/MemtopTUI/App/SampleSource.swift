import MemtopCore
import MemtopSampling

/// Where the chart screen's samples come from: the view's one seam to sampling.
///
/// The screen asks when the next event is due and takes the events due; it never sees a
/// sampler, a schedule or a child process.
protocol SampleSource: AnyObject {
  /// Monotonic seconds when the next event is due; nil once nothing more will come.
  var nextDue: Double? { get }
  /// The events due at monotonic time `now`: a ``AppEvent/sample(_:)``, and once the watched
  /// process has gone, ``AppEvent/childExited(_:)`` for a launched command.
  func take(now: Double) -> [AppEvent]
}

/// The live view's source: the ``WatchSession`` that `memtop record` drives too. It resolves,
/// launches, samples and stores; this only turns what it reports into the app's events.
final class WatchSource: SampleSource {
  /// The watch behind the view (its sinks, markers, verdict policy and end).
  let watch: WatchSession

  init(_ watch: WatchSession) {
    self.watch = watch
  }

  var nextDue: Double? { watch.end == nil ? watch.nextDue : nil }

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
    var out: [AppEvent] = [.sample(report)]
    if let termination { out.append(.childExited(termination)) }
    return out
  }
}
