import MemtopAnalysis
import MemtopTrend

extension SessionVerdict {
  /// This verdict with a Python report's evidence joined (the one verdict, live and from a
  /// file): a named container or an unbounded cache that accounts for the growth of the
  /// agent's process makes it `leak` and leads its sentence; a bounded cache whose filling
  /// accounts for it keeps it from `leak` while it fills, and is said.
  ///
  /// The growth is the agent's process's own observer-free series: a member's for a tree,
  /// else the main series'. Evidence changes nothing unless that series grows (`leak`,
  /// `plateau` or `inconclusive` with a positive rate); without a report nothing changes.
  public func joining(_ report: PythonReport?) -> SessionVerdict {
    var joined = self
    joined.python = nil
    guard let report else { return joined }
    let mainSlope = analysis.assessment.leading?.result.slopeBytesPerSecond ?? .nan
    let member = members.first { $0.pid == report.pid }
    let growth = member?.slopeBytesPerSecond ?? mainSlope
    let judged = member?.verdict ?? analysis.verdict
    guard judged == .leak || judged == .plateau || judged == .inconclusive,
      var evidence = PythonEvidence.find(in: report, growthBytesPerSecond: growth)
    else { return joined }
    if member != nil {
      evidence.explainsMain =
        mainSlope.isFinite && mainSlope > 0 && evidence.bytesPerSecond >= mainSlope * PythonEvidence.accountsFor
    }
    joined.python = evidence
    return joined
  }
}

extension PythonHistory {
  /// The Python report surfaces show with `verdict`, and the verdict with its evidence joined:
  /// the report is the leaking member's (named as a worker) when a member of a tree leaks,
  /// else the process `watched`'s. `rss` are (watch seconds, observer-free RSS bytes) points.
  public func judged(
    _ verdict: SessionVerdict, rss: [(time: Double, bytes: Double)], watched: Int32?
  ) -> (verdict: SessionVerdict, report: PythonReport?) {
    let preferring = [verdict.worstMember?.pid, watched].compactMap { $0 }
    var report = PythonReport(history: self, rss: rss, preferring: preferring)
    let joined = verdict.joining(report)
    report?.evidence = joined.python
    return (joined, report)
  }
}
