import MemtopSampling

#if canImport(Glibc)
import Glibc
#endif

/// What a finished `record` amounts to, for its exit status: the first that applies of a
/// failed output, a launched command's own failure, a target gone before its first sample, a
/// leak (when asked to fail on one), else success.
public enum RecordingOutcome: Equatable, Sendable {
  /// The output stopped taking rows.
  case outputFailed
  /// A launched command ended on its own with this status (as a shell reports it: 128 + the
  /// signal number for a signal).
  case commandFailed(Int32)
  /// The target exited before its first sample: the file holds the header only.
  case nothingRecorded
  /// The verdict is leak and the caller asked to fail on one.
  case leak
  /// Nothing of the above.
  case success

  /// The outcome of `summary` judged `verdict`.
  ///
  /// A command memtop stopped itself (the recording ended first: duration or a stop signal)
  /// counts as a clean end when it died of the signal it was sent.
  public init(_ summary: WatchSummary, verdict: SessionVerdict, failOnLeak: Bool) {
    if summary.outputFailure != nil {
      self = .outputFailed
      return
    }
    if let termination = summary.termination {
      let clean = summary.stoppedCommand ? Self.stopped(termination) : termination
      if clean != .exited(0) {
        self = .commandFailed(clean.shellStatus)
        return
      }
    }
    if summary.samples == 0, case .targetExited = summary.end, summary.termination == nil {
      self = .nothingRecorded
      return
    }
    self = failOnLeak && verdict.verdict == .leak ? .leak : .success
  }

  private static func stopped(_ termination: ChildTermination) -> ChildTermination {
    switch termination {
    case .signaled(SIGTERM), .signaled(SIGINT), .signaled(SIGHUP), .signaled(SIGKILL): .exited(0)
    default: termination
    }
  }
}
