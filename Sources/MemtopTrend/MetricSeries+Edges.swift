import Foundation

/// Known edges: moments memtop itself changed what a series holds (a Python tracing window
/// opening or closing, marked on the first row read after the agent said so). The observer's
/// bytes are subtracted from every row, but the agent reports them once a second and a window's
/// hand-back, its last snapshot and its tables' growth land between reports: left alone, the
/// few rows around an edge make a step that the analyzer would read as a level shift (and then
/// judge only the seconds after it) or a GC-like drop.
extension MetricSeries {
  /// The series carried across known edges at `edges` (times of the marked rows).
  ///
  /// Edges less than a transition apart (a last snapshot and the window's close) are taken as
  /// one. The transition is the `span` seconds before the marked row (by default the larger of
  /// 2.5 s and 2.5 sample intervals): its rows were read while the observer's bytes were in
  /// flux. Each side is up to `sideSamples` valid samples; under one slope (the median of the
  /// pairwise slopes within each side) the jump is the difference of the sides' median
  /// intercepts. Everything before the transition moves by the jump and the transition's rows
  /// stand on the line the sides agree on (left as gaps, a steep series would jump across
  /// them), so growth through the edge is kept, only the step goes, and the latest values
  /// stay as read. A side with fewer than three samples (an edge at the very start) moves
  /// nothing.
  ///
  /// O(edges × sideSamples²); the series is returned unchanged when `edges` is empty.
  public func stitched(atEdges edges: [Double], span: Double? = nil, sideSamples: Int = 20) -> MetricSeries {
    guard !edges.isEmpty, count >= 2 else { return self }
    var out = self
    let transition = span ?? max(2.5, 2.5 * medianInterval)
    var groups: [(first: Double, last: Double)] = []
    for edge in edges.sorted() {
      if let last = groups.last, edge - last.last <= transition {
        groups[groups.count - 1].last = edge
      } else {
        groups.append((edge, edge))
      }
    }
    // Latest first: each edge moves what came before it, the series' end stays as read.
    for group in groups.reversed() {
      let marked = firstIndex(atOrAfter: group.last)
      guard marked < count else { continue }
      let start = firstIndex(atOrAfter: group.first - transition)
      let before = Self.validIndices(out.values, from: start - 1, step: -1, limit: sideSamples)
      let after = Self.validIndices(out.values, from: marked, step: 1, limit: sideSamples)
      guard before.count >= 3, after.count >= 3 else { continue }
      let slopes =
        Self.pairSlopes(before, times: out.times, values: out.values)
        + Self.pairSlopes(after, times: out.times, values: out.values)
      guard !slopes.isEmpty else { continue }
      let slope = RobustStatistics.median(slopes)
      guard slope.isFinite else { continue }
      let level = { (side: [Int]) in RobustStatistics.median(side.map { out.values[$0] - slope * out.times[$0] }) }
      let base = level(after)
      let jump = base - level(before)
      guard jump.isFinite else { continue }
      for i in start..<marked where !out.values[i].isNaN {
        out.values[i] = max(0, base + slope * out.times[i])
      }
      for i in 0..<start where !out.values[i].isNaN {
        out.values[i] = max(0, out.values[i] + jump)
      }
    }
    return out
  }

  /// The median spacing of consecutive samples, seconds (0 with fewer than two).
  var medianInterval: Double {
    guard count >= 2 else { return 0 }
    return RobustStatistics.median(zip(times.dropFirst(), times).map { $0 - $1 })
  }

  /// Up to `limit` indices of non-NaN values, walking from `from` by `step`.
  private static func validIndices(_ values: [Double], from: Int, step: Int, limit: Int) -> [Int] {
    var found: [Int] = []
    var i = from
    while i >= 0 && i < values.count && found.count < limit {
      if !values[i].isNaN { found.append(i) }
      i += step
    }
    return found
  }

  /// The slopes between every pair of `indices` whose times differ.
  private static func pairSlopes(_ indices: [Int], times: [Double], values: [Double]) -> [Double] {
    var slopes: [Double] = []
    for a in indices.indices {
      for b in indices.indices where b > a {
        let (i, j) = (indices[a], indices[b])
        let dt = times[j] - times[i]
        if dt != 0 { slopes.append((values[j] - values[i]) / dt) }
      }
    }
    return slopes
  }
}
