import MemtopAnalysis
import MemtopFormat
import MemtopStore

/// The where screen's content: each kind of memory and each count with its now, rate,
/// verdict, share of the growth and a sparkline of its history, then the top files and the
/// where sentence. Built purely from the live (or replayed) region assessment and timeline.
package struct WhereModel: Sendable, Equatable {
  /// One row.
  package struct Row: Sendable, Equatable {
    /// `malloc_arenas`, `threads`.
    package var name: String
    /// Latest value, e.g. `312 MiB` or `230`.
    package var now: String
    /// Rate, e.g. `+40.0 MiB/min`, or `-` before a verdict.
    package var rate: String
    /// Verdict name (`reclaimable` for file growth the analyzer calls a leak).
    package var verdict: String
    /// Share of the growth, e.g. `93 %`, or empty.
    package var share: String
    /// Values for the sparkline, oldest first (NaN: not read).
    package var history: [Double]
    /// The least range the sparkline spans (1 MiB for a kind, 4 for a count): a change of a
    /// few pages does not fill the row as a leak of hundreds of MiB does.
    package var minimumSpan: Double = 0
    /// The range the sparkline shows, said after it: `span 80.0 KiB`, `span 12`.
    package var span: String = ""
    /// Whether the row leaks (drawn in the leak colour).
    package var leaks: Bool
  }

  /// The kinds, then threads and fds.
  package var rows: [Row]
  /// The kind holding most of the growth, or nil.
  package var growthIn: String?
  /// The where sentence, when something leaks.
  package var sentence: String?
  /// The largest files by resident bytes, e.g. `data.bin 120 MiB`.
  package var topFiles: [String]
  /// Why there is nothing to show yet, when there are no rows.
  package var waiting: String

  /// Builds the model.
  ///
  /// - Parameters:
  ///   - regions: the region assessment (nil before the first evaluation).
  ///   - assessment: the process's assessment with ``regions`` attached (for the sentence).
  ///   - timeline: the samples, for the sparklines (only the rows that carry each metric).
  ///   - points: how many sparkline points to keep, newest last.
  package init(regions: RegionAssessment?, assessment: Assessment?, timeline: Timeline, points: Int) {
    rows = []
    for entry in (regions?.kinds ?? []) + (regions?.counts ?? []) {
      let series = timeline.series(entry.metric)
      let values = Array(series.values.filter { !$0.isNaN }.suffix(max(points, 0)))
      var row = Row(
        name: entry.name, now: WhereReport.nowText(entry),
        rate: entry.result.slopeBytesPerSecond.isFinite ? entry.result.rateText : "-",
        verdict: entry.verdictName,
        share: entry.shareOfGrowth.map { "\(Int(saturating: ($0 * 100).rounded())) %" } ?? "",
        history: values, leaks: entry.leaks)
      let isCount = entry.metric.isCount
      row.minimumSpan = isCount ? 4 : 1_048_576
      if let low = values.min(), let high = values.max() {
        let range = max(high - low, row.minimumSpan)
        row.span = "span " + (isCount ? String(Int(saturating: range)) : ByteFormat.bytes(UInt64(saturating: range)))
      }
      rows.append(row)
    }
    growthIn = regions?.growthIn?.rawValue
    sentence = assessment?.whereSentence
    topFiles = (regions?.detail?.topFiles ?? []).prefix(5).map {
      "\(WhereReport.displayName($0.name)) \(ByteFormat.bytes($0.bytes))"
    }
    waiting =
      "memory by kind comes from the detailed reads (the walk of the mappings); "
      + "no reading judged yet — it needs a few detailed reads (--detail-budget)"
  }
}
