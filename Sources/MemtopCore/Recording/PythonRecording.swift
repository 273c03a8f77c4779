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

  /// The report on the file beside `csvPath`, with the recording's RSS (for Python's share).
  public static func report(besideCSV csvPath: String, timeline: Timeline, note: (String) -> Void) -> PythonReport? {
    guard let history = history(besideCSV: csvPath, run: unixRange(timeline.timeUnix), note: note) else { return nil }
    return PythonReport(history: history, rss: rssPoints(timeline), preferring: timeline.pids.last)
  }

  /// The first and last finite Unix times of a recording, when it has any.
  static func unixRange(_ times: [Double]) -> ClosedRange<Double>? {
    let finite = times.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return nil }
    return low...high
  }

  /// (elapsed seconds, RSS bytes) of every sample that has RSS.
  static func rssPoints(_ timeline: Timeline) -> [(time: Double, bytes: Double)] {
    (0..<timeline.count).compactMap { i in
      timeline.value(.rss, at: i).map { (timeline.elapsed[i], Double($0)) }
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
