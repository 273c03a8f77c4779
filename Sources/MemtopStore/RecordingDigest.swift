import MemtopSampling
import MemtopTrend

/// What a headless recording keeps in memory for its end-of-run verdict: bounded for any length.
///
/// Every sample goes to the recording file; in memory the digest keeps, for the metrics the
/// verdict can be judged on (`RecordingAnalysis.treeMetrics`: a process's or a tree's):
/// - a ``FloorPyramid`` per metric (per-bin minimum, maximum and count at every resolution),
///   O(log n) in size, always;
/// - the full-resolution series too, compactly (elapsed seconds as 8 bytes, each value as 4
///   bytes of KiB: 24 bytes a sample, against 108 for a ``Timeline`` row), until
///   `fullResolutionCapacity` samples. Past that it is released and the verdict is read from the
///   pyramids, so memory stays flat however long the recording runs.
///
/// A change of process (another PID, or the PID reused with another start time) starts a new
/// lifetime: the digest then holds the last lifetime only, as `RecordingAnalysis` would analyse.
public struct RecordingDigest: Sendable {
  private static let absent = UInt32.max
  /// The metrics kept by default: every metric a process's or a tree's verdict is judged on
  /// (`RecordingAnalysis.treeMetrics` in the analysis above, which a test holds equal).
  public static let verdictMetrics: [Metric] = [.pss, .rss, .anon, .heap]

  /// The metrics kept.
  public let metrics: [Metric]
  /// What one packed unit of each metric is worth: 1024 bytes for memory, 1 for a count.
  private let units: [UInt64]

  /// Samples kept at full resolution before switching to the pyramids alone.
  package let fullResolutionCapacity: Int
  /// Samples in the current lifetime.
  public private(set) var count = 0
  /// Samples over every lifetime.
  package private(set) var totalCount = 0
  /// Earlier lifetimes (another PID) left out.
  package private(set) var skippedLifetimes = 0
  /// The PID of the current lifetime.
  public private(set) var pid: Int32 = 0
  /// The start time (clock ticks after boot) of the current lifetime's process, when known.
  public private(set) var startTicks: UInt64?
  /// Whether the samples are a process tree's totals (`--children`).
  public private(set) var isTreeTotal = false
  /// Elapsed seconds of the lifetime's first and of the latest sample.
  package private(set) var firstElapsed: Double?
  package private(set) var lastElapsed: Double?
  /// Whether the full-resolution series are still held (else only the pyramids).
  public private(set) var isFullResolution = true
  /// Bin summaries per metric, in ``metrics`` order.
  package private(set) var pyramids: [FloorPyramid]
  private var maxima: [UInt64?]
  private var readingCounts: [Int]
  private var firsts: [UInt64?]
  private var latests: [UInt64?]
  private var elapsed: [Double] = []
  /// Elapsed seconds of this lifetime's rows marked as the observer's own edges (at most
  /// ``maxObserverEdges``, the latest kept).
  public private(set) var observerEdges: [Double] = []
  /// The command line this lifetime's rows last named.
  private var command: String?
  /// The row (index, elapsed seconds) where a launcher's exec in the lifetime's first
  /// ``MemorySample/startupExecSeconds`` made it the program: judging starts there.
  public private(set) var programStart: (index: Int, elapsed: Double)?
  static let maxObserverEdges = 256
  private var kibibytes: [[UInt32]]

  /// Creates an empty digest holding at most `fullResolutionCapacity` full-resolution samples
  /// (the default, 2¹⁷, is 3.1 MB: 3.6 hours at 10 Hz, 36 hours at 1 Hz).
  ///
  /// - Parameter metrics: the metrics to keep (memory in bytes, packed as KiB; counts as they are).
  public init(fullResolutionCapacity: Int = 1 << 17, metrics: [Metric] = RecordingDigest.verdictMetrics) {
    self.fullResolutionCapacity = max(fullResolutionCapacity, 0)
    self.metrics = metrics
    units = metrics.map { $0.isCount ? 1 : 1024 }
    pyramids = metrics.map { _ in FloorPyramid.bounded() }
    maxima = metrics.map { _ in nil }
    readingCounts = metrics.map { _ in 0 }
    firsts = maxima
    latests = maxima
    kibibytes = metrics.map { _ in [] }
  }

  /// Adds a sample.
  public mutating func append(_ sample: MemorySample) {
    let reused = startTicks != nil && sample.startTicks != nil && sample.startTicks != startTicks
    if count > 0 && (sample.pid != pid || reused) {
      let capacity = fullResolutionCapacity
      let (total, skipped) = (totalCount, skippedLifetimes + 1)
      self = RecordingDigest(fullResolutionCapacity: capacity, metrics: metrics)
      (totalCount, skippedLifetimes) = (total, skipped)
    }
    let sinceFirst = sample.elapsed - (firstElapsed ?? sample.elapsed)
    if count > 0, let named = sample.command, named != command, sinceFirst <= MemorySample.startupExecSeconds {
      // A launcher became the program: what is judged starts here (the rows before are kept,
      // counted and shown).
      programStart = (index: count, elapsed: sample.elapsed)
    }
    pid = sample.pid
    startTicks = sample.startTicks
    if let named = sample.command { command = named }
    if sample.processes != nil { isTreeTotal = true }
    count += 1
    totalCount += 1
    if firstElapsed == nil { firstElapsed = sample.elapsed }
    lastElapsed = sample.elapsed
    if sample.marksObserverEdge {
      observerEdges.append(sample.elapsed)
      if observerEdges.count > Self.maxObserverEdges { observerEdges.removeFirst() }
    }
    for (i, metric) in metrics.enumerated() {
      let value = sample[metric]
      pyramids[i].append(time: sample.elapsed, value: value.map { Double($0) } ?? .nan)
      if let value {
        maxima[i] = max(maxima[i] ?? 0, value)
        readingCounts[i] += 1
        if firsts[i] == nil { firsts[i] = value }
        latests[i] = value
      }
    }
    guard isFullResolution else { return }
    guard count <= fullResolutionCapacity else {
      releaseFullResolution()
      return
    }
    // /proc reports KiB; anything else (or ≥ 4 TiB) cannot be packed exactly.
    for (metric, unit) in zip(metrics, units) {
      if let value = sample[metric], value % unit != 0 || value / unit >= UInt64(Self.absent) {
        releaseFullResolution()
        return
      }
    }
    elapsed.append(sample.elapsed)
    for (i, metric) in metrics.enumerated() {
      kibibytes[i].append(sample[metric].map { UInt32($0 / units[i]) } ?? Self.absent)
    }
  }

  /// The largest value of `metric` in the current lifetime, bytes.
  public func maximum(_ metric: Metric) -> UInt64? {
    metrics.firstIndex(of: metric).flatMap { maxima[$0] }
  }

  /// How many samples of the current lifetime carry `metric` (a maximum rests on these alone).
  public func readings(_ metric: Metric) -> Int {
    metrics.firstIndex(of: metric).map { readingCounts[$0] } ?? 0
  }

  /// The first value of `metric` in the current lifetime.
  public func first(_ metric: Metric) -> UInt64? {
    metrics.firstIndex(of: metric).flatMap { firsts[$0] }
  }

  /// The latest value of `metric` in the current lifetime.
  public func latest(_ metric: Metric) -> UInt64? {
    metrics.firstIndex(of: metric).flatMap { latests[$0] }
  }

  /// The full-resolution series of `metric` (absent values as NaN gaps), or nil once the
  /// digest holds only pyramids or for a metric it does not keep.
  public func series(_ metric: Metric) -> MetricSeries? {
    guard isFullResolution, let i = metrics.firstIndex(of: metric) else { return nil }
    let unit = Double(units[i])
    return MetricSeries(times: elapsed, values: kibibytes[i].map { $0 == Self.absent ? .nan : Double($0) * unit })
  }

  /// The full-resolution series of `metric` from the program's own exec on (see
  /// ``programStart``): what is judged.
  public func judgedSeries(_ metric: Metric) -> MetricSeries? {
    guard let series = series(metric) else { return nil }
    guard let start = programStart?.index, start > 0, start < series.count else { return series }
    return MetricSeries(times: Array(series.times[start...]), values: Array(series.values[start...]))
  }

  /// Rows judged: those from the program's own exec on.
  public var judgedCount: Int { count - (programStart?.index ?? 0) }

  /// The pyramid of `metric`, nil for a metric the digest does not keep.
  public func pyramid(_ metric: Metric) -> FloorPyramid? {
    metrics.firstIndex(of: metric).map { pyramids[$0] }
  }

  private mutating func releaseFullResolution() {
    isFullResolution = false
    elapsed = []
    kibibytes = kibibytes.map { _ in [] }
  }
}
