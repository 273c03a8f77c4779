import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopTrend
import Testing

@testable import MemtopTUI

/// A program's memory as the live view sees it, one sample a second (the default interval).
struct LiveShape: Sendable, CustomTestStringConvertible {
  let id: String
  /// Seconds to watch.
  var seconds = 150
  /// RSS in bytes at second `t` (anon and heap follow it).
  let rss: @Sendable (Double) -> Double
  var testDescription: String { id }

  static let mib = 1_048_576.0

  /// Allocator jitter of up to 256 KiB, deterministic.
  static func jitter(_ t: Double) -> Double { Double((Int(t) * 7919) % 64) * 4096 }

  func samples() -> [MemorySample] {
    (0..<seconds).map { i in
      let t = Double(i)
      let v = UInt64(max(rss(t) + Self.jitter(t), 0))
      return MemorySample(
        timeUnix: 1_764_000_000 + t, elapsed: t, pid: 77, rss: v, anon: v - 8 << 20, heap: v - 16 << 20)
    }
  }
}

@Suite("The live banner: soon for a clear leak, never a false flash, the same figures as analyze")
struct LiveBannerTests {
  static let mib = LiveShape.mib

  /// Renders the banner into a sentinel-filled buffer and returns its two lines.
  static func banner(_ analysis: LiveAnalysis, width: Int = 240) -> [String] {
    var buffer = Fixtures.sentinel(width: width, height: 2)
    VerdictBanner(model: VerdictModel(analysis: analysis), mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    return buffer.lines
  }

  @Test(
    "A clean 12 MB/min leak is flagged in amber within 30 s (a leak, or a cache still filling), LEAK once it has lasted 2 min"
  )
  func cleanLeakSoon() {
    let shape = LiveShape(id: "leak 12 MB/min", seconds: 150) { 60 * LiveShape.mib + 200e3 * $0 }
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    var firstFlag: Int?
    var firstLeak: Int?
    var amber = ""
    for (i, sample) in shape.samples().enumerated() {
      analysis.append(sample, limitBytes: nil)
      let line = Self.banner(analysis)[0]
      if firstFlag == nil, line.contains("growing for") {
        firstFlag = i
        amber = line
      }
      if firstLeak == nil, line.hasPrefix("* LEAK") { firstLeak = i }
    }
    #expect(firstFlag != nil && firstFlag! <= 30, "flagged first at sample \(String(describing: firstFlag))")
    #expect(amber.contains("a leak, or a cache still filling — confirm in ~"), "\(amber)")
    #expect(
      firstLeak != nil && firstLeak! >= 110 && firstLeak! <= 140, "LEAK first at \(String(describing: firstLeak))")
    let lines = Self.banner(analysis)
    #expect(lines[0].contains("LEAK  RSS +"), "\(lines[0])")
    #expect(lines[1].contains("consistent with a leak"), "\(lines[1])")
  }

  @Test("A bounded cache that takes 75 s to fill is never LEAK: amber while it fills, then a plateau")
  func slowCacheNeverRed() {
    // ~17 KB a reply, 4 a second, 300 kept: +4 MiB/min for 75 s, then flat.
    let shape = LiveShape(id: "bounded cache filling over 75 s", seconds: 180) {
      60 * LiveShape.mib + 70e3 * min($0, 75)
    }
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    var sawAmber = false
    for (i, sample) in shape.samples().enumerated() {
      analysis.append(sample, limitBytes: nil)
      let line = Self.banner(analysis)[0]
      #expect(!line.contains("LEAK"), "sample \(i): \(line)")
      if line.contains("LEAK") { return }
      if line.contains("a cache still filling") { sawAmber = true }
    }
    #expect(sawAmber, "its steady growth was said as a leak or a filling cache")
    #expect(Self.banner(analysis)[0].hasPrefix("* plateau"), "\(Self.banner(analysis)[0])")
  }

  @Test("while the rate is not known (an alert still raised after a change) the banner says gathering, never -n/a")
  func gatheringNotNA() {
    let shape = LiveShape(id: "leak 12 MB/min", seconds: 40) { 60 * LiveShape.mib + 200e3 * $0 }
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    for sample in shape.samples() { analysis.append(sample, limitBytes: nil) }
    var assessment = analysis.assessment()
    for i in assessment.entries.indices {
      assessment.entries[i].result.slopeBytesPerSecond = .nan
      assessment.entries[i].result.slopeCI = SlopeInterval(low: .nan, high: .nan)
      assessment.entries[i].result.verdict = .insufficientData
    }
    assessment.verdict = .insufficientData
    assessment.raised = [.rss]
    var buffer = Fixtures.sentinel(width: 160, height: 2)
    VerdictBanner(model: VerdictModel(live: assessment, samples: 40), mode: .ascii).draw(
      into: &buffer, area: buffer.bounds)
    #expect(!buffer.lines[0].contains("n/a"), "\(buffer.lines[0])")
    #expect(
      buffer.lines[0].hasPrefix("* LEAK (alert raised)  gathering: the rate is not known yet"), "\(buffer.lines[0])")
    assessment.raised = []
    let pending = VerdictModel(live: assessment, samples: 40)
    #expect(!pending.headline.contains("n/a") && pending.headline.contains("gathering"))
  }

  static let benign: [LiveShape] = [
    LiveShape(id: "warm-up of 100 MiB, tau 20 s") { 50 * LiveShape.mib + 100 * LiveShape.mib * (1 - exp(-$0 / 20)) },
    LiveShape(id: "one-off load of 300 MiB over 3 s at 20 s") {
      50 * LiveShape.mib + 300 * LiveShape.mib * min(max(($0 - 20) / 3, 0), 1)
    },
    LiveShape(id: "GC sawtooth: +3 MiB/s, collected every 20 s") {
      80 * LiveShape.mib + 3 * LiveShape.mib * $0.truncatingRemainder(dividingBy: 20)
    },
    LiveShape(id: "bounded cache: +2 MiB/s until +40 MiB") { 50 * LiveShape.mib + 2 * LiveShape.mib * min($0, 20) },
  ]

  @Test("Benign shapes never flash LEAK over 150 s", arguments: benign)
  func neverFlash(_ shape: LiveShape) {
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    for (i, sample) in shape.samples().enumerated() {
      analysis.append(sample, limitBytes: nil)
      let line = Self.banner(analysis)[0]
      #expect(!line.contains("LEAK"), "sample \(i): \(line)")
      if line.contains("LEAK") { return }
    }
  }

  @Test("The warm-up is a plateau on RSS, anon and heap, told as grew then held")
  func warmUpPlateau() {
    let shape = LiveBannerTests.benign[0]
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    for sample in shape.samples() { analysis.append(sample, limitBytes: nil) }
    let assessment = analysis.assessment()
    for metric in [Metric.rss, .anon, .heap] {
      #expect(
        assessment.entry(metric)?.result.verdict == .plateau,
        "\(metric): \(assessment.entry(metric)?.result.explanation ?? "-")")
    }
    let lines = Self.banner(analysis)
    #expect(lines[0].hasPrefix("* plateau: RSS grew "), "\(lines[0])")
    #expect(lines[1].contains("then held at"), "\(lines[1])")
  }

  @Test(
    "The banner and analyze state the same verdict and rate on the same samples",
    arguments: [
      LiveShape(id: "leak 12 MB/min") { 60 * LiveShape.mib + 200e3 * $0 },
      LiveBannerTests.benign[0], LiveBannerTests.benign[1],
    ])
  func sameAsAnalyze(_ shape: LiveShape) {
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    var timeline = Timeline()
    for sample in shape.samples() {
      analysis.append(sample, limitBytes: nil)
      timeline.append(sample)
    }
    analysis.evaluate(limitBytes: nil)
    let recorded = RecordingAnalysis(timeline: timeline, limit: nil).assessment
    let live = analysis.assessment()
    #expect(live.verdict == recorded.verdict)
    #expect(live.leading?.metric == recorded.leading?.metric)
    let rate = recorded.leading?.result.rateWithInterval ?? "none"
    #expect(Self.banner(analysis)[0].contains(rate), "banner \(Self.banner(analysis)[0]) vs analyze \(rate)")
  }
}
