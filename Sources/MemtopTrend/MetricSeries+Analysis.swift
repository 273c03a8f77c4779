/// Small lookups the trend analyzer needs.
extension MetricSeries {
  /// Time of the last sample that is not a gap, or nil when every value is NaN.
  package var lastValidTime: Double? {
    var i = count - 1
    while i >= 0 {
      if !values[i].isNaN { return times[i] }
      i -= 1
    }
    return nil
  }

  /// Index of the first sample whose time is ≥ `time` (binary search; `count` when none).
  public func firstIndex(atOrAfter time: Double) -> Int {
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if times[mid] < time { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// Time of the first valid sample of the last run, ending at or before `end`, whose values
  /// all satisfy `holds`, looking back no further than after `start` (gaps are skipped, not
  /// counted as breaking the run); nil when the sample at `end` does not satisfy it.
  ///
  /// Used to place a step at the sample where the new level began, within its floor bin.
  package func startOfRun(after start: Double, through end: Double, where holds: (Double) -> Bool) -> Double? {
    var i = firstIndex(atOrAfter: end)
    if i == count || times[i] > end { i -= 1 }
    var found: Double?
    while i >= 0 && times[i] > start {
      let v = values[i]
      if !v.isNaN {
        guard holds(v) else { break }
        found = times[i]
      }
      i -= 1
    }
    return found
  }

  /// The samples from `time` on, e.g. the current process lifetime after a restart.
  public func suffix(fromTime time: Double) -> MetricSeries {
    let start = firstIndex(atOrAfter: time)
    return MetricSeries(times: Array(times[start...]), values: Array(values[start...]))
  }

  /// The samples from index `start` on.
  public func suffix(fromIndex start: Int) -> MetricSeries {
    let from = Swift.min(Swift.max(start, 0), count)
    return MetricSeries(times: Array(times[from...]), values: Array(values[from...]))
  }

  /// The first `count` samples (e.g. what a live timeline held at an earlier moment).
  public func prefix(_ count: Int) -> MetricSeries {
    let n = Swift.min(Swift.max(count, 0), self.count)
    return MetricSeries(times: Array(times[..<n]), values: Array(values[..<n]))
  }
}
