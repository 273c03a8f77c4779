import Testing

@testable import MemtopAnalysis
@testable import MemtopCore
@testable import MemtopTrend

@Suite("FloorPyramid: live floors from bin summaries")
struct FloorPyramidTests {
  @Test("Bins hold base·2^k samples and keep the true minimum")
  func binsSummarise() {
    var pyramid = FloorPyramid(baseSamples: 5, capacity: 64)
    for i in 0..<40 { pyramid.append(time: Double(i), value: Double(100 - i % 7)) }
    #expect(pyramid.sampleCount == 40)
    #expect(pyramid.levels[0].count == 8)
    #expect(pyramid.levels[1].count == 4)
    #expect(pyramid.levels[1].allSatisfy { $0.count == 10 })
    #expect(pyramid.levels[0][0].minimum == 96)  // values 100…96 in the first five samples
    #expect(pyramid.levels[0][0].maximum == 100)
    #expect(pyramid.lastTime == 39)
  }

  @Test("A completed bin is kept in 32 bytes: its count follows from its level, even with gaps")
  func compactBins() {
    #expect(MemoryLayout<FloorPyramid.Stored>.stride == 32)
    var pyramid = FloorPyramid(baseSamples: 5, capacity: 16)
    let values = (0..<5_000).map { $0 % 7 == 0 ? Double.nan : Double(($0 * 37) % 13) }
    for (i, v) in values.enumerated() { pyramid.append(time: Double(i), value: v) }
    // Each bin as reported holds what the samples it spans hold: as many valid samples as
    // its count, and their minimum and maximum.
    for (level, bins) in pyramid.levels.enumerated() {
      for bin in bins {
        let inside = values[Int(bin.start)...Int(bin.end)].filter { !$0.isNaN }
        #expect(inside.count == bin.count, "level \(level) bin at \(bin.start)")
        #expect(inside.min() == bin.minimum && inside.max() == bin.maximum)
      }
    }
  }

  @Test("The bounded pyramid of a long view gives the same floors and verdicts as the default")
  func boundedSameFloors() {
    var generator = TestSeries(seed: 21)
    // 60,000 samples: level 0 holds 12,000 bins, so both pyramids trim their finer levels.
    let scale = TestSeries.Scale(name: "long", duration: 59_999, interval: 1)
    let series = generator.make(scale) { f in (f >= 0.7 ? 300e6 : 0) + 50e6 * f + (f > 0.95 ? 80e6 : 0) }
    let full = FloorPyramid(series)
    var bounded = FloorPyramid.bounded()
    for i in 0..<series.count { bounded.append(time: series.times[i], value: series.values[i]) }
    #expect(bounded.levels[0].count < 600 && full.levels[0].count >= 1024)
    for since in Swift.stride(from: -1.0, to: 60_000, by: 397) {
      let (x, y) = (bounded.floor(since: since), full.floor(since: since))
      // (FloorSeries' == would compare its NaN difference σ.)
      #expect(x.times == y.times && x.values == y.values && x.sampleCount == y.sampleCount, "since \(since)")
    }
    let a = TrendAnalyzer().analyze(full, label: "RSS")
    let b = TrendAnalyzer().analyze(bounded, label: "RSS")
    #expect(a.verdict == b.verdict && a.slopeBytesPerSecond == b.slopeBytesPerSecond && a.slopeCI == b.slopeCI)
    #expect(a.window == b.window && a.steps.count == b.steps.count)
  }

  @Test("Gaps are skipped, not counted as zero")
  func gapsSkipped() {
    var pyramid = FloorPyramid(baseSamples: 5)
    for i in 0..<20 { pyramid.append(time: Double(i), value: i % 4 == 0 ? .nan : 50) }
    #expect(pyramid.sampleCount == 15)
    #expect(pyramid.levels[0].allSatisfy { $0.minimum == 50 })
  }

  @Test("Memory stays bounded: each level keeps at most twice its capacity")
  func bounded() {
    var pyramid = FloorPyramid(baseSamples: 5, capacity: 16)
    for i in 0..<100_000 { pyramid.append(time: Double(i), value: 1) }
    #expect(pyramid.levels.allSatisfy { $0.count < 32 })
    #expect(pyramid.floor().count <= 256)
    #expect(pyramid.floor().count >= 8)
  }

  @Test("A row's pyramid (bounded levels) stops at its level count: the same memory after a day as after hours")
  func boundedLevels() {
    let levels = LiveAnalysis.rowPyramidLevels
    var pyramid = FloorPyramid(baseSamples: 5, capacity: 64, slack: 1, maxLevels: levels)
    // A day at one reading a second, a leak of 3.6 MB/h on top of a sawtooth.
    var sizes: [Int] = []
    for i in 0..<86_400 {
      pyramid.append(time: Double(i), value: 1e8 + Double(i) * 1_000 + Double(i % 30) * 1e4)
      if i == 43_199 || i == 86_399 { sizes.append(pyramid.levels.map(\.count).reduce(0, +)) }
    }
    #expect(pyramid.levels.count == levels)
    #expect(pyramid.levels.allSatisfy { $0.count <= 65 }, "\(pyramid.levels.map(\.count))")
    #expect(sizes[0] == sizes[1], "bins kept at 12 h and at 24 h: \(sizes)")
    // The top level still serves the whole window it keeps: the most recent 64 of its bins.
    let floor = pyramid.floor()
    #expect(floor.count >= 60 && floor.count <= 65, "\(floor.count)")
    let reach = 64.0 * 5 * Double(1 << (levels - 1))
    #expect(floor.times.first.map { $0 > 86_400 - reach - 1_000 } == true, "\(floor.times.first ?? -1)")
    // And a leak is still a leak when judged from it at 64 points.
    var configuration = TrendConfiguration()
    configuration.maxFloorPoints = 64
    let result = TrendAnalyzer(configuration).analyze(pyramid, label: "RSS", limitBytes: nil)
    #expect(result.verdict == .leak, "\(result.verdict)")
  }

  @Test("A floor since a time leaves out bins before it")
  func since() {
    var pyramid = FloorPyramid(baseSamples: 5)
    for i in 0..<1000 { pyramid.append(time: Double(i), value: i < 500 ? 10 : 20) }
    let floor = pyramid.floor(since: 500)
    #expect(floor.values.allSatisfy { $0 == 20 })
    #expect(floor.times.allSatisfy { $0 >= 500 })
  }

  @Test(
    "Pyramid verdicts agree with the raw-sample analyzer",
    arguments: [
      ("flat", TrendVerdict.stable), ("leak", .leak), ("step", .stable), ("shrink", .shrinking),
    ])
  func agrees(shape: String, expected: TrendVerdict) {
    var generator = TestSeries(seed: 13)
    let series = generator.make(.service) { f in
      switch shape {
      case "leak": 150e6 * f
      case "step": f >= 0.4 ? 300e6 : 0
      case "shrink": -150e6 * f
      default: 0
      }
    }
    var pyramid = FloorPyramid()
    for i in 0..<series.count { pyramid.append(time: series.times[i], value: series.values[i]) }
    let live = TrendAnalyzer().analyze(pyramid, label: "rss", limitBytes: 2e9)
    let raw = TrendAnalyzer().analyze(series, label: "rss", limitBytes: 2e9)
    #expect(live.verdict == expected)
    #expect(raw.verdict == expected)
    if expected == .leak {
      #expect(abs(live.slopeBytesPerSecond / raw.slopeBytesPerSecond - 1) < 0.05)
      #expect(live.timeToLimit != nil)
    }
  }
}
