import MemtopTrend

/// Where a Python program's memory grows, from its agent's history: the `"python"` object of
/// `analyze --json`, the text section of `analyze`, the live panel and replay's.
///
/// Every slope is the project's Sen slope (MemtopTrend) over the agent's points: caches and
/// types over the last ``recentSeconds`` of their readings, lines over their snapshots. Only
/// what grows (slope > 0) is listed among lines and types. The share of RSS growth is the
/// traced slope over the RSS slope on the same tracing window (nil without tracing, or when
/// RSS does not grow then); `rss` is the watch's observer-free RSS. Each list says the window
/// its figures cover and when it was read (``Span``), so a surface can say their age.
public struct PythonReport: Sendable, Equatable, Encodable {
  public struct Cache: Sendable, Equatable {
    public var function: String
    package var currsize: Int
    /// nil: `maxsize=None`.
    public var maxsize: Int?
    /// Entries per second, nil with fewer than two readings.
    public var growthPerSecond: Double?
    /// Estimated bytes its entries hold, when the agent sized it.
    public var approxBytes: Int?

    /// Bytes per second its growth adds (entries per second × bytes per entry), when sized.
    public var bytesPerSecond: Double? {
      guard let growthPerSecond, let approxBytes, currsize > 0 else { return nil }
      return growthPerSecond * Double(approxBytes) / Double(currsize)
    }

    /// Bytes it holds once full (bounded, sized), else nil.
    public var fullBytes: Double? {
      guard let maxsize, let approxBytes, currsize > 0 else { return nil }
      return Double(approxBytes) / Double(currsize) * Double(maxsize)
    }
  }

  /// The watch seconds a list's figures cover: from its first reading in the window to its
  /// latest. A surface says `over the last 2 min, 40 s ago` against ``now``.
  public struct Span: Sendable, Equatable {
    public var from: Double
    public var to: Double

    public init(from: Double, to: Double) {
      self.from = from
      self.to = to
    }
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
  /// Its command line as the agent said it (`pool.py --jobs 4`), escaped; nil before hello.
  public var command: String?
  /// Whether it is a worker of the tree (not the process watched): set by whoever chose it.
  public var worker = false
  /// The watch's seconds at the newest reading (of the agent or of RSS): the figures' age is
  /// counted from here.
  public var now: Double?
  /// The windows the figures cover: caches, types, lines, retainers (one census).
  public var cacheSpan: Span?
  public var typeSpan: Span?
  public var lineSpan: Span?
  public var retainerSpan: Span?
  /// The tracing window the share is measured on.
  public var tracedSpan: Span?
  /// What the report says about the growth the verdict judged, once joined with it.
  public var evidence: PythonEvidence?
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
  /// Seconds of readings the caches' and types' slopes are fitted on: their recent growth,
  /// not the program's whole history.
  public static let recentSeconds = 120.0
  /// Most points a Sen slope is fitted on (it is quadratic in them).
  static let slopePoints = 200

  /// The report on the main agent of `history` (the process `preferring` when it has
  /// samples); `rss` are the watch's (elapsed seconds, observer-free RSS bytes) points. Nil
  /// with no samples.
  public init?(history: PythonHistory, rss: [(time: Double, bytes: Double)], preferring: Int32? = nil) {
    self.init(history: history, rss: rss, preferring: preferring.map { [$0] } ?? [])
  }

  /// The report on the first agent of `preferring` with samples (the leaking member, then
  /// the process watched), else the one with the most samples; a chosen agent other than the
  /// last of `preferring` (the process watched) is a ``worker``.
  public init?(history: PythonHistory, rss: [(time: Double, bytes: Double)], preferring: [Int32]) {
    guard let agent = history.mainAgent(preferring: preferring), agent.samples > 0 else { return nil }
    self.init(agent: agent, rss: rss)
    if let watched = preferring.last, preferring.count > 1 { worker = agent.pid != watched }
  }

  init(agent: PythonHistory.Agent, rss: [(time: Double, bytes: Double)]) {
    pid = agent.pid
    python = agent.hello.map { "\($0.python) \($0.implementation)" }
    command = agent.hello.flatMap { $0.argv.isEmpty ? nil : $0.argv.joined(separator: " ") }
    now = [agent.lastElapsed, rss.last?.time].compactMap { $0 }.max()
    retainerSpan = agent.retainersAt.map { Span(from: $0, to: $0) }
    gc = agent.gc
    tracing = agent.tracing
    censusMilliseconds = agent.censusMilliseconds
    notes = agent.notes
    observerBytes = agent.observerBytes
    retainers = agent.retainers.filter { $0.growthPerSecond > 0 }
    caches = agent.caches.values.map { cache in
      Cache(
        function: cache.function, currsize: cache.currsize, maxsize: cache.maxsize,
        growthPerSecond: agent.cacheSeries[cache.function].flatMap { Self.slope(Self.recent($0)) },
        approxBytes: cache.approxBytes)
    }.sorted { ($0.growthPerSecond ?? 0, $1.function) > ($1.growthPerSecond ?? 0, $0.function) }
    caches = Array(caches.prefix(Self.listLimit * 2))
    cacheSpan = Self.span(agent.cacheSeries.values.map(Self.recent))
    lineSpan = Self.span(Array(agent.lineSeries.values))
    typeSpan = Self.span(agent.typeSeries.values.map(Self.recent))
    // Only what grows is listed: a line or type whose slope is zero or less is not "top".
    topLines = agent.lineSeries.compactMap { location, series -> Line? in
      guard !PythonHistory.isObserverFrame(location), let slope = Self.slope(series), slope > 0 else { return nil }
      return Line(location: location, bytes: Int(series.last ?? 0), slopeBytesPerSecond: slope)
    }.sorted {
      ($0.slopeBytesPerSecond ?? -.infinity, $0.bytes, $1.location) > (
        $1.slopeBytesPerSecond ?? -.infinity, $1.bytes, $0.location
      )
    }
    topLines = Array(topLines.prefix(Self.listLimit))
    types = agent.typeSeries.compactMap { name, series -> TypeCount? in
      guard let slope = Self.slope(Self.recent(series)), slope > 0 else { return nil }
      return TypeCount(type: name, count: Int(series.last ?? 0), countSlopePerSecond: slope)
    }.sorted {
      ($0.countSlopePerSecond ?? -.infinity, $0.count, $1.type) > (
        $1.countSlopePerSecond ?? -.infinity, $1.count, $0.type
      )
    }
    types = Array(types.prefix(Self.listLimit))
    tracedSpan = Self.span([agent.traced])
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

  /// The last ``recentSeconds`` of `series`.
  static func recent(_ series: BoundedSeries) -> BoundedSeries {
    guard let last = series.times.last, let first = series.times.first, last - first > recentSeconds else {
      return series
    }
    var out = BoundedSeries()
    for (time, value) in zip(series.times, series.values) where time >= last - recentSeconds {
      out.append(time, value)
    }
    return out
  }

  /// From the earliest first reading to the latest of `series`; nil when none has a reading.
  static func span(_ series: [BoundedSeries]) -> Span? {
    let firsts = series.compactMap(\.times.first)
    let lasts = series.compactMap(\.times.last)
    guard let from = firsts.min(), let to = lasts.max() else { return nil }
    return Span(from: from, to: to)
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
    case evidence
    case command
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
    case approxBytes = "approx_bytes"
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
    try c.encodeIfPresent(command, forKey: .command)
    try c.encodeIfPresent(evidence, forKey: .evidence)
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
      try entry.encodeIfPresent(cache.approxBytes, forKey: .approxBytes)
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
