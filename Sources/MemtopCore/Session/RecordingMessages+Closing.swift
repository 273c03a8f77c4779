import MemtopFormat

extension RecordingMessages {
  /// The lines `memtop record` prints once `session` is over, in order: a failed output, how
  /// the recording ended, the summary (with a followed name's lifetimes), the verdict and the
  /// Python report.
  public static func closing(
    _ summary: WatchSummary, verdict: SessionVerdict, session: WatchSession, output: String
  ) -> [String] {
    var lines: [String] = []
    if let failure = summary.outputFailure {
      lines.append(failure.description)
    }
    if summary.samples == 0, case .targetExited(let exit, _) = summary.end {
      lines.append(
        "process \(exit.identity.pid) (\(Sanitizer.terminalSafe(exit.name))) \(exit.summary) before its first sample: the file holds the header only"
      )
    } else {
      lines.append(ending(summary.end, pid: session.pid, name: session.name, duration: summary.duration))
    }
    var line = self.summary(summary, output: output)
    if let following = session.followed {
      line +=
        ", \(following.lifetimes) \(following.lifetimes == 1 ? "lifetime" : "lifetimes") of \(Sanitizer.terminalSafe(following.name))"
    }
    lines.append(line)
    lines.append(verdict.verdictLine)
    if let python = session.python {
      if let report = python.report(for: verdict, watched: session.pid) {
        if report.worker { lines.append("python: \(report.subject)") }
        lines += report.lines(maxEach: 3).map { "python: " + $0 }
      } else if !python.greeted {
        lines.append("python: no agent reported; the recording has no Python data")
      }
    }
    return lines
  }
}
