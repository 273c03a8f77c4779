import MemtopAnalysis
import MemtopSampling
import MemtopStore

/// One series the charts can show: its samples, its live analysis and its min/max.
public struct ChartedSeries: Sendable {
  /// Samples the live charts keep before thinning their history (about 1 MB): 2.3 h at 1 Hz
  /// at full resolution, and always far more points than a terminal has columns.
  public static let liveCapacity = 1 << 13
  /// Samples each tree member's live charts keep.
  package static let memberCapacity = 1 << 11

  /// The samples of the series (the live view's bounded, see ``Timeline/capacity``).
  public var timeline = Timeline()
  /// The analyzer run live on it.
  package var analysis = LiveAnalysis()
  /// Memory by kind and the counts, judged at the detailed reads' cadence.
  public var regions = LiveRegionAnalysis()
  /// Min and max since the last reset.
  package var extremes = Extremes()

  package init() {}

  /// A series that keeps at most `capacity` samples, thinning its history evenly past it.
  public init(capacity: Int?) {
    if let capacity { timeline = Timeline(capacity: capacity) }
  }

  /// Adds a sample everywhere.
  ///
  /// A sample of another process lifetime (a followed service restarted) starts a new
  /// segment: the analysis and min/max start afresh, so two lifetimes are never spliced.
  public mutating func append(_ sample: MemorySample, limitBytes: Double?) {
    timeline.append(sample)
    if timeline.startsLifetime(timeline.count - 1) {
      analysis = LiveAnalysis(evaluateEvery: analysis.evaluateEvery, tree: analysis.isTree)
      regions = LiveRegionAnalysis()
      extremes = Extremes()
    }
    extremes.add(sample)
    analysis.append(sample, limitBytes: limitBytes)
    regions.append(sample)
  }

  /// Restarts min/max from the latest sample.
  package mutating func resetExtremes() {
    extremes.reset()
    if !timeline.isEmpty { extremes.add(timeline[timeline.count - 1]) }
  }
}

/// One process of a watched tree, with its own series.
package struct MemberSeries: Sendable {
  /// Process id.
  package var pid: Int32
  /// Start time in clock ticks: with `pid`, the identity.
  package var startTicks: UInt64?
  /// Command name (untrusted; sanitised when drawn).
  package var name: String
  /// Whether it has left the tree (exited).
  package var gone = false
  /// Its samples.
  package var series = ChartedSeries()

  package init(pid: Int32, startTicks: UInt64?, name: String, capacity: Int? = nil) {
    self.pid = pid
    self.startTicks = startTicks
    self.name = name
    series = ChartedSeries(capacity: capacity)
  }
}
