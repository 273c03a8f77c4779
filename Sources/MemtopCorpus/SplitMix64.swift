import Foundation

/// SplitMix64: a small, fast, seedable generator, so every corpus series is reproducible.
///
/// Never `SystemRandomNumberGenerator`: the corpus must be identical on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// Derives a seed from several integers (shape, replicate, scale) by mixing them in turn.
  public init(mixing parts: [UInt64]) {
    var g = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
    var s: UInt64 = 0
    for p in parts {
      g.state ^= p &* 0xD1B5_4A32_D192_ED03
      s = g.next()
    }
    state = s
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1), 53 bits.
  package mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform in [low, high).
  package mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * unit()
  }

  /// Standard normal by Box–Muller (one value per call; simplicity over speed).
  public mutating func normal() -> Double {
    let u1 = max(unit(), 0x1.0p-60)
    let u2 = unit()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// Exponential with the given mean.
  package mutating func exponential(mean: Double) -> Double {
    -mean * log(max(1 - unit(), 0x1.0p-60))
  }
}
