import Foundation

/// The lower envelope of a memory series: the level the process keeps returning to.
///
/// Leaks raise the floor; garbage-collector sawtooth, temporaries and spikes only move the
/// peaks. When the samples show at least four GC-like drops the floor is each cycle's trough
/// (grouped by median when there are more cycles than points allowed); otherwise it is the
/// minimum of equal-count bins of valid samples. One O(n) pass over the samples, plus sorting
/// a bounded subsample; NaN gaps are skipped.
public struct FloorSeries: Sendable, Equatable {
  /// How the floor points were formed.
  public enum Method: String, Sendable, Equatable {
    /// Troughs of garbage-collection cycles.
    case gcCycles = "gc-cycles"
    /// Minima of equal-count bins.
    case binMinima = "bin-minima"
  }

  /// Times of the floor points, in seconds, increasing.
  public var times: [Double]
  /// Floor values in bytes.
  public var values: [Double]
  /// How the points were formed.
  public var method: Method
  /// Number of valid (non-NaN) samples the floor summarises.
  package var sampleCount: Int
  /// Robust σ (MAD × 1.4826) of consecutive raw-sample differences, in bytes.
  package var differenceSigma: Double
  /// Median raw value, in bytes.
  public var level: Double
  /// Number of GC-like drops seen (sharp falls that do not end a spike).
  package var gcDropCount = 0
  /// The largest GC-like drop, bytes (0 when none).
  package var largestGCDrop = 0.0
  /// The highest raw reading the floor summarises, bytes (NaN when unknown).
  package var peak = Double.nan

  /// Number of floor points.
  public var count: Int { times.count }

  public init(
    times: [Double], values: [Double], method: Method, sampleCount: Int,
    differenceSigma: Double, level: Double
  ) {
    self.times = times
    self.values = values
    self.method = method
    self.sampleCount = sampleCount
    self.differenceSigma = differenceSigma
    self.level = level
  }

  /// Builds the floor of `series` over sample indices `range`.
  ///
  /// - Parameters:
  ///   - maxPoints: upper bound on the number of floor points (statistics are O(points²)).
  ///   - minSamplesPerBin: the smallest bin used by the bin-minima method.
  public static func build(
    from series: MetricSeries, range: Range<Int>? = nil, maxPoints: Int = 256,
    minSamplesPerBin: Int = 5
  ) -> FloorSeries {
    let r = range ?? 0..<series.count
    return series.times.withUnsafeBufferPointer { t in
      series.values.withUnsafeBufferPointer { y in
        build(t: t, y: y, range: r, maxPoints: max(maxPoints, 2), minBin: max(minSamplesPerBin, 1))
      }
    }
  }

  // MARK: - Implementation

  private static func build(
    t: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, range: Range<Int>,
    maxPoints: Int, minBin: Int
  ) -> FloorSeries {
    let (sigma, level) = robustScales(t: t, y: y, range: range)
    let threshold = max(8 * sigma, 0.01 * abs(level))
    let scan = gcTroughs(t: t, y: y, range: range, threshold: threshold, maxPoints: maxPoints)
    let valid = scan.valid
    if valid >= 8 && threshold > 0, let gc = scan.troughs {
      var floor = FloorSeries(
        times: gc.times, values: gc.values, method: .gcCycles, sampleCount: valid,
        differenceSigma: sigma, level: level)
      floor.gcDropCount = scan.drops
      floor.largestGCDrop = scan.largest
      floor.peak = scan.peak
      return floor
    }
    let binSize = max(minBin, (valid + maxPoints - 1) / max(maxPoints, 1))
    var times: [Double] = []
    var values: [Double] = []
    times.reserveCapacity(valid / binSize + 1)
    values.reserveCapacity(valid / binSize + 1)
    // Each bin contributes its minimum at the bin's mid time: pairing the minimum with its
    // own time would bias the slope (with a trend, minima fall early in a bin less often).
    var inBin = 0
    var binMin = Double.infinity
    var firstTime = 0.0
    var lastTime = 0.0
    for i in range {
      let v = y[i]
      if v.isNaN { continue }
      if inBin == 0 { firstTime = t[i] }
      lastTime = t[i]
      if v < binMin { binMin = v }
      inBin += 1
      if inBin == binSize {
        times.append((firstTime + lastTime) / 2)
        values.append(binMin)
        inBin = 0
        binMin = .infinity
      }
    }
    // A trailing partial bin counts when it is at least half full.
    if inBin * 2 >= binSize && inBin > 0 {
      times.append((firstTime + lastTime) / 2)
      values.append(binMin)
    }
    var floor = FloorSeries(
      times: times, values: values, method: .binMinima, sampleCount: valid,
      differenceSigma: sigma, level: level)
    floor.gcDropCount = threshold > 0 ? scan.drops : 0
    floor.largestGCDrop = threshold > 0 ? scan.largest : 0
    floor.peak = scan.peak
    return floor
  }

  /// Robust σ of first differences and the median level, from a strided subsample.
  private static func robustScales(
    t: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, range: Range<Int>
  ) -> (sigma: Double, level: Double) {
    let cap = 4096
    let stride = max(1, range.count / cap)
    var diffs: [Double] = []
    var levels: [Double] = []
    diffs.reserveCapacity(cap + 1)
    levels.reserveCapacity(cap + 1)
    var i = range.lowerBound + 1
    while i < range.upperBound {
      let a = y[i - 1]
      let b = y[i]
      if !a.isNaN && !b.isNaN { diffs.append(b - a) }
      if !b.isNaN { levels.append(b) }
      i += stride
    }
    let level = levels.isEmpty ? 0 : RobustStatistics.median(levels)
    guard diffs.count >= 2 else { return (0, level) }
    return (RobustStatistics.mad(diffs) * 1.4826, level)
  }

  /// Cycle troughs when at least four GC-like drops exist, else nil; and the number of valid
  /// samples (the same pass counts them).
  ///
  /// A drop is a fall larger than `threshold` between consecutive valid samples. A drop that
  /// follows a single jump up of at least half its own size since the previous drop ends a
  /// spike or undoes a step, and is not a GC cycle boundary; a sawtooth climbs back in many
  /// increments, each small next to the drop, however fast it allocates.
  private static func gcTroughs(
    t: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, range: Range<Int>,
    threshold: Double, maxPoints: Int
  ) -> (troughs: (times: [Double], values: [Double])?, valid: Int, drops: Int, largest: Double, peak: Double) {
    var valid = 0
    var peak = -Double.infinity
    var largest = 0.0
    var troughTimes: [Double] = []
    var troughValues: [Double] = []
    var drops = 0
    var largestRiseSinceDrop = 0.0
    var previous = Double.nan
    var cycleMin = Double.infinity
    var cycleTime = 0.0
    var inCycle = false
    for i in range {
      let v = y[i]
      if v.isNaN { continue }
      valid += 1
      if v > peak { peak = v }
      if !previous.isNaN {
        let d = v - previous
        if d < -threshold {
          if largestRiseSinceDrop < -d / 2 {
            drops += 1
            largest = max(largest, -d)
            if inCycle {
              troughTimes.append(cycleTime)
              troughValues.append(cycleMin)
            }
            inCycle = true
            cycleMin = .infinity
          }
          largestRiseSinceDrop = 0
        } else if d > largestRiseSinceDrop {
          largestRiseSinceDrop = d
        }
      }
      if inCycle && v < cycleMin {
        cycleMin = v
        cycleTime = t[i]
      }
      previous = v
    }
    if inCycle && cycleMin.isFinite {
      troughTimes.append(cycleTime)
      troughValues.append(cycleMin)
    }
    if !peak.isFinite { peak = .nan }
    guard drops >= 4, troughValues.count >= 4 else { return (nil, valid, drops, largest, peak) }
    if troughValues.count <= maxPoints {
      return ((troughTimes, troughValues), valid, drops, largest, peak)
    }
    // Group consecutive troughs; each group contributes its median trough.
    let group = (troughValues.count + maxPoints - 1) / maxPoints
    var times: [Double] = []
    var values: [Double] = []
    var start = 0
    while start < troughValues.count {
      let end = min(start + group, troughValues.count)
      let slice = Array(troughValues[start..<end])
      let order = slice.indices.sorted { slice[$0] < slice[$1] }
      let mid = order[(order.count - 1) / 2]
      times.append(troughTimes[start + mid])
      values.append(slice[mid])
      start = end
    }
    return ((times, values), valid, drops, largest, peak)
  }
}
