import Foundation

/// One abrupt change of the floor level.
package struct LevelShift: Sendable, Equatable {
  /// Index of the first floor point after the shift.
  public var index: Int
  /// Time of the first floor point after the shift, in seconds.
  public var time: Double
  /// Height of the shift in bytes (positive = up), from medians on either side.
  package var heightBytes: Double
}

/// Finds level shifts (steps) in a floor series.
///
/// A first difference of the floor whose modified z-score 0.6745·(d − median)/MAD exceeds the
/// threshold is a candidate; it is confirmed when the median of the next `confirmPoints`
/// floor points differs from the median of the previous ones, in the same direction, by more
/// than half the jump and more than three noise σ. Candidates closer than `confirmPoints`
/// keep the largest. Survivors must finally exceed `levelMultiple` times the floor's pooled
/// within-segment σ, so slow wander is not mistaken for steps, and `minHeightBytes`, so a
/// very regular series (whose differences have almost no spread) does not turn a few pages
/// of jitter into a step. O(points · confirmPoints).
package struct LevelShiftDetector: Sendable, Equatable {
  /// Modified z-score a first difference must exceed.
  package var zThreshold: Double
  /// Points on each side whose medians confirm a step.
  package var confirmPoints: Int

  /// A step must exceed this many pooled within-segment σ of the floor.
  package var levelMultiple: Double
  /// A step must be at least this high, bytes (1 MiB).
  package var minHeightBytes: Double

  public init(
    zThreshold: Double = 3.5, confirmPoints: Int = 5, levelMultiple: Double = 4, minHeightBytes: Double = 1_048_576
  ) {
    self.zThreshold = zThreshold
    self.confirmPoints = confirmPoints
    self.levelMultiple = levelMultiple
    self.minHeightBytes = minHeightBytes
  }

  /// The confirmed shifts of `floor`, in time order.
  public func shifts(times: [Double], values: [Double]) -> [LevelShift] {
    let n = values.count
    let k = confirmPoints
    guard n >= 2 * k + 1 else { return [] }
    var diffs = [Double](repeating: 0, count: n - 1)
    for i in 0..<(n - 1) { diffs[i] = values[i + 1] - values[i] }
    let medianDiff = RobustStatistics.median(diffs)
    let mad = RobustStatistics.mad(diffs)
    let scale = max(mad, 1e-9 * max(abs(RobustStatistics.median(values)), 1))
    let noise = scale * 1.4826 / 2.0.squareRoot()
    var found: [LevelShift] = []
    for i in 0..<(n - 1) {
      let d = diffs[i]
      let z = 0.6745 * (d - medianDiff) / scale
      guard abs(z) > zThreshold else { continue }
      let after = i + 1
      guard after - k >= 0, after + k <= n else { continue }
      let before = RobustStatistics.median(Array(values[(after - k)..<after]))
      let next = RobustStatistics.median(Array(values[after..<(after + k)]))
      // Remove the trend expected over the gap between the two medians' centres.
      let height = next - before - medianDiff * Double(k)
      guard height.sign == d.sign, abs(height) > 0.5 * abs(d - medianDiff),
        abs(height) > 3 * noise, abs(height) >= minHeightBytes
      else { continue }
      let shift = LevelShift(index: after, time: times[after], heightBytes: height)
      if let last = found.last, after - last.index < k {
        if abs(height) > abs(last.heightBytes) { found[found.count - 1] = shift }
      } else {
        found.append(shift)
      }
    }
    // A step must also stand out against the level's own wander: the pooled robust σ of the
    // floor inside the segments the steps delimit (twice, as rejected steps merge segments).
    for _ in 0..<2 where !found.isEmpty {
      let sigma = Self.pooledSigma(times: times, values: values, cuts: found.map(\.index))
      found = found.filter { abs($0.heightBytes) > levelMultiple * sigma }
    }
    return found
  }

  /// Robust σ of the values around each segment's own Sen line, pooled over the segments
  /// between `cuts` (weighted by segment size), so a trend inside a segment is not noise.
  static func pooledSigma(times: [Double], values: [Double], cuts: [Int]) -> Double {
    var bounds = [0] + cuts + [values.count]
    bounds = bounds.sorted()
    var weighted = 0.0
    var total = 0
    for i in 0..<(bounds.count - 1) {
      let segment = Array(values[bounds[i]..<bounds[i + 1]])
      let segmentTimes = Array(times[bounds[i]..<bounds[i + 1]])
      guard segment.count >= 3,
        let line = SenSlope(times: segmentTimes, values: segment, varianceS: 0)
      else { continue }
      let residuals = segment.indices.map { segment[$0] - line.value(at: segmentTimes[$0]) }
      let sigma = RobustStatistics.sigma(residuals)
      weighted += Double(segment.count) * sigma * sigma
      total += segment.count
    }
    return total > 0 ? (weighted / Double(total)).squareRoot() : 0
  }
}
