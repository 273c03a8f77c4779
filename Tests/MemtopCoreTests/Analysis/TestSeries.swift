import Foundation
import MemtopTrend

@testable import MemtopCore

/// Deterministic synthetic series for analyzer tests (its own tiny generator, no corpus).
struct TestSeries {
  /// A time scale: how long the run is and how often it is sampled.
  struct Scale: Sendable, CustomStringConvertible {
    var name: String
    var duration: Double
    var interval: Double
    var description: String { name }

    /// A 2-hour service sampled every second.
    static let service = Scale(name: "service 2 h @ 1 s", duration: 7200, interval: 1)
    /// A 30-second script sampled every 0.1 s.
    static let script = Scale(name: "script 30 s @ 0.1 s", duration: 30, interval: 0.1)
  }

  private var state: UInt64

  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func normal() -> Double {
    let u1 = max(Double(next() >> 11) * 0x1.0p-53, 1e-300)
    let u2 = Double(next() >> 11) * 0x1.0p-53
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// 800 MB + shape(fraction of the run) + white noise σ `noise` bytes, quantised to 4 KiB.
  /// `shape` receives the elapsed fraction 0…1, so one definition serves both scales.
  mutating func make(
    _ scale: Scale, noise: Double = 3e6, shape: (Double) -> Double
  ) -> MetricSeries {
    let n = Int(scale.duration / scale.interval) + 1
    var times: [Double] = []
    var values: [Double] = []
    times.reserveCapacity(n)
    values.reserveCapacity(n)
    for i in 0..<n {
      let t = Double(i) * scale.interval
      let v = 800e6 + shape(t / scale.duration) + noise * normal()
      times.append(t)
      values.append((v / 4096).rounded() * 4096)
    }
    return MetricSeries(times: times, values: values)
  }
}
