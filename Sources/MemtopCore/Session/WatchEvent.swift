import MemtopExport
import MemtopSampling
import MemtopStore

/// Something a watch session reports while it runs.
public enum WatchEvent: Sendable, Equatable {
  /// News for the user, one line (a launcher followed, a service restarted). Escaped.
  case notice(String)
  /// A one-time warning from the sampler. Escaped.
  case warning(String)
  /// A new reading (a tree's total); the members' readings are in ``WatchSession/latestMembers``.
  case sample(MemorySample)
  /// A tick that produced no reading: a gap.
  case missed(String)
  /// The process watched has ended; the watch is over.
  case targetExited(ProcessExit, ChildTermination?)
  /// An output could not be written; it is dropped and the watch goes on without it.
  case outputFailed(CSVWriteError)
  /// The session judged its stores: the one verdict (assessment, members, live alerts) every
  /// front end renders. Also in ``WatchSession/latestVerdict``.
  case verdict(SessionVerdict)
}

/// Takes a watch's samples as they come: a CSV file, a metrics board.
public protocol WatchSink: AnyObject {
  /// Takes the newest sample, and with `--per-process` its members' rows (in the store already).
  func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError)
  /// Writes what it holds; called at least once a second.
  func flush() throws(CSVWriteError)
  /// Writes the rest once the watch is over.
  func finish() throws(CSVWriteError)
  /// Takes the session's verdict each time it judges, and its final one before ``finish()``.
  func take(_ verdict: SessionVerdict)
}

extension WatchSink {
  /// Most sinks write samples only.
  public func take(_ verdict: SessionVerdict) {}
}

/// What a finished watch produced.
public struct WatchSummary: Sendable {
  /// Why it ended.
  public var end: RecordingEnd
  /// Samples taken.
  public var samples: Int
  /// Ticks that produced no sample (late wakeups or transient read errors): gaps.
  public var missed: Int
  /// Seconds from start to the last sample.
  public var duration: Double
  /// The highest peak RSS (`VmHWM`) seen, bytes.
  public var peakRSS: UInt64?
  /// What was kept in memory for the verdict (bounded; every sample went to the sinks).
  public var digest: RecordingDigest
  /// How a launched command ended (after memtop stopped it, if it had to).
  public var termination: ChildTermination?
  /// Whether memtop stopped the launched command itself (rather than it ending on its own).
  public var stoppedCommand = false
  /// An output that failed during the watch.
  public var outputFailure: CSVWriteError?
  /// The final verdict: the session's last judgment, made as the watch ended.
  public var verdict: SessionVerdict?
}

/// Why a watch ended.
public enum RecordingEnd: Sendable, Equatable {
  /// The requested duration elapsed.
  case durationReached
  /// A stop signal (SIGINT, SIGTERM, SIGHUP) arrived.
  case signal(Int32)
  /// The process ended; for a launched command, with how it ended.
  case targetExited(ProcessExit, ChildTermination?)
  /// The driver ended it (the live view's `q`), or an output failed.
  case stopped
}
