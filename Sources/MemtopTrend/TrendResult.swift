/// What the analyzer concluded about one metric.
public enum TrendVerdict: String, Sendable, Equatable, CaseIterable, Codable {
  /// Steady growth of the floor that does not level off.
  case leak
  /// Growth that is levelling off (warm-up, a cache filling up).
  case plateau
  /// No meaningful trend: the rate's 95 % interval lies below the leak threshold.
  case stable
  /// No leak found, but the rate's 95 % interval still reaches the leak threshold: the noise
  /// could hide a leak, and more data is needed to tell.
  case inconclusive
  /// The floor is going down.
  case shrinking
  /// Too few points to say anything.
  case insufficientData = "insufficient-data"

  /// How telling a verdict is when several metrics are combined: higher wins.
  package var severity: Int {
    switch self {
    case .leak: 5
    case .plateau: 4
    case .inconclusive: 3
    case .shrinking: 2
    case .stable: 1
    case .insufficientData: 0
    }
  }

  /// The verdict for a whole process: `leak` if any metric leaks, else the most telling.
  package static func combined(_ verdicts: some Sequence<TrendVerdict>) -> TrendVerdict {
    verdicts.max { $0.severity < $1.severity } ?? .insufficientData
  }
}

/// A closed interval of a rate, in bytes per second.
public struct SlopeInterval: Sendable, Equatable {
  /// Lower bound, bytes/s.
  public var low: Double
  /// Upper bound, bytes/s.
  public var high: Double

  public init(low: Double, high: Double) {
    self.low = low
    self.high = high
  }

  /// Whether `rate` (bytes/s) lies inside.
  public func contains(_ rate: Double) -> Bool { low <= rate && rate <= high }
}

/// The stretch of the series the verdict is based on.
public struct AnalysisWindow: Sendable, Equatable {
  /// Time of the first floor point, seconds.
  public var start: Double
  /// Time of the last raw sample analysed, seconds.
  public var end: Double
  /// Number of floor points tested.
  public var points: Int
  /// Number of valid raw samples those points summarise.
  public var samples: Int

  public init(start: Double, end: Double, points: Int, samples: Int) {
    self.start = start
    self.end = end
    self.points = points
    self.samples = samples
  }

  /// Length in seconds.
  public var duration: Double { end - start }
}

/// Projected time until a memory limit is reached, in seconds from the last sample.
public struct TimeToLimit: Sendable, Equatable {
  /// The limit in bytes the projection is for.
  public var limitBytes: Double
  /// Point estimate: when the floor plus its usual excursions (p99) reaches the limit.
  public var estimateSeconds: Double
  /// Earliest plausible: the largest excursion seen, at the upper rate bound.
  public var earliestSeconds: Double
  /// When even the floor reaches the limit at the lower rate bound; nil when that bound is
  /// not positive (the floor might never reach it).
  package var latestSeconds: Double?

  public init(
    limitBytes: Double, estimateSeconds: Double, earliestSeconds: Double,
    latestSeconds: Double?
  ) {
    self.limitBytes = limitBytes
    self.estimateSeconds = estimateSeconds
    self.earliestSeconds = earliestSeconds
    self.latestSeconds = latestSeconds
  }
}

/// The analyzer's full answer for one metric.
public struct TrendResult: Sendable, Equatable {
  /// The verdict.
  public var verdict: TrendVerdict
  /// Sen slope of the floor, bytes/s (NaN when there was too little data).
  public var slopeBytesPerSecond: Double
  /// 95 % interval of the slope, bytes/s, widened for autocorrelation.
  public var slopeCI: SlopeInterval
  /// One-sided p-value of the Mann–Kendall test in the direction of the slope (growth for
  /// `leak`/`plateau`/`stable`, shrinkage for `shrinking`), corrected with Hamed–Rao.
  public var pValue: Double
  /// Confidence in the verdict, 0…1: how far the evidence exceeds what the verdict needs. For
  /// `leak`, `plateau` and `shrinking` it is the product of the test's strength (p = 0.01 →
  /// 0.5, p ≤ 0.0001 → 1), the size of the change against the size gate, and the floor points
  /// against twice the minimum; for `stable` the same points term times how far the interval's
  /// upper end lies below the leak threshold; 0 for `inconclusive` and `insufficient-data`.
  package var confidence: Double
  /// The stretch of data the verdict rests on.
  public var window: AnalysisWindow
  /// One human sentence explaining the verdict.
  public var explanation: String
  /// Projection to the limit; nil when not growing or no limit was given.
  public var timeToLimit: TimeToLimit?
  /// Floor level at the end of the window (Sen line), bytes.
  package var floorBytes: Double
  /// Robust σ of the floor around its trend line, bytes.
  public var noiseBytes: Double
  /// How the floor was formed.
  public var floorMethod: FloorSeries.Method
  /// Number of level shifts found over the whole series.
  package var levelShifts: Int
  /// Effective number of independent floor points, points / (autocorrelation variance ratio).
  public var effectivePoints: Double
  /// A known blind spot that applies to this verdict, in words, or nil.
  package var caveat: String?
  /// The level shifts (steps) of the floor over the whole series, oldest first.
  public var steps: [Step] = []
  /// Where growth levelled off, for a rise that then held; nil otherwise.
  public var plateau: Plateau?
  /// For a leak that began within the window after the floor had held level: when the growth
  /// began (seconds, the series' clock); the verdict is judged from there. Nil otherwise.
  public var onset: Double?
  /// The smallest rate, bytes/s, that would count as a leak over this window: the larger of
  /// the rate gate and the size gate spread over the window.
  package var leakThresholdBytesPerSecond: Double = .nan
  /// For `inconclusive`: about how many more seconds of data, at the same sampling, would
  /// bring the interval's upper end under the leak threshold (nil when it cannot be said).
  package var moreSecondsNeeded: Double?
  /// Sen slope of the last third of the judged floor, bytes/s (how fast it grows lately).
  package var recentSlopeBytesPerSecond: Double = .nan
  /// Sharp GC-like drops seen while too few cycles exist to judge the floor (0 otherwise).
  package var gcDropsPending = 0
  /// The garbage-collector (or batch) sawtooth the floor was read from, when there is one.
  public var sawtooth: Sawtooth?
  /// What the series counts: the `…Bytes` figures are things (threads, descriptors) for
  /// ``TrendUnit/count``.
  public var unit: TrendUnit = .bytes

  public init(
    verdict: TrendVerdict, slopeBytesPerSecond: Double, slopeCI: SlopeInterval, pValue: Double,
    confidence: Double, window: AnalysisWindow, explanation: String,
    timeToLimit: TimeToLimit?, floorBytes: Double, noiseBytes: Double,
    floorMethod: FloorSeries.Method, levelShifts: Int, effectivePoints: Double
  ) {
    self.verdict = verdict
    self.slopeBytesPerSecond = slopeBytesPerSecond
    self.slopeCI = slopeCI
    self.pValue = pValue
    self.confidence = confidence
    self.window = window
    self.explanation = explanation
    self.timeToLimit = timeToLimit
    self.floorBytes = floorBytes
    self.noiseBytes = noiseBytes
    self.floorMethod = floorMethod
    self.levelShifts = levelShifts
    self.effectivePoints = effectivePoints
    self.caveat = nil
  }
}

/// One step of the floor: an abrupt change of its level.
public struct Step: Sendable, Equatable {
  /// Time of the first floor point after the step, seconds.
  public var time: Double
  /// Height, bytes (positive = up).
  package var heightBytes: Double

  public init(time: Double, heightBytes: Double) {
    self.time = time
    self.heightBytes = heightBytes
  }
}

/// A rise that levelled off: the floor grew from `growthStart` to `levelledAt`, then held.
public struct Plateau: Sendable, Equatable {
  /// When the growth began (first floor point), seconds.
  package var growthStart: Double
  /// When the floor reached the level it then held, seconds.
  package var levelledAt: Double
  /// How much the floor rose during the growth, bytes.
  public var riseBytes: Double
  /// The level held since, bytes (median of the floor since `levelledAt`).
  public var levelBytes: Double
  /// How long it has held, seconds (to the last sample).
  package var heldSeconds: Double

  public init(growthStart: Double, levelledAt: Double, riseBytes: Double, levelBytes: Double, heldSeconds: Double) {
    self.growthStart = growthStart
    self.levelledAt = levelledAt
    self.riseBytes = riseBytes
    self.levelBytes = levelBytes
    self.heldSeconds = heldSeconds
  }

  /// Seconds the growth took.
  public var growthSeconds: Double { levelledAt - growthStart }
}

/// A sawtooth: memory that climbs and falls back sharply, cycle after cycle (a collector, a
/// batch job that builds and frees its data). The floor is judged on its troughs; these are
/// the figures a reader needs to recognise it.
public struct Sawtooth: Sendable, Equatable {
  /// Sharp falls seen.
  public var cycles: Int
  /// Seconds between falls, on average.
  public var periodSeconds: Double
  /// Where it falls back to lately (the median of the last troughs), bytes.
  public var floorBytes: Double
  /// The highest reading, bytes.
  public var peakBytes: Double

  public init(cycles: Int, periodSeconds: Double, floorBytes: Double, peakBytes: Double) {
    self.cycles = cycles
    self.periodSeconds = periodSeconds
    self.floorBytes = floorBytes
    self.peakBytes = peakBytes
  }

  /// Read from a floor made of GC troughs; nil for any other floor.
  package init?(_ floor: FloorSeries) {
    guard floor.method == .gcCycles, floor.gcDropCount >= 4, floor.count >= 2, floor.peak.isFinite,
      let first = floor.times.first, let last = floor.times.last, last > first
    else { return nil }
    let recent = floor.values.suffix(5).sorted()
    self.init(
      cycles: floor.gcDropCount, periodSeconds: (last - first) / Double(floor.count - 1),
      floorBytes: recent[(recent.count - 1) / 2], peakBytes: floor.peak)
  }
}
