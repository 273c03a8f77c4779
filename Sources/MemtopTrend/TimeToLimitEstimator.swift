import Foundation

/// Projects when a growing series reaches a memory limit.
///
/// With the floor line f(t) and excursions e = y − f(t) over the analysed window:
/// - estimate: (L − f(now) − p99(e)) / slope — when the usual peaks reach the limit;
/// - earliest: (L − f(now) − max(e)) / upper slope bound — the largest excursion seen, at the
///   fastest plausible rate;
/// - latest: (L − f(now)) / lower slope bound — when even the floor gets there (nil when the
///   lower bound is not positive).
/// All clamped at 0 (already at the limit). One O(n) pass; p99 from a strided subsample.
package enum TimeToLimitEstimator {
  /// The projection from raw samples, or nil when the slope is not positive.
  package static func estimate(
    series: MetricSeries, from start: Double, line: SenSlope, end: Double, limitBytes: Double
  ) -> TimeToLimit? {
    guard line.slope > 0, limitBytes.isFinite else { return nil }
    let e = excursions(series: series, from: start, line: line)
    return estimate(line: line, end: end, limitBytes: limitBytes, p99: e.p99, maxExcursion: e.max)
  }

  /// The projection from known excursions above the floor line (bytes), or nil when the
  /// slope is not positive.
  package static func estimate(
    line: SenSlope, end: Double, limitBytes: Double, p99: Double, maxExcursion: Double
  ) -> TimeToLimit? {
    let slope = line.slope
    guard slope > 0, limitBytes.isFinite else { return nil }
    let headroom = limitBytes - line.value(at: end)
    let estimate = max(0, (headroom - p99) / slope)
    let earliest = max(0, (headroom - maxExcursion) / max(line.high, slope))
    let latest: Double? = line.low > 0 ? max(0, headroom / line.low) : nil
    return TimeToLimit(
      limitBytes: limitBytes, estimateSeconds: estimate, earliestSeconds: min(earliest, estimate),
      latestSeconds: latest.map { max($0, estimate) })
  }

  /// p99 (from a strided subsample) and maximum of y − line(t) over samples from `start` on.
  static func excursions(
    series: MetricSeries, from start: Double, line: SenSlope
  ) -> (p99: Double, max: Double) {
    let first = series.firstIndex(atOrAfter: start)
    let n = series.count
    let cap = 16_384
    let stride = max(1, (n - first) / cap)
    var sample: [Double] = []
    sample.reserveCapacity(cap + 1)
    var maxExcursion = 0.0
    series.times.withUnsafeBufferPointer { t in
      series.values.withUnsafeBufferPointer { y in
        var i = first
        var k = 0
        while i < n {
          let v = y[i]
          if !v.isNaN {
            let e = v - (line.intercept + line.slope * t[i])
            if e > maxExcursion { maxExcursion = e }
            if k % stride == 0 { sample.append(e) }
            k += 1
          }
          i += 1
        }
      }
    }
    let p99 =
      sample.isEmpty ? 0 : max(Selection.select(&sample, Int(Double(sample.count - 1) * 0.99)), 0)
    return (p99, maxExcursion)
  }
}
