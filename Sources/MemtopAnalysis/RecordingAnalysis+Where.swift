import MemtopFormat

/// The "where" section of `memtop analyze`'s report.
extension RecordingAnalysis {
  /// Memory by kind and the counts, one line each (now, rate with interval, verdict, share),
  /// then the where sentence when something leaks; empty when the recording has no such columns.
  var whereLines: [String] {
    guard !regions.kinds.isEmpty || !regions.counts.isEmpty else { return [] }
    var lines = ["where (memory by kind, from the walk of the mappings):"]
    if let detailReadings { lines.append("  " + detailReadings.sentence) }
    for entry in regions.kinds + regions.counts {
      lines.append("  " + WhereReport.row(entry))
    }
    if let growthIn = regions.growthIn {
      lines.append("  growth in: \(growthIn.rawValue)")
    } else {
      lines.append("  growth in: none (no kind grows)")
    }
    if let sentence = assessment.whereSentence { lines.append("  " + sentence) }
    return lines
  }
}

extension WhereReport {
  /// One kind or count as a line: name, now, rate with its interval, verdict, share, e.g.
  /// `malloc_arenas  now 312 MiB  +40.0 MiB/min (95 % … to …)  leak  93 % of the growth`.
  public static func row(_ entry: RegionAssessment.Entry) -> String {
    var line = entry.name.padding(14) + " now " + nowText(entry).padding(10)
    let r = entry.result
    line += " " + (r.slopeBytesPerSecond.isFinite ? r.rateWithInterval : "no rate yet").padding(46)
    line += " " + entry.verdictName.padding(17)
    if let share = entry.shareOfGrowth {
      line += " \(Int(saturating: (share * 100).rounded())) % of the growth"
    }
    return line.trimmingTrailingSpaces()
  }

  /// The latest value: bytes for a kind, a count for threads and descriptors.
  public static func nowText(_ entry: RegionAssessment.Entry) -> String {
    guard let latest = entry.latest else { return "n/a" }
    return entry.metric.isCount ? ByteFormat.count(latest) : ByteFormat.bytes(latest)
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
