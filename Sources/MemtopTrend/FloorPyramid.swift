/// Multi-resolution bin summaries of a growing series, for live floors without rescanning.
///
/// Level 0 bins hold `baseSamples` valid samples; a level-k bin merges two level-(k−1) bins.
/// Each bin keeps (minimum, maximum, count, first and last time), so the floor of any recent
/// window is read from ≤ `maxPoints` bins of the finest level that spans it: O(bins),
/// independent of the number of samples. `append` is O(1) amortized; each level keeps only
/// its `capacity` most recent bins, so memory is O(capacity · log n). A completed level-k bin
/// always holds `baseSamples · 2^k` valid samples, so completed bins are stored without their
/// count: 32 bytes each (16 in a compact pyramid, a row's: ``Level``). GC-cycle troughs need
/// the raw samples: live floors here are always bin minima.
///
/// A lazy pyramid (a row of the process table) keeps no bins while every valid sample has the
/// same value (an idle process's RSS): only the run's value, first and last time and count.
/// The first different value builds the bins appending each sample would have made, the
/// samples' times spread evenly between the run's first and last (the same bins when the
/// samples were evenly spaced; otherwise bins' times differ by the spacing's unevenness), and
/// reads in between see those bins.
public struct FloorPyramid: Sendable, Equatable {
  /// One bin's summary.
  public struct Bin: Sendable, Equatable {
    /// Lowest value in the bin, bytes.
    public var minimum: Double
    /// Highest value in the bin, bytes.
    public var maximum: Double
    /// Valid samples in the bin.
    public var count: Int
    /// Times of the first and last sample, seconds.
    public var start: Double
    public var end: Double

    init(time: Double, value: Double) {
      minimum = value
      maximum = value
      count = 1
      start = time
      end = time
    }

    init(_ stored: Stored, count: Int) {
      minimum = stored.minimum
      maximum = stored.maximum
      self.count = count
      start = stored.start
      end = stored.end
    }

    mutating func merge(_ other: Bin) {
      minimum = Swift.min(minimum, other.minimum)
      maximum = Swift.max(maximum, other.maximum)
      count += other.count
      start = Swift.min(start, other.start)
      end = Swift.max(end, other.end)
    }
  }

  /// A completed bin as kept: its count follows from its level.
  struct Stored: Sendable, Equatable {
    var minimum: Double
    var maximum: Double
    var start: Double
    var end: Double

    init(_ bin: Bin) {
      minimum = bin.minimum
      maximum = bin.maximum
      start = bin.start
      end = bin.end
    }

    init(value: Double, start: Double, end: Double) {
      self.init(minimum: value, maximum: value, start: start, end: end)
    }

    init(minimum: Double, maximum: Double, start: Double, end: Double) {
      self.minimum = minimum
      self.maximum = maximum
      self.start = start
      self.end = end
    }
  }

  /// Valid samples that all had one value (their count is ``sampleCount``, the last one's
  /// time ``lastTime``).
  struct ConstantRun: Sendable, Equatable {
    var value: Double
    /// Time of the first sample, seconds.
    var start: Double
  }

  /// Valid samples per level-0 bin.
  package let baseSamples: Int
  /// Completed bins kept per level (the most recent ones).
  public let capacity: Int
  /// Completed bins per level, oldest first.
  public var levels: [[Bin]] {
    let pyramid = constantRun == nil ? self : built()
    return pyramid.stored.indices.map { pyramid.bins(level: $0) }
  }
  /// Completed bins held in memory (none while a lazy pyramid's samples have one value).
  package var binsHeld: Int { stored.reduce(0) { $0 + $1.count } }
  /// Completed bins per level, oldest first, as kept.
  private var stored: [Level] = []
  /// Whether completed bins are kept as 32-bit offsets from ``origin`` (16 bytes, not 32).
  package let compact: Bool
  /// The first valid sample's value and time.
  private var origin: Origin?
  /// Whether a level has dropped old bins (then it cannot serve windows reaching back).
  private var trimmed: [Bool] = []
  /// The bin being filled at each level (level k holds up to two level-(k−1) children).
  private var partial: [Bin?] = []
  private var partialChildren: [Int] = []
  /// Valid samples appended so far.
  package private(set) var sampleCount = 0
  /// Time of the last valid sample, seconds (nil before the first).
  package private(set) var lastTime: Double?
  /// Whether bins wait for the first change of value (cleared once they are built).
  private var lazy: Bool
  /// A lazy pyramid's samples while they all have one value (nil before the first, and once
  /// the bins are built).
  private var constantRun: ConstantRun?

  /// Bins a level may hold past ``capacity`` before the oldest are dropped down to it.
  package let slack: Int
  /// Levels kept at most: the coarsest trims its oldest bins like the others instead of
  /// feeding a coarser one, so memory is bounded whatever the run's length (the history it
  /// serves reaches back `capacity · baseSamples · 2^(maxLevels − 1)` samples).
  package let maxLevels: Int

  /// - Parameters:
  ///   - capacity: completed bins kept per level, at least.
  ///   - slack: bins a level may gather past `capacity` before it drops back to `capacity`
  ///     (by default as many again: memory of twice the capacity, trimmed rarely).
  ///   - maxLevels: levels kept at most (by default, as many as the series needs).
  ///   - lazy: keep no bins while every valid sample has the same value (see above).
  ///   - compact: keep completed bins in 16 bytes, as 32-bit offsets from the first sample
  ///     (``Level``): floors within 64 KiB at 1 TiB, times within milliseconds over hours.
  public init(
    baseSamples: Int = 5, capacity: Int = 1024, slack: Int? = nil, maxLevels: Int = .max, lazy: Bool = false,
    compact: Bool = false
  ) {
    self.compact = compact
    self.baseSamples = Swift.max(baseSamples, 1)
    self.capacity = Swift.max(capacity, 16)
    self.slack = Swift.max(slack ?? self.capacity, 1)
    self.maxLevels = Swift.max(maxLevels, 1)
    self.lazy = lazy
  }

  /// The pyramid a long live view or recording keeps per metric: 512 bins a level plus 64,
  /// about 200 KB at 10⁶ samples (against 0.9 MB for the default).
  ///
  /// Floors read from it are the same as from the default's: a floor uses at most
  /// ``TrendConfiguration/maxFloorPoints`` (256) bins of a level, and a level trimmed to 512
  /// still holds a bin older than any such window, so the same level serves it. Windows
  /// reaching further back — time-to-limit excursions, locating an old step — are read from
  /// a coarser level sooner.
  public static func bounded() -> FloorPyramid { FloorPyramid(capacity: 512, slack: 64) }

  /// Builds a pyramid from a whole series.
  public init(_ series: MetricSeries, baseSamples: Int = 5, capacity: Int = 1024) {
    self.init(baseSamples: baseSamples, capacity: capacity)
    for i in 0..<series.count { append(time: series.times[i], value: series.values[i]) }
  }

  /// Adds one sample; NaN (a gap) is skipped.
  public mutating func append(time: Double, value: Double) {
    guard !value.isNaN else { return }
    if lazy {
      if sampleCount == 0 || constantRun?.value.bitPattern == value.bitPattern {
        if sampleCount == 0 {
          constantRun = ConstantRun(value: value, start: time)
          origin = Origin(value: value, time: time)
        }
        sampleCount += 1
        lastTime = time
        return
      }
      self = built()
    }
    if sampleCount == 0 { origin = Origin(value: value, time: time) }
    sampleCount += 1
    lastTime = time
    let sample = Bin(time: time, value: value)
    if partial.isEmpty { grow() }
    if var bin = partial[0] {
      bin.merge(sample)
      partial[0] = bin
    } else {
      partial[0] = sample
    }
    if partial[0]?.count == baseSamples, let done = partial[0] {
      partial[0] = nil
      complete(done, level: 0)
    }
  }

  /// Floor points (bin minima at bin mid times) of the samples from `startTime` on, read from
  /// the finest level with at most `maxPoints` bins there. Bins that straddle `startTime` are
  /// left out; the bin being filled counts when at least half full.
  public func floor(since startTime: Double = -.infinity, maxPoints: Int = 256) -> FloorSeries {
    if constantRun != nil { return built().floor(since: startTime, maxPoints: maxPoints) }
    var level = 0
    while level < stored.count {
      let bins = window(level: level, since: startTime)
      let reachesBack = !trimmed[level] || (stored[level].firstStart ?? .infinity) <= startTime
      if bins.count <= maxPoints && reachesBack { return series(bins) }
      level += 1
    }
    return series(window(level: max(stored.count - 1, 0), since: startTime))
  }

  /// Excursions above a line over the bins from `startTime` on, at the finest level that
  /// still reaches back there: (≈ p99 of the bins' maxima above the line, largest), bytes.
  func excursions(above line: SenSlope, since startTime: Double) -> (p99: Double, max: Double) {
    if constantRun != nil { return built().excursions(above: line, since: startTime) }
    var level = 0
    while level < stored.count - 1 && trimmed[level]
      && (stored[level].firstStart ?? .infinity) > startTime
    {
      level += 1
    }
    var bins = window(level: level, since: startTime)
    if level == 0, let open = partial[0], open.start >= startTime { bins.append(open) }
    var e = bins.map { $0.maximum - line.value(at: ($0.start + $0.end) / 2) }
    guard !e.isEmpty else { return (0, 0) }
    let largest = e.max() ?? 0
    let p99 = Selection.select(&e, Int(Double(e.count - 1) * 0.99))
    return (max(p99, 0), max(largest, 0))
  }

  /// Start time of the earliest bin in the last run of bins, beginning at or before `end`,
  /// that all satisfy `holds`, looking back no further than after `start`; read from the
  /// finest level that still reaches back there (so within `baseSamples` samples while level 0
  /// does). Nil when the bin at `end` does not satisfy it.
  ///
  /// Used to place a step within its floor bin: the first bin wholly at the new level.
  package func startOfRun(after start: Double, through end: Double, where holds: (Bin) -> Bool) -> Double? {
    if constantRun != nil { return built().startOfRun(after: start, through: end, where: holds) }
    var level = 0
    while level < stored.count - 1 && trimmed[level] && (stored[level].firstStart ?? .infinity) > start {
      level += 1
    }
    guard level < stored.count else { return nil }
    var bins = self.bins(level: level)
    if let open = partial[level] { bins.append(open) }
    var i = bins.count - 1
    while i >= 0 && bins[i].start > end { i -= 1 }
    var found: Double?
    while i >= 0 && bins[i].end > start {
      guard holds(bins[i]) else { break }
      found = bins[i].start
      i -= 1
    }
    return found
  }

  /// This pyramid with a lazy one's constant run binned: the bins, trims and open bins that
  /// appending each of its samples would have made, their times spread evenly from the run's
  /// first to its last. O(bins kept), however long the run.
  package func built() -> FloorPyramid {
    var pyramid = self
    pyramid.lazy = false
    pyramid.constantRun = nil
    guard let run = constantRun, let last = lastTime, sampleCount > 0 else { return pyramid }
    let n = sampleCount
    func time(_ i: Int) -> Double {
      i >= n - 1 ? last : run.start + (last - run.start) * Double(i) / Double(n - 1)
    }
    // Level k > 0 is started by level k − 1's first completed bin.
    var levelCount = 1
    while levelCount < maxLevels && baseSamples << (levelCount - 1) <= n { levelCount += 1 }
    for level in 0..<levelCount {
      pyramid.grow()
      let width = baseSamples << level
      let completed = n / width
      // A level trims back to the capacity each time it reaches the capacity plus the slack.
      let kept = completed < capacity + slack ? completed : capacity + (completed - capacity) % slack
      pyramid.trimmed[level] = completed >= capacity + slack
      if kept >= capacity { pyramid.stored[level].reserveCapacity(capacity + slack) }
      for bin in (completed - kept)..<completed {
        pyramid.stored[level].append(
          Stored(value: run.value, start: time(bin * width), end: time((bin + 1) * width - 1)))
      }
      // The open bin: level 0's samples past its last completed bin; level k's, one completed
      // bin of level k − 1 waiting for its sibling.
      var open: (first: Int, count: Int)?
      if level == 0 {
        if n % width > 0 { open = (n - n % width, n % width) }
      } else {
        let children = n / (width / 2)
        pyramid.partialChildren[level] = children % 2
        if children % 2 == 1 { open = ((children - 1) * (width / 2), width / 2) }
      }
      if let open {
        pyramid.partial[level] = Bin(
          Stored(value: run.value, start: time(open.first), end: time(open.first + open.count - 1)), count: open.count)
      }
    }
    return pyramid
  }

  // MARK: - Implementation

  private mutating func grow() {
    var level = Level(origin: compact ? origin : nil)
    // A pyramid of bounded levels takes each level's room at once: grown by doubling, it
    // would hold up to twice what it keeps.
    if maxLevels != .max { level.reserveCapacity(capacity + slack) }
    stored.append(level)
    trimmed.append(false)
    partial.append(nil)
    partialChildren.append(0)
  }

  private mutating func complete(_ bin: Bin, level: Int) {
    // Room for the slack once, not the doubling an append past the capacity would give.
    if stored[level].count == capacity && stored[level].capacity < capacity + slack {
      stored[level].reserveCapacity(capacity + slack)
    }
    stored[level].append(Stored(bin))
    if stored[level].count >= capacity + slack {
      stored[level].removeFirst(stored[level].count - capacity)
      trimmed[level] = true
    }
    let up = level + 1
    guard up < maxLevels else { return }
    if up >= partial.count { grow() }
    if var parent = partial[up] {
      parent.merge(bin)
      partial[up] = parent
    } else {
      partial[up] = bin
    }
    partialChildren[up] += 1
    if partialChildren[up] == 2, let done = partial[up] {
      partial[up] = nil
      partialChildren[up] = 0
      complete(done, level: up)
    }
  }

  /// The completed bins of `level`, each with its count.
  private func bins(level: Int) -> [Bin] {
    let count = baseSamples << level
    return stored[level].all.map { Bin($0, count: count) }
  }

  private func window(level: Int, since startTime: Double) -> [Bin] {
    guard level < stored.count else { return [] }
    let full = baseSamples << level
    var bins: [Bin] = []
    for i in 0..<stored[level].count {
      let bin = stored[level][i]
      if bin.start >= startTime { bins.append(Bin(bin, count: full)) }
    }
    // The open bin counts when at least half full; samples still in finer open bins (less
    // than one bin of this level) wait: mixing bin sizes would bias the minima.
    if let open = partial[level], open.start >= startTime, open.count * 2 >= full {
      bins.append(open)
    }
    return bins
  }

  private func series(_ bins: [Bin]) -> FloorSeries {
    let values = bins.map(\.minimum)
    let sorted = values.sorted()
    let level = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    return FloorSeries(
      times: bins.map { ($0.start + $0.end) / 2 }, values: values, method: .binMinima,
      sampleCount: bins.reduce(0) { $0 + $1.count }, differenceSigma: .nan, level: level)
  }
}
