import MemtopSampling
import MemtopStore

/// What one chart column shows.
package enum ColumnValue: Sendable, Equatable {
  /// Nothing: before the first sample or after the last.
  case none
  /// Samples are missing here: drawn as a gap, never as zero.
  case gap
  /// The highest value in the column, bytes.
  case value(Double)
}

/// One chart's data for the visible window: pure, built from the timeline.
package struct ChartModel: Sendable, Equatable {
  /// The metric shown.
  package var metric: Metric
  /// The title, e.g. `RSS`.
  package var title: String
  /// The area's colour role.
  package var role: ColorRole
  /// Visible window, elapsed seconds.
  package var start: Double
  package var end: Double
  /// Valid samples in the window (plus the one just before it, to carry the line in).
  package var times: [Double]
  package var values: [Double]
  /// Longest spacing between valid samples that is still a line, seconds; wider is a gap.
  package var gapThreshold: Double
  /// Latest value, min and max since the last reset, bytes.
  package var current: UInt64?
  package var minimum: UInt64?
  package var maximum: UInt64?
  /// Change between the first and last samples of the visible window, bytes (nil with fewer
  /// than two samples). Shown as "Δ in window": a plain difference, not a rate or a verdict
  /// (the analyzer's rate is in the banner).
  package var windowChange: Double?
  /// Marker times in the window, elapsed seconds.
  package var markers: [Double]
  /// Times of a tracing window's snapshots in the window: flagged on the time axis only.
  package var snapshots: [Double] = []
  /// Why this metric cannot be read at all (e.g. `permission`), shown instead of a bare "n/a".
  package var unavailableReason: String? = nil
  /// How to make it readable, drawn in the empty plot.
  package var unavailableFix: String? = nil

  /// Builds the model for `metric` over `[start, end]`.
  ///
  /// - Parameters:
  ///   - interval: the sampling interval, seconds (gaps are judged against it).
  ///   - extremes: min and max since the last reset, bytes.
  package init(
    timeline: Timeline, metric: Metric, title: String, role: ColorRole, start: Double, end: Double,
    interval: Double, extremes: (min: UInt64?, max: UInt64?)
  ) {
    self.metric = metric
    self.title = title
    self.role = role
    self.start = start
    self.end = end
    minimum = extremes.min
    maximum = extremes.max
    let series = timeline.series(metric)
    var first = Self.firstIndex(series.times, atOrAfter: start)
    if first > 0 { first -= 1 }
    var times: [Double] = []
    var values: [Double] = []
    times.reserveCapacity(series.count - first)
    values.reserveCapacity(series.count - first)
    var i = first
    while i < series.count, series.times[i] <= end {
      if !series.values[i].isNaN {
        times.append(series.times[i])
        values.append(series.values[i])
      }
      i += 1
    }
    let marked = timeline.markers.keys.sorted().filter { timeline.elapsed[$0] >= start && timeline.elapsed[$0] <= end }
    let isSnapshot = { (index: Int) in timeline.markers[index] == MemorySample.observerSnapshotMarker }
    let markers = marked.filter { !isSnapshot($0) }.map { timeline.elapsed[$0] }
    snapshots = marked.filter(isSnapshot).map { timeline.elapsed[$0] }
    self.times = times
    self.values = values
    self.markers = markers
    current = series.values.lastIndex { !$0.isNaN }.map { UInt64(saturating: series.values[$0]) }
    gapThreshold = 2.5 * max(interval, Self.medianSpacing(times))
    let a = Self.firstIndex(times, atOrAfter: start)
    let b = times.count - 1
    if a < b, times[b] > times[a] {
      windowChange = values[b] - values[a]
    }
  }

  /// The chart resampled to `columns` columns: each the maximum of its samples, a held value
  /// between samples that are close enough, a gap between samples too far apart.
  package func columns(_ columns: Int) -> [ColumnValue] {
    guard columns > 0, end > start else { return [] }
    let width = (end - start) / Double(columns)
    var result = [ColumnValue](repeating: .none, count: columns)
    var k = 0  // first sample not before the current column
    for c in 0..<columns {
      let lo = start + Double(c) * width
      let hi = lo + width
      while k < times.count, times[k] < lo { k += 1 }
      var best: Double?
      var j = k
      while j < times.count, times[j] < hi || (c == columns - 1 && times[j] <= end) {
        best = max(best ?? values[j], values[j])
        j += 1
      }
      if let best {
        result[c] = .value(best)
        continue
      }
      // No sample here: hold the previous one if the next follows closely, else it is a gap.
      guard k > 0 else { continue }
      let previous = k - 1
      if k < times.count {
        result[c] = times[k] - times[previous] <= gapThreshold ? .value(values[previous]) : .gap
      } else if lo < times[previous] + gapThreshold / 2.5 {
        // The newest value holds for one usual spacing; after that there is nothing yet.
        result[c] = .value(values[previous])
      }
    }
    return result
  }

  /// The value range to plot, bytes: the visible values padded by a tenth, never below zero.
  package static func range(of columns: [ColumnValue]) -> (low: Double, high: Double)? {
    var low = Double.infinity
    var high = -Double.infinity
    for case .value(let v) in columns {
      low = min(low, v)
      high = max(high, v)
    }
    guard low.isFinite else { return nil }
    let pad = high > low ? (high - low) * 0.1 : max(high * 0.05, 1024)
    return (max(low - pad, 0), high + pad)
  }

  static func firstIndex(_ times: [Double], atOrAfter time: Double) -> Int {
    var low = 0
    var high = times.count
    while low < high {
      let mid = (low + high) / 2
      if times[mid] < time { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// The median spacing of (up to the last 65) sample times, seconds.
  static func medianSpacing(_ times: [Double]) -> Double {
    guard times.count > 1 else { return 0 }
    let recent = times.suffix(65)
    var gaps = zip(recent.dropFirst(), recent).map { $0 - $1 }
    gaps.sort()
    return gaps[gaps.count / 2]
  }

  package static func == (a: ChartModel, b: ChartModel) -> Bool {
    a.metric == b.metric && a.start == b.start && a.end == b.end && a.times == b.times && a.values == b.values
      && a.current == b.current && a.minimum == b.minimum && a.maximum == b.maximum && a.markers == b.markers
      && a.snapshots == b.snapshots
  }
}
