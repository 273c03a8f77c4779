import MemtopAnalysis
import MemtopSampling

/// Min and max of each charted metric since the last reset (`r`), updated per sample in O(1).
public struct Extremes: Sendable, Equatable {
  private var minimum: [Metric: UInt64] = [:]
  private var maximum: [Metric: UInt64] = [:]
  /// The highest peak RSS (`VmHWM`) seen, bytes; `r` does not reset it.
  package private(set) var peakRSS: UInt64?

  public init() {}

  /// Takes a sample into account.
  public mutating func add(_ sample: MemorySample) {
    if let hwm = sample.peakRSS { peakRSS = max(peakRSS ?? hwm, hwm) }
    for metric in LiveAnalysis.metrics {
      guard let v = sample[metric] else { continue }
      minimum[metric] = min(minimum[metric] ?? v, v)
      maximum[metric] = max(maximum[metric] ?? v, v)
    }
  }

  /// Forgets everything seen so far.
  package mutating func reset() {
    minimum.removeAll()
    maximum.removeAll()
  }

  /// Min and max of `metric`, bytes.
  package func range(_ metric: Metric) -> (min: UInt64?, max: UInt64?) {
    (minimum[metric], maximum[metric])
  }
}
