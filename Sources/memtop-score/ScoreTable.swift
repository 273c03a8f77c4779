import Foundation
import MemtopCorpus
import MemtopTrend

/// Formats score summaries as fixed-width text tables.
enum ScoreTable {
  static let header =
    "scale    leaks benign | recall@dl  up@dl | benign:leak@end  ever | "
    + "ttd/dl med  p90 | ttd·rate/σ med  p90 | rate err  CI cov | TTL cov  TTL err | stop-clear"

  static func row(_ name: String, _ s: ScoreSummary) -> String {
    String(
      format: "%-8@ %5d %6d |     %5.3f  %5.3f |           %5.3f %5.3f |       %5.2f %5.2f |"
        + "          %5.2f %5.2f |    %5.3f   %5.3f |   %5.3f    %5.3f |      %5.3f",
      name, s.leakCount, s.benignCount, s.recall, s.raisedAtDeadline, s.benignLeakAtEnd,
      s.benignEverFlagged, s.medianDetectionFraction, s.p90DetectionFraction,
      s.medianDetectionNoiseUnits, s.p90DetectionNoiseUnits, s.medianRateError, s.ciCoverage,
      s.ttlCoverage, s.medianTTLError, s.clearedAtEnd)
  }

  static let shapeHeader =
    "shape/scale                  n  expect  | detected  ever  leak@end | ttd/dl med | final verdicts"

  static func shapeRow(_ name: String, _ o: [SeriesOutcome]) -> String {
    guard let first = o.first else { return name }
    let n = Double(o.count)
    let expect: String
    switch first.expectation {
    case .leak: expect = "leak"
    case .benign: expect = "benign"
    case .dontCare: expect = "any"
    }
    let isLeak = expect == "leak"
    let detected = isLeak ? Double(o.filter(\.detectedByDeadline).count) / n : .nan
    let ever = Double(o.filter(\.everFlagged).count) / n
    let end = Double(o.filter(\.leakAtEnd).count) / n
    let fractions = o.compactMap { x -> Double? in
      guard let t = x.detectedAt, let d = x.deadline else { return nil }
      return t / d
    }
    let median = ScoreSummary.quantile(fractions, 0.5)
    var counts: [TrendVerdict: Int] = [:]
    for x in o { counts[x.finalVerdict, default: 0] += 1 }
    let verdicts = TrendVerdict.allCases.compactMap { v in
      counts[v].map { "\(v.rawValue) \($0)" }
    }.joined(separator: ", ")
    return String(
      format: "%-27@ %3d  %-6@  |   %5.2f  %5.2f    %5.2f |     %5.2f  | %@",
      name, o.count, expect, detected, ever, end, median, verdicts)
  }
}
