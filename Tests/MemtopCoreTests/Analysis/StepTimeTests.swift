import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopStore
import Testing

@testable import MemtopCore
@testable import MemtopTrend

/// A step is reported where it happened — the first sample at the new level — not at the floor
/// point that shows it (a bin's middle, up to a bin and a half later), on every surface.
@Suite("Step times: located within their bin from the samples")
struct StepTimeTests {
  /// A real recording of `examples/python/one_step.py` (`memtop record --interval 0.1
  /// --duration 20`): RSS goes from 13.2 MiB to 163 MiB between 3.102 s and 3.300 s.
  static func oneStep() throws -> Timeline {
    let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    let path = url.appendingPathComponent("recordings/one_step.csv").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return Timeline(try RecordingReader(path: path).read(text))
  }

  /// The time of the first sample from which RSS stays at least `fraction` of the way up a
  /// rise from `low` to `high`.
  static func reached(_ series: MetricSeries, low: Double, high: Double, fraction: Double) -> Double? {
    let bar = low + fraction * (high - low)
    var at: Double?
    for i in series.times.indices.reversed() where !series.values[i].isNaN {
      guard series.values[i] >= bar else { break }
      at = series.times[i]
    }
    return at
  }

  @Test("the real one-off load: analyze, JSON, the live assessment and the plot all name the sample it reached")
  func realRecording() throws {
    let timeline = try Self.oneStep()
    let rss = timeline.series(.rss)
    let low = try #require(rss.values.prefix(20).min())
    let high = try #require(rss.values.suffix(50).min())
    #expect(high - low > 140 * 1_048_576, "the fixture holds the 150 MiB load")
    // The truth from the samples: the first one at the level it then holds (3.300 s here).
    let truth = try #require(Self.reached(rss, low: low, high: high, fraction: 1))
    #expect(abs(truth - 3.3) < 0.01)

    let analysis = RecordingAnalysis(timeline: timeline, limit: nil)
    let result = try #require(analysis.results[.rss])
    #expect(result.steps.count == 1, "\(result.steps)")
    let step = try #require(result.steps.first)
    #expect(step.time == truth, "step at \(step.time) s, RSS reached its new level at \(truth) s")
    // The judged stretch still begins after the step's bin (the segment is unchanged).
    #expect(result.window.start > step.time)
    let said = "\(TrendExplanation.signedBytes(step.heightBytes)) at \(AxisTicks.clock(truth))"
    #expect(said.hasSuffix("at 0:03"))
    #expect(result.explanation.contains("after a step of \(said)"), "\(result.explanation)")
    #expect(analysis.reportText(path: "one_step.csv").contains("after a step of \(said)"))

    // analyze --json: `steps[].time_s`.
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(analysis.report)) as? [String: Any]
    let metrics = try #require(json?["metrics"] as? [String: Any])
    let rssJSON = try #require(metrics["rss"] as? [String: Any])
    let steps = try #require(rssJSON["steps"] as? [[String: Any]])
    #expect((steps.first?["time_s"] as? Double) == truth, "\(steps)")

    // The live view, fed the same samples: the same step, the same sentence.
    var live = LiveAnalysis()
    for i in 0..<timeline.count { live.append(timeline[i], limitBytes: nil) }
    live.evaluate(limitBytes: nil)
    let liveRSS = try #require(live.assessment().entry(.rss))
    #expect(liveRSS.result.steps == result.steps)
    #expect(liveRSS.result.explanation == result.explanation)

    // The plot's annotation.
    let svg = RecordingChart(timeline: timeline, analysis: analysis, title: "one_step.csv").svg()
    #expect(svg.contains("step \(said)"), "no step label with \(said)")
  }

  static let cases: [(id: String, scale: TestSeries.Scale, at: Double, height: Double)] = [
    ("a rise at 9.35 s of a 30 s script", .script, 9.35, 400e6),
    ("a rise at 12.05 s of a 30 s script", .script, 12.05, 200e6),
    ("a fall at 17.45 s of a 30 s script", .script, 17.45, -300e6),
    ("a rise at 2,213 s of a 2 h service", .service, 2213, 400e6),
    ("a fall at 4,007 s of a 2 h service", .service, 4007, -300e6),
  ]

  @Test(
    "a step is placed within a few samples after it happened, from the raw samples and from the pyramid",
    arguments: cases.indices)
  func located(_ index: Int) throws {
    let c = Self.cases[index]
    var generator = TestSeries(seed: 5)
    let duration = c.scale.duration
    let series = generator.make(c.scale) { $0 * duration >= c.at ? c.height : 0 }
    let interval = c.scale.interval
    let firstAfter = try #require(series.times.first { $0 >= c.at })

    let raw = TrendAnalyzer().analyze(series, label: "RSS")
    #expect(raw.steps.count == 1, "\(c.id): \(raw.steps)")
    let step = try #require(raw.steps.first)
    // Never before it happened; at most three samples after (noise can hold the new level's
    // first samples under its bin minimum). The floor point was up to a bin and a half off.
    #expect(step.time >= firstAfter && step.time <= firstAfter + 3 * interval + 1e-9, "\(c.id): \(step.time)")
    #expect(abs(step.heightBytes - c.height) < 0.1 * abs(c.height))

    // From the pyramid, within one of its finest bins.
    let pyramid = FloorPyramid(series)
    let binned = TrendAnalyzer().analyze(pyramid, label: "RSS")
    let pyramidStep = try #require(binned.steps.first, "\(c.id): no step from the pyramid")
    let bin = Double(pyramid.baseSamples) * interval
    #expect(
      pyramidStep.time >= firstAfter - bin && pyramidStep.time <= firstAfter + bin, "\(c.id): \(pyramidStep.time)")
  }
}
