import MemtopExport
import MemtopStore

extension RecordingChart {
  /// A chart of `timeline` headed by the policy's verdict on the file (a member of a tree that
  /// leaks on its own rows is named), with the main series' trend drawn.
  public init(timeline: Timeline, verdict: SessionVerdict, title: String) {
    self.init(timeline: timeline, analysis: verdict.analysis, title: title)
    if !verdict.members.isEmpty { self.verdict = (verdict.verdict, verdict.summary) }
  }
}
