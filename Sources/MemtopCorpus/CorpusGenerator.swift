import Foundation
import MemtopTrend

/// The two time scales of the corpus.
public enum TimeScale: String, Sendable, CaseIterable {
  /// The shape at its own duration and interval (2 h at 1 s for most).
  case service
  /// The whole shape compressed into 30 s sampled at 0.1 s (300 samples).
  case short
}

/// One generated, labelled series.
public struct LabelledSeries: Sendable {
  public var shape: CorpusShape
  public var scale: TimeScale
  public var replicate: Int
  /// Samples up to `horizon` (the analyzer only ever sees up to `duration`).
  public var series: MetricSeries
  /// Observed length, seconds (in this series' own time).
  package var duration: Double
  /// Seconds of this series per second of service time (1, or 30 s / shape duration).
  package var timeFactor: Double
  /// The leak deadline in this series' time, if a leak.
  public var deadline: Double?
  /// Don't-care windows in this series' time.
  public var dontCare: [ClosedRange<Double>]
  /// Start of the current process lifetime, in this series' time.
  package var lifetimeStart: Double
  /// True floor rate at the deadline in bytes per second of this series' time.
  package var trueRate: Double?
  /// Limit used for the time-to-limit check, bytes, and when the raw series first reaches
  /// it (seconds, this series' time); nil when the shape does not project to a limit.
  public var limitBytes: Double?
  package var trueCrossing: Double?
  /// Nominal noise σ of the floor (white and AR combined), bytes.
  package var noiseSigma: Double

  /// "shape/scale#replicate".
  package var id: String { "\(shape.name)/\(scale.rawValue)#\(replicate)" }
}

/// Generates the labelled corpus deterministically from (shape, replicate, scale).
public struct CorpusGenerator: Sendable {
  /// Base memory level, bytes.
  package static let baseBytes = 800e6

  public init() {}

  /// One series.
  public func generate(_ shape: CorpusShape, replicate: Int, scale: TimeScale) -> LabelledSeries {
    let shapeIndex = CorpusCatalog.shapes.firstIndex { $0.name == shape.name } ?? 0
    var rng = SplitMix64(mixing: [
      UInt64(shapeIndex), UInt64(replicate), scale == .service ? 1 : 2, fnv(shape.name),
    ])
    let factor = scale == .service ? 1 : 30 / shape.duration
    let interval = scale == .service ? shape.interval : 0.1 / factor
    var horizon = shape.duration
    var deadline: Double?
    var projectedRate: Double?
    if case .leak(let d) = shape.expectation {
      deadline = d
      if let rate = shape.trueRate, !shape.mustClearByEnd {
        projectedRate = rate
        horizon = max(horizon, 4 * d)
      }
    }
    let (times, values) = simulate(shape, interval: interval, horizon: horizon, rng: &rng)
    // The limit sits above every sample seen by the deadline, by another deadline's worth of
    // floor growth; the truth is the first sample after the deadline that reaches it.
    var limit: Double?
    var crossing: Double?
    if let d = deadline, let rate = projectedRate {
      var peak = -Double.infinity
      for (t, v) in zip(times, values) where t <= d && !v.isNaN { peak = max(peak, v) }
      let l = peak + rate * d
      limit = l
      crossing = zip(times, values).first { $0.0 > d && !$0.1.isNaN && $0.1 >= l }.map { $0.0 }
    }
    let scaled = times.map { $0 * factor }
    return LabelledSeries(
      shape: shape, scale: scale, replicate: replicate,
      series: MetricSeries(times: scaled, values: values), duration: shape.duration * factor,
      timeFactor: factor, deadline: deadline.map { $0 * factor },
      dontCare: shape.dontCare.map { ($0.lowerBound * factor)...($0.upperBound * factor) },
      lifetimeStart: shape.lifetimeStart * factor, trueRate: shape.trueRate.map { $0 / factor },
      limitBytes: crossing == nil ? nil : limit, trueCrossing: crossing.map { $0 * factor },
      noiseSigma: (9e12 + shape.noise.arSigma * shape.noise.arSigma).squareRoot())
  }

  /// The whole corpus: every shape × replicates × scales.
  public func corpus(
    replicates: Int, scales: [TimeScale] = TimeScale.allCases, shapes: [CorpusShape] = CorpusCatalog.shapes,
    firstReplicate: Int = 0
  ) -> [LabelledSeries] {
    var out: [LabelledSeries] = []
    for scale in scales {
      for shape in shapes {
        for r in firstReplicate..<(firstReplicate + replicates) {
          out.append(generate(shape, replicate: r, scale: scale))
        }
      }
    }
    return out
  }

  // MARK: - Simulation (service time)

  private func simulate(
    _ shape: CorpusShape, interval: Double, horizon: Double, rng: inout SplitMix64
  ) -> ([Double], [Double]) {
    let n = Int((horizon / interval).rounded(.down)) + 1
    var times = [Double](repeating: 0, count: n)
    var values = [Double](repeating: 0, count: n)
    let noise = shape.noise
    let phi = exp(-interval / noise.arTau)
    let innovation = noise.arSigma * (1 - phi * phi).squareRoot()
    var ar = noise.arSigma * rng.normal()
    var spikeStart = rng.exponential(mean: 300)
    var spikeEnd = spikeStart + rng.uniform(1, 10)
    var spikeHeight = rng.uniform(20e6, 100e6)
    var garbage = rng.uniform(0, 60e6)
    var allocRate = rng.uniform(1e6, 3e6)
    var dropAt = rng.uniform(60e6, 140e6)
    var gapStart = rng.exponential(mean: 600)
    var gapEnd = gapStart + rng.uniform(5, 60)
    for i in 0..<n {
      let t = Double(i) * interval
      times[i] = t
      if i > 0 { ar = phi * ar + innovation * rng.normal() }
      var v = Self.baseBytes + shape.level(t) + 3e6 * rng.normal() + ar
      if noise.spikes {
        while t >= spikeEnd {
          spikeStart = spikeEnd + rng.exponential(mean: 300)
          spikeEnd = spikeStart + rng.uniform(1, 10)
          spikeHeight = rng.uniform(20e6, 100e6)
        }
        if t >= spikeStart { v += spikeHeight }
      }
      if shape.gc {
        if i > 0 { garbage += allocRate * interval }
        if garbage >= dropAt {
          garbage = 0
          allocRate = rng.uniform(1e6, 3e6)
          dropAt = rng.uniform(60e6, 140e6)
        }
        v += garbage
      }
      values[i] = (v / 4096).rounded() * 4096
      if shape.gaps {
        while t >= gapEnd {
          gapStart = gapEnd + rng.exponential(mean: 600)
          gapEnd = gapStart + rng.uniform(5, 60)
        }
        if t >= gapStart { values[i] = .nan }
      }
    }
    return (times, values)
  }

  private func fnv(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
  }
}
