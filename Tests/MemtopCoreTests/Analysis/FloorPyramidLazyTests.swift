import Testing

@testable import MemtopAnalysis
@testable import MemtopTrend

/// A row's pyramid keeps no bins while its value holds (most processes' RSS never moves), and
/// builds, at the first change, the bins appending every sample would have made.
@Suite("FloorPyramid: a lazy pyramid keeps no bins until its value changes")
struct FloorPyramidLazyTests {
  /// A row's pyramid (64 bins a level, trimmed by one, 8 levels).
  static func row(lazy: Bool) -> FloorPyramid {
    LiveAnalysis.rowPyramid(floorPoints: 64, lazy: lazy, compact: false)
  }

  /// Levels as the run needs them, each trimmed by five past 16 bins.
  static func unbounded(lazy: Bool) -> FloorPyramid { FloorPyramid(capacity: 16, slack: 5, lazy: lazy) }

  @Test(
    "an idle series holds no bin however long it runs, and reads as the appended one",
    arguments: [1, 60, 3_600, 86_400])
  func idleHoldsNoBin(samples: Int) {
    var lazy = Self.row(lazy: true)
    var eager = Self.row(lazy: false)
    for i in 0..<samples {
      lazy.append(time: Double(i), value: 40e6)
      eager.append(time: Double(i), value: 40e6)
    }
    #expect(lazy.binsHeld == 0)
    #expect(eager.binsHeld == (samples >= 5 ? eager.levels.map(\.count).reduce(0, +) : 0))
    #expect(lazy.sampleCount == samples && lazy.lastTime == eager.lastTime)
    #expect(lazy.levels == eager.levels)
    #expect("\(lazy.floor(maxPoints: 64))" == "\(eager.floor(maxPoints: 64))")
    #expect(lazy.built() == eager)
  }

  @Test(
    "binned at its first change, the same pyramid as appends made: bins, trims, open bins, and what follows",
    arguments: [
      1, 2, 4, 5, 6, 9, 10, 11, 79, 80, 81, 319, 320, 321, 324, 325, 326, 330, 640, 645, 1_279, 1_280, 1_285, 5_003,
      40_959, 40_960, 41_000, 100_003,
    ])
  func sameAsAppends(constantSamples: Int) {
    for make in [Self.row, Self.unbounded] {
      for spacing in [1.0, 0.5] {
        var lazy = make(true)
        var eager = make(false)
        let time = { (i: Int) in 1_000 + Double(i) * spacing }
        for i in 0..<constantSamples {
          lazy.append(time: time(i), value: 7e6)
          eager.append(time: time(i), value: 7e6)
        }
        #expect(lazy.built() == eager, "\(constantSamples) samples at \(spacing) s")
        // It starts to grow: the bins are built, and from there on the two are one.
        for i in constantSamples..<(constantSamples + 700) {
          let value = 7e6 + Double(i - constantSamples + 1) * 4_096 + Double(i % 13) * 1e5
          lazy.append(time: time(i), value: value)
          eager.append(time: time(i), value: value)
        }
        #expect(lazy == eager, "\(constantSamples) samples at \(spacing) s, then growth")
        #expect(lazy.binsHeld > 0)
      }
    }
  }

  @Test("gaps inside an idle series are skipped, as appends skip them, and keep it idle")
  func gapsKeepItIdle() {
    var lazy = Self.row(lazy: true)
    for i in 0..<1_000 { lazy.append(time: Double(i), value: i % 7 == 3 ? .nan : 5e6) }
    #expect(lazy.binsHeld == 0)
    #expect(lazy.sampleCount == 1_000 - 143)
  }

  @Test("unevenly spaced readings: the same bins but for their times, each within the unevenness")
  func unevenTimes() {
    var lazy = Self.row(lazy: true)
    var eager = Self.row(lazy: false)
    // One reading a second, each up to 50 ms late.
    for i in 0..<3_000 {
      let time = Double(i) + Double((i * 7_919) % 50) / 1_000
      lazy.append(time: time, value: 9e6)
      eager.append(time: time, value: 9e6)
    }
    let (built, appended) = (lazy.levels, eager.levels)
    #expect(built.map(\.count) == appended.map(\.count))
    for (a, b) in zip(built.joined(), appended.joined()) {
      #expect(a.count == b.count && a.minimum == b.minimum && a.maximum == b.maximum)
      #expect(abs(a.start - b.start) <= 0.05 && abs(a.end - b.end) <= 0.05)
    }
  }
}
