import Foundation
import MemtopAnalysis
import MemtopFormat
import MemtopTrend
import Testing

@testable import MemtopCorpus

/// Every sentence built from an assessment's facts, for every corpus shape at both scales and
/// along its life (the live checkpoints), says only figures that agree with the numbers beside
/// it: no noise of "±0 B" hiding a trend, no rate outside the rate interval reported with it.
@Suite("Sentences over the corpus: no figure contradicts its neighbours")
struct SentenceFactsTests {
  /// Checkpoints per series: the live evaluations a user would see.
  static let checkpoints = 24
  /// Replicates per shape and scale (the corpus is seeded).
  static let replicates = 3

  /// Shapes short enough for a debug build (the multi-day ones are left to `memtop-score`).
  static let shapes = CorpusCatalog.shapes.filter { $0.duration <= 7 * 3600 }.map(\.name)

  /// A rate as shown, e.g. `+12.0 MiB/h`, `−3.1 KiB/s`: (bytes per second, half the last
  /// digit's worth in bytes per second).
  struct QuotedRate: CustomStringConvertible {
    var text: String
    var value: Double
    var resolution: Double
    var description: String { text }
  }

  /// The rates quoted in `text`.
  static func rates(in text: String) -> [QuotedRate] {
    let pattern = #/([+\-−]?)([0-9]+(?:\.[0-9]+)?) (B|KiB|MiB|GiB|TiB)/(s|min|h)\b/#
    let units: [String: Double] = [
      "B": 1, "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824, "TiB": 1_099_511_627_776,
    ]
    let periods: [String: Double] = ["s": 1, "min": 60, "h": 3600]
    var found: [QuotedRate] = []
    for match in text.matches(of: pattern) {
      guard let number = Double(match.output.2) else { continue }
      let unit: Double = units[String(match.output.3)] ?? 1
      let per: Double = periods[String(match.output.4)] ?? 1
      let negative = match.output.1 == "-" || match.output.1 == "−"
      let digits = match.output.2.split(separator: ".").dropFirst().first?.count ?? 0
      let half: Double = 0.5 * pow(10, -Double(digits)) * unit / per
      let value: Double = (negative ? -number : number) * unit / per
      found.append(QuotedRate(text: String(match.output.0), value: value, resolution: half + 1e-9 * abs(value)))
    }
    return found
  }

  /// Every sentence a surface builds from `result` (the analyzer's sentence, the rate with its
  /// interval, and the assessment's summary line).
  static func sentences(_ result: TrendResult) -> [String] {
    let assessment = Assessment(entries: [Assessment.Entry(metric: .rss, label: "RSS", result: result)])
    var all = [result.explanation, assessment.summary]
    if result.slopeBytesPerSecond.isFinite { all.append(result.rateWithInterval) }
    return all
  }

  /// The problems with the sentences of one result, in words (empty when there are none).
  static func problems(_ result: TrendResult) -> [String] {
    var problems: [String] = []
    let low = result.slopeCI.low
    let high = result.slopeCI.high
    for sentence in sentences(result) {
      if sentence.contains("±0 B") { problems.append("says ±0 B: \(sentence)") }
      // "noise ±N could hide a trend up to H": only when a trend at H rises over the window
      // no more than the size gate's four noise σ (as said, rounded).
      if let hides = sentence.firstMatch(of: #/noise ±([0-9.]+ [KMGT]?i?B) could hide a trend up to ([^;]+)/#),
        let noise = ByteFormat.parseSize(String(hides.output.1).replacingOccurrences(of: " ", with: "")),
        let hidden = rates(in: String(hides.output.2)).first
      {
        let rise = max(hidden.value - hidden.resolution, 0) * result.window.duration
        if rise > 4 * Double(noise) * 1.01 { problems.append("noise too small to hide that: \(sentence)") }
      }
      guard low.isFinite && high.isFinite else {
        if !rates(in: sentence).isEmpty { problems.append("quotes a rate with no interval: \(sentence)") }
        continue
      }
      for rate in rates(in: sentence)
      where rate.value + rate.resolution < low * (1 - 1e-9) || rate.value - rate.resolution > high * (1 + 1e-9) {
        problems.append("\(rate) outside [\(low), \(high)] B/s: \(sentence)")
      }
    }
    return problems
  }

  @Test("no sentence says ±0 B, and every rate quoted lies inside the rate interval beside it", arguments: shapes)
  func corpus(_ name: String) throws {
    let shape = try #require(CorpusCatalog.shapes.first { $0.name == name })
    let scorer = CorpusScorer(checkpoints: Self.checkpoints)
    var checked = 0
    var problems: [String] = []
    for scale in TimeScale.allCases {
      for replicate in 0..<Self.replicates {
        let item = CorpusGenerator().generate(shape, replicate: replicate, scale: scale)
        _ = scorer.score(item) { time, result, _ in
          checked += 1
          problems += Self.problems(result).map { "\(item.id) at \(Int(time)) s: \($0)" }
        }
      }
    }
    #expect(checked == 2 * Self.replicates * Self.checkpoints)
    #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(3).joined(separator: "\n"))")
  }

  @Test("the rate parser reads what ByteFormat writes", arguments: [0.0, 0.4, 300, 12_345, 2e6, -7e5, -1.2e9])
  func parserRoundTrip(_ bytesPerSecond: Double) throws {
    let text = (bytesPerSecond >= 0 ? "+" : "−") + ByteFormat.rate(bytesPerSecond: abs(bytesPerSecond))
    let quoted = try #require(Self.rates(in: "trend \(text), more").first)
    #expect(abs(quoted.value - bytesPerSecond) <= quoted.resolution + 0.005 * abs(bytesPerSecond), "\(text)")
  }
}
