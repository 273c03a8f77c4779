import MemtopExport
extension PrometheusExposition {
  /// Renders the session's verdict: the main series' rates and limit, the combined verdict
  /// (`leak` when a member leaks) and each member of a tree by pid and command line.
  public mutating func render(_ verdict: SessionVerdict) {
    analysis = verdict.analysis
    self.verdict = verdict.verdict
    members = verdict.members.map { .init(pid: $0.pid, command: $0.command, leaks: $0.verdict == .leak) }
  }
}
