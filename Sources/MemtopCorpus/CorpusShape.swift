import Foundation

/// What the analyzer is expected to say about a corpus series.
public enum Expectation: Sendable, Equatable {
  /// A leak that must be flagged by `deadline` (seconds from the start).
  case leak(deadline: Double)
  /// Benign: the live alert must never be raised outside the don't-care windows.
  case benign
  /// No expectation at all (e.g. logarithmic growth).
  case dontCare
}

/// The noise presets of TREND.md.
public enum NoisePreset: String, Sendable, CaseIterable {
  /// White σ 3 MB.
  case n0 = "N0"
  /// N0 + AR(1) σ 8 MB, correlation time 200 s, + spikes.
  case n1 = "N1"
  /// N0 + AR(1) σ 20 MB, correlation time 1000 s, + spikes.
  case n2 = "N2"

  var arSigma: Double { self == .n0 ? 0 : self == .n1 ? 8e6 : 20e6 }
  var arTau: Double { self == .n2 ? 1000 : 200 }
  var spikes: Bool { self != .n0 }
}

/// One shape of the labelled corpus, defined in service time (seconds, bytes).
public struct CorpusShape: Sendable {
  /// Stable identifier, e.g. `"leak-30MBh"`.
  public var name: String
  /// Length of the series in service time, seconds.
  package var duration: Double
  /// Sample interval at service scale, seconds.
  package var interval: Double
  public var noise: NoisePreset
  /// Whether a GC sawtooth rides on top of the floor.
  package var gc: Bool
  /// Whether missing-sample bursts are cut out.
  package var gaps: Bool
  public var expectation: Expectation
  /// Windows (service seconds) in which a benign series may legitimately be flagged.
  public var dontCare: [ClosedRange<Double>]
  /// Leaks that stop: the alert must be clear at the end.
  package var mustClearByEnd: Bool
  /// Time the current process lifetime started (a restart), seconds; 0 when none.
  package var lifetimeStart: Double
  /// Leak rate of the floor at the deadline, bytes/s, when it is linear there.
  package var trueRate: Double?
  /// The noiseless floor level above the 800 MB base, bytes, at time t.
  public var level: @Sendable (Double) -> Double

  public init(
    name: String, duration: Double = 7200, interval: Double = 1, noise: NoisePreset = .n1,
    gc: Bool = false, gaps: Bool = false, expectation: Expectation,
    dontCare: [ClosedRange<Double>] = [], mustClearByEnd: Bool = false,
    lifetimeStart: Double = 0, trueRate: Double? = nil,
    level: @escaping @Sendable (Double) -> Double
  ) {
    self.name = name
    self.duration = duration
    self.interval = interval
    self.noise = noise
    self.gc = gc
    self.gaps = gaps
    self.expectation = expectation
    self.dontCare = dontCare
    self.mustClearByEnd = mustClearByEnd
    self.lifetimeStart = lifetimeStart
    self.trueRate = trueRate
    self.level = level
  }

  /// Whether this series is a leak.
  public var isLeak: Bool {
    if case .leak = expectation { return true }
    return false
  }
}
