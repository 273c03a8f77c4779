import MemtopFormat
import MemtopSampling
import MemtopSystem

/// The human lines `memtop record` prints on standard error.
public enum RecordingMessages {
  /// The live one-line status, e.g. `recording 1234 (python3): 12.3 s, 124 samples, RSS 1.02 GiB`.
  ///
  /// For a process tree's total it names the number of processes and labels RSS as summed.
  public static func status(pid: Int32, name: String, sample: MemorySample, count: Int) -> String {
    let rss = sample.rss.map(ByteFormat.bytes) ?? "n/a"
    let who = "\(pid) (\(Sanitizer.terminalSafe(name)))"
    let progress = "\(ByteFormat.duration(sample.elapsed)), \(count) \(count == 1 ? "sample" : "samples")"
    guard let processes = sample.processes else {
      return "recording \(who): \(progress), RSS \(rss)"
    }
    let pss = sample.pss.map { ", PSS \(ByteFormat.bytes($0))" } ?? ""
    return
      "recording the tree of \(who), \(processes) \(processes == 1 ? "process" : "processes"): \(progress)\(pss), summed RSS \(rss)"
  }

  /// How the recording ended, e.g. `process 1234 (python3) exited after 12.3 s`.
  public static func ending(_ end: RecordingEnd, pid: Int32, name: String, duration: Double) -> String {
    let who = "process \(pid) (\(Sanitizer.terminalSafe(name)))"
    switch end {
    case .durationReached:
      return "recorded \(who) for \(ByteFormat.duration(duration)) as asked"
    case .signal(let signo):
      return "stopped by \(StopSignals.name(signo)) after \(ByteFormat.duration(duration)); every sample is saved"
    case .targetExited(_, let termination?):
      return "\(who) \(termination) after \(ByteFormat.duration(duration))"
    case .targetExited(let exit, nil):
      return "\(who) \(exit.summary) after \(ByteFormat.duration(duration)); every sample is saved"
    case .stopped:
      return "stopped recording \(who) after \(ByteFormat.duration(duration))"
    }
  }

  /// The end-of-run summary, e.g. `124 samples over 12.3 s, peak RSS 1.02 GiB -> out.csv`.
  public static func summary(_ summary: WatchSummary, output: String?) -> String {
    var text =
      "\(summary.samples) \(summary.samples == 1 ? "sample" : "samples") over \(ByteFormat.duration(summary.duration))"
    if summary.missed > 0 { text += " (\(summary.missed) missed)" }
    if !summary.digest.isTreeTotal {
      text += ", peak RSS " + (summary.peakRSS.map(ByteFormat.bytes) ?? "n/a")
    } else {
      // A process tree's total has no peak RSS of its own: give the highest PSS total, and
      // how many rows it rests on (PSS is read on a budget, and only a sweep over the whole
      // tree counts).
      let readings = summary.digest.readings(.pss)
      let rows = summary.digest.count
      text += ", peak tree PSS " + (summary.digest.maximum(.pss).map(ByteFormat.bytes) ?? "n/a")
      text += " (from \(readings) of \(rows) \(rows == 1 ? "row" : "rows"))"
    }
    if let output {
      let target = output == "-" ? "standard output" : Sanitizer.terminalSafe(output)
      if let rows = summary.outputFailure?.rowsSaved {
        // The output failed: only the rows written before it are there.
        text += "; \(rows) \(rows == 1 ? "row" : "rows") of them in \(target) (it stopped taking rows)"
      } else {
        text += " -> " + target
      }
    }
    return text
  }

  /// Why `path` (given with `option`) could not be written, and what to do about it.
  public static func cannotWrite(_ path: String, _ error: SystemError, option: String = "--output") -> String {
    let fix: String
    switch error {
    case .noSpace: fix = "free some disk space or choose another \(option)"
    case .noSuchFile: fix = "create the directory first or choose another \(option) path"
    default: fix = "choose a writable \(option) path"
    }
    return "cannot write '\(Sanitizer.terminalSafe(path))': \(error); \(fix)"
  }
}

/// The one-line progress `memtop record` keeps on a terminal's standard error: redrawn in place
/// at most every ``minimumGap`` seconds of the recording, wiped before any other message and at
/// the end. Disabled, it writes nothing.
public struct StatusLine: Sendable {
  /// Seconds of recording between two redraws.
  public static let minimumGap = 0.25
  /// Whether the line is drawn (standard error is a terminal the CSV does not go to).
  public let enabled: Bool
  private var lastShown = -Double.infinity

  public init(enabled: Bool) {
    self.enabled = enabled
  }

  /// What to write to show `line` at `elapsed` seconds, or nil when it is too soon (or the
  /// line is disabled). `line` is built only when it will be shown.
  public mutating func update(at elapsed: Double, _ line: () -> String) -> String? {
    guard enabled, elapsed - lastShown >= Self.minimumGap else { return nil }
    lastShown = elapsed
    return "\r\u{1B}[K" + line()
  }

  /// What to write to wipe the line before another message: empty when disabled.
  public var clear: String { enabled ? "\r\u{1B}[K" : "" }
}
