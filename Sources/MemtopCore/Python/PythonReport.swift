import MemtopTrend

/// Where a Python program's memory grows, from its agent's history: the `"python"` object of
/// `analyze --json`, the text section of `analyze`, the live panel and replay's.
///
/// Every slope is the project's Sen slope (MemtopTrend) over the agent's points. The share of
/// RSS growth is the traced slope over the RSS slope on the same tracing window (nil without
/// tracing, or when RSS does not grow then).
public struct PythonReport: Sendable, Equatable, Encodable {
  public struct Cache: Sendable, Equatable {
    public var function: String
    package var currsize: Int
    /// nil: `maxsize=None`.
    public var maxsize: Int?
    /// Entries per second, nil with fewer than two readings.
    public var growthPerSecond: Double?
  }

  public struct Line: Sendable, Equatable {
    /// `path/file.py:LINE`.
    package var location: String
    public var bytes: Int
    public var slopeBytesPerSecond: Double?
  }

  public struct TypeCount: Sendable, Equatable {
    public var type: String
    public var count: Int
    public var countSlopePerSecond: Double?
  }

  /// The agent's process and interpreter (`3.11.7 cpython`), when it said hello.
  public var pid: Int32
  public var python: String?
  /// Traced over RSS growth on the tracing window, 0...1; nil without tracing or RSS growth.
  package var shareOfRSSGrowth: Double?
  /// Bytes tracemalloc traced at the last reading.
  package var tracedBytes: Int?
  package var tracedSlopeBytesPerSecond: Double?
  /// RSS growth over the tracing window, bytes per second.
  package var rssSlopeBytesPerSecond: Double?
  /// Caches, fastest growing first.
  public var caches: [Cache]
  /// Lines, largest slope first.
  public var topLines: [Line]
  /// Types, fastest growing first.
  public var types: [TypeCount]
  public var gc: GCState?
  /// Whether tracemalloc runs now.
  public var tracing: Bool
  package var censusMilliseconds: Double?
  public var notes: [String]
  /// Bytes the agent held itself at its latest sample (subtracted before judging).
  public var observerBytes: Int?
  /// Growing containers, named (who holds the memory), largest growth first.
  public var retainers: [Retainer]

  /// Most entries of each list.
  package static let listLimit = 10
  /// Most points a Sen slope is fitted on (it is quadratic in them).
  static let slopePoints = 200

  /// The report on the main agent of `history` (the process `preferring` when it has
  /// samples); `rss` are the watch's (elapsed seconds, RSS bytes) points. Nil with no samples.
  public init?(history: PythonHistory, rss: [(time: Double, bytes: Double)], preferring: Int32? = nil) {
    guard let agent = history.mainAgent(preferring: preferring), agent.samples > 0 else { return nil }
    pid = agent.pid
    python = agent.hello.map { "\($0.python) \($0.implementation)" }
    gc = agent.gc
    tracing = agent.tracing
    censusMilliseconds = agent.censusMilliseconds
    notes = agent.notes
    observerBytes = agent.observerBytes
    retainers = agent.retainers.filter { $0.growthPerSecond > 0 }
    caches = agent.caches.values.map { cache in
      Cache(
        function: cache.function, currsize: cache.currsize, maxsize: cache.maxsize,
        growthPerSecond: agent.cacheSeries[cache.function].flatMap(Self.slope))
    }.sorted { ($0.growthPerSecond ?? 0, $1.function) > ($1.growthPerSecond ?? 0, $0.function) }
    caches = Array(caches.prefix(Self.listLimit * 2))
    topLines = agent.lineSeries.map { location, series in
      Line(location: location, bytes: Int(series.last ?? 0), slopeBytesPerSecond: Self.slope(series))
    }.sorted {
      ($0.slopeBytesPerSecond ?? -.infinity, $0.bytes, $1.location) > (
        $1.slopeBytesPerSecond ?? -.infinity, $1.bytes, $0.location
      )
    }
    topLines = Array(topLines.prefix(Self.listLimit))
    types = agent.typeSeries.map { name, series in
      TypeCount(type: name, count: Int(series.last ?? 0), countSlopePerSecond: Self.slope(series))
    }.sorted {
      ($0.countSlopePerSecond ?? -.infinity, $0.count, $1.type) > (
        $1.countSlopePerSecond ?? -.infinity, $1.count, $0.type
      )
    }
    types = Array(types.prefix(Self.listLimit))
    tracedBytes = agent.traced.last.map { Int($0) }
    tracedSlopeBytesPerSecond = Self.slope(agent.traced)
    if let tracedSlope = tracedSlopeBytesPerSecond, let from = agent.traced.times.first,
      let to = agent.traced.times.last, to > from
    {
      var window = BoundedSeries()
      for point in rss where point.time >= from && point.time <= to { window.append(point.time, point.bytes) }
      rssSlopeBytesPerSecond = Self.slope(window)
      if let rssSlope = rssSlopeBytesPerSecond, rssSlope > 0 {
        shareOfRSSGrowth = min(max(tracedSlope / rssSlope, 0), 1)
      }
    }
  }

  /// The Sen slope of `series` per second (evenly thinned to ``slopePoints``); nil with fewer
  /// than two distinct times.
  static func slope(_ series: BoundedSeries) -> Double? {
    guard series.count >= 2 else { return nil }
    var times = series.times
    var values = series.values
    if times.count > slopePoints {
      let step = Double(times.count - 1) / Double(slopePoints - 1)
      let picks = (0..<slopePoints).map { Int((Double($0) * step).rounded()) }
      times = picks.map { series.times[$0] }
      values = picks.map { series.values[$0] }
    }
    guard let fit = SenSlope(times: times, values: values), fit.slope.isFinite else { return nil }
    return fit.slope
  }

  // MARK: - JSON

  enum Keys: String, CodingKey {
    case shareOfRSSGrowth = "share_of_rss_growth"
    case tracedBytes = "traced_bytes"
    case tracedSlope = "traced_slope_bytes_per_s"
    case caches
    case topLines = "top_lines"
    case types
    case gc
    case pid
    case python
    case rssSlope = "rss_slope_bytes_per_s"
    case tracing
    case observerBytes = "observer_bytes"
    case retainers
  }

  enum RetainerKeys: String, CodingKey {
    case path, type, length
    case growth = "growth_per_s"
    case approxBytes = "approx_bytes"
    case definedAt = "defined_at"
  }

  enum CacheKeys: String, CodingKey {
    case function, currsize, maxsize
    case growth = "growth_per_s"
  }

  enum LineKeys: String, CodingKey {
    case location, bytes
    case slope = "slope_bytes_per_s"
  }

  enum TypeKeys: String, CodingKey {
    case type, count
    case slope = "count_slope_per_s"
  }

  enum GCKeys: String, CodingKey {
    case enabled, counts, collections, collected, uncollectable, garbage
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(shareOfRSSGrowth, forKey: .shareOfRSSGrowth)
    try c.encode(tracedBytes, forKey: .tracedBytes)
    try c.encode(tracedSlopeBytesPerSecond, forKey: .tracedSlope)
    try c.encode(rssSlopeBytesPerSecond, forKey: .rssSlope)
    try c.encode(pid, forKey: .pid)
    try c.encode(python, forKey: .python)
    try c.encode(tracing, forKey: .tracing)
    try c.encode(observerBytes, forKey: .observerBytes)
    var retainerList = c.nestedUnkeyedContainer(forKey: .retainers)
    for retainer in retainers {
      var entry = retainerList.nestedContainer(keyedBy: RetainerKeys.self)
      try entry.encode(retainer.path, forKey: .path)
      try entry.encode(retainer.type, forKey: .type)
      try entry.encode(retainer.length, forKey: .length)
      try entry.encode(retainer.growthPerSecond, forKey: .growth)
      try entry.encode(retainer.approxBytes, forKey: .approxBytes)
      try entry.encode(retainer.definedAt, forKey: .definedAt)
    }
    var cacheList = c.nestedUnkeyedContainer(forKey: .caches)
    for cache in caches {
      var entry = cacheList.nestedContainer(keyedBy: CacheKeys.self)
      try entry.encode(cache.function, forKey: .function)
      try entry.encode(cache.currsize, forKey: .currsize)
      try entry.encode(cache.maxsize, forKey: .maxsize)
      try entry.encode(cache.growthPerSecond, forKey: .growth)
    }
    var lineList = c.nestedUnkeyedContainer(forKey: .topLines)
    for line in topLines {
      var entry = lineList.nestedContainer(keyedBy: LineKeys.self)
      try entry.encode(line.location, forKey: .location)
      try entry.encode(line.bytes, forKey: .bytes)
      try entry.encode(line.slopeBytesPerSecond, forKey: .slope)
    }
    var typeList = c.nestedUnkeyedContainer(forKey: .types)
    for type in types {
      var entry = typeList.nestedContainer(keyedBy: TypeKeys.self)
      try entry.encode(type.type, forKey: .type)
      try entry.encode(type.count, forKey: .count)
      try entry.encode(type.countSlopePerSecond, forKey: .slope)
    }
    if let gc {
      var entry = c.nestedContainer(keyedBy: GCKeys.self, forKey: .gc)
      try entry.encode(gc.enabled, forKey: .enabled)
      try entry.encode(gc.counts, forKey: .counts)
      try entry.encode(gc.collections, forKey: .collections)
      try entry.encode(gc.collected, forKey: .collected)
      try entry.encode(gc.uncollectable, forKey: .uncollectable)
      try entry.encode(gc.garbage, forKey: .garbage)
    } else {
      try c.encodeNil(forKey: .gc)
    }
  }
}
