import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("JSON report for memtop analyze --json")
struct AnalysisReportTests {
  func results() -> [Metric: TrendResult] {
    var generator = TestSeries(seed: 21)
    let leak = generator.make(.service) { 150e6 * $0 }
    let flat = generator.make(.service) { _ in 0 }
    let analyzer = TrendAnalyzer()
    return [
      .rss: analyzer.analyze(leak, label: "RSS", limitBytes: 2e9),
      .anon: analyzer.analyze(flat, label: "anon", limitBytes: 2e9),
      .heap: analyzer.analyze(MetricSeries(times: [0, 1], values: [1, 2]), label: "heap"),
    ]
  }

  func json(_ report: AnalysisReport) throws -> [String: Any] {
    let data = try JSONEncoder().encode(report)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test("Top-level and per-metric keys are exactly the stable names")
  func keys() throws {
    let object = try json(AnalysisReport(results: results()))
    // Where it grows: empty objects and null without memory by kind.
    #expect(Set(object.keys) == ["verdict", "judged_on", "basis", "metrics", "regions", "counts", "growth_in"])
    #expect(object["verdict"] as? String == "leak")
    let metrics = try #require(object["metrics"] as? [String: Any])
    #expect(Set(metrics.keys) == ["rss", "anon", "heap"])
    let required: Set<String> = [
      "verdict", "slope_bytes_per_s", "slope_ci_bytes_per_s", "p_value", "confidence",
      "explanation", "time_to_limit_s",
    ]
    for (_, value) in metrics {
      let entry = try #require(value as? [String: Any])
      #expect(required.isSubset(of: Set(entry.keys)))
    }
    let rss = try #require(metrics["rss"] as? [String: Any])
    #expect(rss["verdict"] as? String == "leak")
    #expect((rss["slope_ci_bytes_per_s"] as? [Double])?.count == 2)
    #expect(rss["time_to_limit_s"] is Double)
    #expect((rss["time_to_limit_range_s"] as? [Any])?.count == 2)
  }

  @Test("Missing numbers are JSON null, never absent or NaN")
  func nulls() throws {
    let metrics = try #require(try json(AnalysisReport(results: results()))["metrics"] as? [String: Any])
    let anon = try #require(metrics["anon"] as? [String: Any])
    #expect(anon["verdict"] as? String == "stable")
    #expect(anon["time_to_limit_s"] is NSNull)
    let heap = try #require(metrics["heap"] as? [String: Any])
    #expect(heap["verdict"] as? String == "insufficient-data")
    #expect(heap["p_value"] is NSNull)
    #expect(heap["slope_bytes_per_s"] is NSNull)
  }

  @Test(
    "Combined verdict: leak wins, then the most telling",
    arguments: [
      ([TrendVerdict.stable, .leak, .plateau], TrendVerdict.leak),
      ([.stable, .plateau, .shrinking], .plateau),
      ([.stable, .shrinking, .insufficientData], .shrinking),
      ([.stable, .insufficientData], .stable),
      ([.insufficientData], .insufficientData),
      ([], .insufficientData),
    ])
  func combined(_ verdicts: [TrendVerdict], _ expected: TrendVerdict) {
    #expect(TrendVerdict.combined(verdicts) == expected)
  }

  @Test("Verdict raw values are the stable strings")
  func rawValues() {
    #expect(
      TrendVerdict.allCases.map(\.rawValue)
        == ["leak", "plateau", "stable", "inconclusive", "shrinking", "insufficient-data"])
  }
}

@Suite("Building series from samples")
struct MetricSeriesFromSamplesTests {
  @Test("Absent values become gaps, present ones bytes")
  func fromSamples() {
    let samples = [
      MemorySample(timeUnix: 100, elapsed: 0, pid: 1, rss: 4096, anon: 1024),
      MemorySample(timeUnix: 101, elapsed: 1, pid: 1, rss: nil, anon: 2048),
    ]
    let rss = MetricSeries(samples: samples, metric: .rss)
    #expect(rss.times == [0, 1])
    #expect(rss.values[0] == 4096)
    #expect(rss.values[1].isNaN)
    #expect(MetricSeries(samples: samples, metric: .anon).values == [1024, 2048])
  }
}
