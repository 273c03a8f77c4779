import Foundation
import MemtopFormat
import Testing

@testable import MemtopCore
@testable import MemtopTrend

/// A series of known shape, what the analyzer may say about it, and the truth to check each
/// claim of its sentence against.
struct KnownShape: Sendable, CustomTestStringConvertible {
  let id: String
  let scale: TestSeries.Scale
  /// Verdicts allowed.
  let expected: Set<TrendVerdict>
  /// White noise σ, bytes.
  var noise: Double = 3e6
  /// Bytes above 800 MB at an elapsed fraction of the run.
  let shape: @Sendable (Double) -> Double
  /// True floor rate at the end of the run, bytes/s, when the shape has one.
  var trueRate: Double?
  /// Times (fractions of the run) and heights of true steps.
  var steps: [(at: Double, height: Double)] = []
  /// Fraction of samples to blank in bursts (gaps).
  var gaps = false
  var testDescription: String { "\(id) (\(scale))" }
}

@Suite("Generated sentences, checked against the series they describe")
struct AssessmentSentenceTests {
  static let service = TestSeries.Scale.service
  static let script = TestSeries.Scale.script

  static let shapes: [KnownShape] = [
    KnownShape(id: "leak 200 MB", scale: service, expected: [.leak], shape: { 200e6 * $0 }, trueRate: 200e6 / 7200),
    KnownShape(id: "leak 200 MB", scale: script, expected: [.leak], shape: { 200e6 * $0 }, trueRate: 200e6 / 30),
    KnownShape(
      id: "staircase 60 MB every sixth", scale: service, expected: [.leak], shape: { 60e6 * ($0 * 6).rounded(.down) },
      steps: (1...5).map { (Double($0) / 6, 60e6) }),
    KnownShape(id: "warm-up then flat", scale: service, expected: [.plateau], shape: { 300e6 * (1 - exp(-$0 / 0.08)) }),
    KnownShape(id: "warm-up then flat", scale: script, expected: [.plateau], shape: { 300e6 * (1 - exp(-$0 / 0.08)) }),
    KnownShape(
      id: "cache fills then holds", scale: service, expected: [.plateau], shape: { min(400e6, 400e6 * $0 / 0.5) }),
    KnownShape(
      id: "one step of 400 MB", scale: service, expected: [.stable, .inconclusive], shape: { $0 >= 0.3 ? 400e6 : 0 },
      trueRate: 0, steps: [(0.3, 400e6)]),
    KnownShape(
      id: "one step of 400 MB", scale: script, expected: [.stable, .inconclusive], shape: { $0 >= 0.3 ? 400e6 : 0 },
      trueRate: 0, steps: [(0.3, 400e6)]),
    KnownShape(
      id: "GC sawtooth, flat troughs", scale: service, expected: [.stable, .inconclusive],
      shape: { 100e6 * ($0 * 50).truncatingRemainder(dividingBy: 1) }, trueRate: 0),
    KnownShape(id: "quiet flat", scale: service, expected: [.stable], shape: { _ in 0 }, trueRate: 0),
    KnownShape(id: "quiet flat", scale: script, expected: [.inconclusive], shape: { _ in 0 }, trueRate: 0),
    KnownShape(
      id: "noisy flat", scale: service, expected: [.stable, .inconclusive], noise: 20e6, shape: { _ in 0 }, trueRate: 0),
    KnownShape(
      id: "noisy flat", scale: script, expected: [.stable, .inconclusive], noise: 20e6, shape: { _ in 0 }, trueRate: 0),
    KnownShape(
      id: "noisy slow leak", scale: script, expected: [.inconclusive, .leak], noise: 10e6, shape: { 6e6 * $0 },
      trueRate: 6e6 / 30),
    KnownShape(
      id: "shrinking 200 MB", scale: service, expected: [.shrinking], shape: { -200e6 * $0 }, trueRate: -200e6 / 7200),
    KnownShape(
      id: "leak with gaps", scale: service, expected: [.leak], shape: { 200e6 * $0 }, trueRate: 200e6 / 7200, gaps: true
    ),
  ]

  static func series(_ c: KnownShape, seed: UInt64 = 11) -> MetricSeries {
    var generator = TestSeries(seed: seed)
    var s = generator.make(c.scale, noise: c.noise, shape: c.shape)
    if c.gaps {
      // Bursts of missing samples: every 10th stretch of 3 % of the run.
      let n = s.count
      for i in 0..<n where (i * 100 / n) % 10 < 3 && (i * 100 / n) > 5 { s.values[i] = .nan }
    }
    return s
  }

  /// The true curve (no noise) at time `t` seconds.
  static func truth(_ c: KnownShape, _ t: Double) -> Double { 800e6 + c.shape(t / c.scale.duration) }

  @Test("Every claim of the sentence holds for the series", arguments: shapes)
  func claims(_ c: KnownShape) {
    let s = Self.series(c)
    let r = TrendAnalyzer().analyze(s, label: "anon")
    let text = r.explanation
    #expect(c.expected.contains(r.verdict), "\(r.verdict): \(text)")
    // The rate stated is the result's rate; its interval holds the true rate.
    if r.slopeBytesPerSecond.isFinite && r.plateau == nil {
      #expect(text.contains(TrendExplanation.rate(r.slopeBytesPerSecond)), "\(text)")
      if let rate = c.trueRate {
        // The interval holds the true rate (with 2 % of it to spare for the floor's bias on
        // long, quiet series, where the interval is very narrow).
        let slack = 0.02 * abs(rate)
        #expect(
          r.slopeCI.low - slack <= rate && rate <= r.slopeCI.high + slack, "true \(rate) outside \(r.slopeCI): \(text)")
      }
    }
    // Stable only when the interval lies under the threshold and not entirely above 1 MB/h.
    if r.verdict == .stable {
      #expect(r.slopeCI.high < r.leakThresholdBytesPerSecond)
      #expect(r.slopeCI.low <= 1e6 / 3600)
      #expect(text.contains("held level"))
      #expect(text.contains(TrendExplanation.rate(r.slopeCI.high)))
    }
    if r.verdict == .inconclusive {
      #expect(r.slopeCI.high >= r.leakThresholdBytesPerSecond || r.slopeCI.low > 1e6 / 3600)
      let high = TrendExplanation.rate(r.slopeCI.high)
      #expect(
        text.contains("could hide a trend up to \(high)") || text.contains("cannot yet rule out a trend up to \(high)"),
        "\(text)")
      #expect(!text.contains("held level"))
    }
    // Steps: named where they happened, with about their size.
    let dt = c.scale.duration
    for truth in c.steps {
      let found = r.steps.first { abs($0.time - truth.at * dt) <= 0.03 * dt }
      #expect(found != nil, "no step near \(truth.at * dt) s in \(r.steps)")
      if let found {
        #expect(abs(found.heightBytes - truth.height) <= 0.25 * truth.height, "\(found)")
        if r.verdict != .leak {
          #expect(
            text.contains("\(TrendExplanation.signedBytes(found.heightBytes)) at \(AxisTicks.clock(found.time))"),
            "\(text)")
        }
      }
    }
    if c.steps.isEmpty && c.expected != [.leak] {
      #expect(!text.contains("step"), "\(text)")
    }
    // "grew X over Y, then held at Z for W": the rise, the level and the flatness since.
    if let p = r.plateau {
      #expect(
        text.contains("grew \(ByteFormat.bytes(p.riseBytes)) over \(ByteFormat.duration(p.growthSeconds))"), "\(text)")
      #expect(
        text.contains("then held at \(ByteFormat.bytes(p.levelBytes)) for \(ByteFormat.duration(p.heldSeconds))"),
        "\(text)")
      let trueRise = Self.truth(c, dt) - Self.truth(c, 0)
      #expect(abs(p.riseBytes - trueRise) <= 0.15 * trueRise + 4 * c.noise, "rise \(p.riseBytes) vs \(trueRise)")
      #expect(abs(p.levelBytes - Self.truth(c, dt)) <= 0.1 * trueRise + 4 * c.noise, "level \(p.levelBytes)")
      // Levelled off only where the last part really is flat: the true curve moves less
      // than a sixth of the rise after the point the sentence says it held.
      let moved = Self.truth(c, dt) - Self.truth(c, p.levelledAt)
      #expect(moved <= trueRise / 6, "still rose \(moved) after \(p.levelledAt) s")
      #expect(p.levelledAt < dt && p.heldSeconds > 0)
    } else if r.verdict == .plateau {
      #expect(text.contains("levelling off"))
    }
    if r.verdict == .leak && c.steps.isEmpty, let rate = c.trueRate {
      // "rose X over D": X is the rate times the window, and the true curve rose about that.
      let trueRise = rate * r.window.duration
      let said = r.slopeBytesPerSecond * r.window.duration
      #expect(text.contains("rose \(ByteFormat.bytes(said)) over \(ByteFormat.duration(r.window.duration))"))
      #expect(abs(said - trueRise) <= 0.15 * trueRise)
    }
    if r.verdict == .shrinking, let rate = c.trueRate {
      let said = -r.slopeBytesPerSecond * r.window.duration
      #expect(text.contains("fell \(ByteFormat.bytes(said))"))
      #expect(abs(said + rate * r.window.duration) <= 0.15 * abs(rate * r.window.duration))
    }
  }

  @Test("No stable verdict over many seeds has an interval entirely above +1 MB/h, or reaching the leak threshold")
  func stableNeverAboveThreshold() {
    for c in Self.shapes {
      for seed in UInt64(1)...4 {
        let r = TrendAnalyzer().analyze(Self.series(c, seed: seed), label: "RSS")
        if r.verdict == .stable {
          #expect(r.slopeCI.low <= 1e6 / 3600, "\(c.id) seed \(seed): \(r.explanation)")
          #expect(r.slopeCI.high < r.leakThresholdBytesPerSecond, "\(c.id) seed \(seed): \(r.explanation)")
        }
      }
    }
  }

  @Test("Inconclusive says about how much longer to watch, and watching that long settles it")
  func inconclusiveSaysHowLong() {
    // A flat, noisy 30-second series whose interval still reaches the threshold.
    let c = KnownShape(id: "flat", scale: Self.script, expected: [], noise: 20e6, shape: { _ in 0 })
    var found = 0
    var settled = 0
    for seed in UInt64(1)...6 {
      let r = TrendAnalyzer().analyze(Self.series(c, seed: seed), label: "RSS")
      guard r.verdict == .inconclusive, let more = r.moreSecondsNeeded else { continue }
      found += 1
      #expect(r.explanation.contains("about \(ByteFormat.duration(more)) more"))
      // "About": twice that long settles it for most seeds.
      let longer = KnownShape(
        id: "flat longer", scale: TestSeries.Scale(name: "longer", duration: 30 + 2 * more, interval: 0.1),
        expected: [], noise: 20e6, shape: { _ in 0 })
      let later = TrendAnalyzer().analyze(Self.series(longer, seed: seed), label: "RSS")
      if later.verdict == .stable { settled += 1 }
    }
    #expect(found >= 4, "too few seeds gave an inconclusive verdict with a time estimate")
    #expect(settled >= found - 1, "\(settled) of \(found) settled")
  }

  @Test("A series two pages up after 18 s of 30: no noise to speak of, so inconclusive names what is missing")
  func inconclusiveWithoutNoise() {
    // 50 MiB exactly, then 8 KiB more from 18 s on: the floor's robust σ is 0, yet the pairs
    // across the change keep the slope's interval above an hour's worth of the size gate.
    let times = (0..<300).map { Double($0) * 0.1 }
    let values = times.map { $0 < 18 ? 52_428_800.0 : 52_428_800 + 8192 }
    let r = TrendAnalyzer().analyze(MetricSeries(times: times, values: values), label: "heap")
    #expect(r.verdict == .inconclusive, "\(r.verdict): \(r.explanation)")
    #expect(ByteFormat.bytes(r.noiseBytes) == "0 B")
    #expect(!r.explanation.contains("±0 B"), "\(r.explanation)")
    #expect(!r.explanation.contains("noise"), "\(r.explanation)")
    #expect(
      r.explanation.contains(
        "\(r.window.points) floor points over \(ByteFormat.duration(r.window.duration)) cannot yet rule out a trend up to "
          + TrendExplanation.rate(r.slopeCI.high)), "\(r.explanation)")
  }

  @Test("A perfectly flat series is stable without a noise of ±0 B")
  func stableWithoutNoise() {
    let times = (0..<300).map { Double($0) * 0.1 }
    let r = TrendAnalyzer().analyze(MetricSeries(times: times, values: times.map { _ in 171_290_624 }), label: "RSS")
    #expect(r.verdict == .stable)
    #expect(r.explanation == "RSS held level over 29.7 s (trend +0 B/h, 95 % at most +0 B/h): no sign of a leak")
  }

  @Test("A noise that could hide the trend is named with it; one far too small to is not")
  func noiseNamedOnlyWhenItHides() {
    // Noisy and flat for 30 s: the noise is what hides a trend.
    let noisy = TrendAnalyzer().analyze(
      Self.series(KnownShape(id: "noisy", scale: Self.script, expected: [], noise: 20e6, shape: { _ in 0 }), seed: 3),
      label: "RSS")
    #expect(noisy.verdict == .inconclusive)
    #expect(noisy.explanation.contains("noise ±\(ByteFormat.bytes(noisy.noiseBytes)) could hide a trend up to"))
    #expect(max(noisy.slopeCI.high, 0) * noisy.window.duration <= 4 * noisy.noiseBytes)
  }

  @Test(
    "A slow leak of 100 kB/s under 0–30 MB of temporary buffers is never stable in 30 s", arguments: [0.1, 0.5, 1.0])
  func slowNoisyLeak(interval: Double) {
    var covered = 0
    var rated = 0
    for seed in UInt64(1)...8 {
      var generator = TestSeries(seed: seed)
      var times: [Double] = []
      var values: [Double] = []
      var t = 0.0
      while t <= 30 {
        let buffers = Double(generator.next() >> 11) * 0x1.0p-53 * 30e6
        times.append(t)
        values.append(((40e6 + 100e3 * t + buffers) / 4096).rounded() * 4096)
        t += interval
      }
      let r = TrendAnalyzer().analyze(MetricSeries(times: times, values: values), label: "RSS")
      #expect(r.verdict != .stable, "seed \(seed) at \(interval) s: \(r.explanation)")
      if r.slopeBytesPerSecond.isFinite {
        rated += 1
        if r.slopeCI.contains(100e3) { covered += 1 }
      }
    }
    // A 95 % interval: it holds the true rate for nearly every seed.
    #expect(covered >= rated - 1, "\(covered) of \(rated) intervals hold 100 kB/s")
  }
}
