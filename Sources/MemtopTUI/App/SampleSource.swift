import MemtopCore

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

/// Samples one process (or tree, or followed service) on a drift-free ``TickSchedule``, the
/// same as `memtop record`; reaps the launched command when it ends.
final class SamplerSource: SampleSource {
  private var sampler: (any MemorySampling)?
  private let handle: ProcessHandle?
  private let child: ChildProcess?
  private let clock: any SamplerClock
  private var schedule: TickSchedule
  private(set) var nextDue: Double?

  /// Samples with `sampler` every `interval` seconds from monotonic `start`; `handle` (when
  /// given) is read for the stopped state, `child` reaped when the process is gone.
  init(
    sampler: any MemorySampling, handle: ProcessHandle?, child: ChildProcess?, clock: any SamplerClock, start: Double,
    interval: Double
  ) {
    self.sampler = sampler
    self.clock = clock
    self.handle = handle
    self.child = child
    schedule = TickSchedule(start: start, interval: interval)
    nextDue = start
  }

  func take(now: Double) -> [AppEvent] {
    guard let sampler, let due = nextDue, now >= due else { return [] }
    let outcome = sampler.sample()
    var report = SampleReport(outcome, name: sampler.currentName)
    report.members = sampler.memberSamples
    report.cadences = sampler.detailCadences
    report.detailUnavailable = sampler.detailUnavailable
    report.warnings = sampler.takeWarnings()
    report.notices = sampler.takeNotices()
    if case .sample = outcome, let state = try? handle?.readStat().state {
      report.stopped = state == "T" || state == "t"
    }
    var events: [AppEvent] = [.sample(report)]
    if case .exited = outcome {
      self.sampler = nil
      nextDue = nil
      if let child { events.append(.childExited(child.waitForExit())) }
    } else {
      // After the read, which takes time: the next tick stays on the drift-free schedule.
      nextDue = schedule.next(after: clock.monotonicSeconds())
    }
    return events
  }
}
