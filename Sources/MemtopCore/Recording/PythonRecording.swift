import MemtopStore

/// The Python data beside a recording (`NAME.python.jsonl` for `NAME.csv`), for `analyze`,
/// `plot` and `replay`; notes (skipped lines) go to the caller's `note`.
public enum PythonRecording {
  /// The history in the file beside `csvPath`, or nil when there is none.
  public static func history(
    besideCSV csvPath: String, run: ClosedRange<Double>?, note: (String) -> Void
  ) -> PythonHistory? {
    let path = PythonJSONLWriter.path(besideCSV: csvPath)
    guard let (history, notes) = PythonRecordingReader.read(path, run: run) else { return nil }
    notes.forEach(note)
    return history.agents.isEmpty ? nil : history
  }

  /// The report on the file beside `csvPath` (the leaking member's, when a member of a tree
  /// leaks), with the recording's observer-free RSS (for Python's share), and `verdict` with
  /// the report's evidence joined; the verdict unchanged without Python data.
  public static func judged(
    besideCSV csvPath: String, timeline: Timeline, verdict: SessionVerdict, note: (String) -> Void
  ) -> (verdict: SessionVerdict, report: PythonReport?) {
    guard let history = history(besideCSV: csvPath, run: unixRange(timeline.timeUnix), note: note) else {
      return (verdict, nil)
    }
    return history.judged(verdict, rss: rssPoints(timeline), watched: timeline.pids.last)
  }

  /// The first and last finite Unix times of a recording, when it has any.
  static func unixRange(_ times: [Double]) -> ClosedRange<Double>? {
    let finite = times.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return nil }
    return low...high
  }

  /// (elapsed seconds, RSS bytes without the observer's own) of every sample that has RSS.
  static func rssPoints(_ timeline: Timeline) -> [(time: Double, bytes: Double)] {
    (0..<timeline.count).compactMap { i in
      timeline.value(.rss, at: i).map { rss in
        let observer = timeline.value(.observer, at: i) ?? 0
        return (timeline.elapsed[i], Double(rss > observer ? rss - observer : 0))
      }
    }
  }
}

/// `analyze --json` with the Python report: the verdict's keys, plus `"python"`.
public struct AnalyzeDocument: Encodable {
  /// The verdict's keys.
  public var verdict: VerdictReport
  /// Under `"python"`, when the recording has Python data.
  public var python: PythonReport?

  public init(verdict: VerdictReport, python: PythonReport?) {
    self.verdict = verdict
    self.python = python
  }

  enum Keys: String, CodingKey { case python }

  public func encode(to encoder: any Encoder) throws {
    try verdict.encode(to: encoder)
    guard let python else { return }
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(python, forKey: .python)
  }
}
