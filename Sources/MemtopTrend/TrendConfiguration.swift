/// Tunables of the trend analyzer. Every minimum is a count of floor points or a multiple of
/// measured noise, so the same settings serve a 30-second script and a multi-day service.
public struct TrendConfiguration: Sendable, Equatable {
  /// Upper bound on floor points fed to the O(n²) statistics.
  package var maxFloorPoints: Int = 256
  /// Smallest bin, in samples, for bin minima.
  package var minSamplesPerBin: Int = 5
  /// Fewest floor points in the analysed segment before any verdict but insufficient-data.
  public var minPoints: Int = 12
  /// Fewest garbage-collection troughs before a verdict, when the floor is made of them: each
  /// trough summarises a whole cycle, so fewer suffice than bin minima.
  package var minGCCycles: Int = 8
  /// Fewest effective (autocorrelation-corrected) floor points before growth can be a leak.
  public var minEffectivePoints: Double = 0
  /// One-sided significance level for growth and shrinkage.
  public var alpha: Double = 0.01
  /// Smallest leak rate worth reporting, bytes/s (1 MB/h).
  package var minRateBytesPerSecond: Double = 1e6 / 3600
  /// Smallest leak rate relative to the floor level, per second (0.1 %/h).
  package var minRelativeRatePerSecond: Double = 0.001 / 3600
  /// The rise over the window must exceed this many residual σ of the floor.
  public var minRiseInNoise: Double = 4
  /// The rise over the window must also exceed this fraction of the floor level: a prior on
  /// how far a healthy process's floor wanders, which a short window cannot measure.
  public var minRiseFraction: Double = 0.03
  /// The rise over the window must also reach this many bytes (1 MiB): growth of a few
  /// hundred KiB in a small process is allocator and collector churn, not a leak worth a report.
  package var minRiseBytes: Double = 1_048_576
  /// Plateau when the last third's 90 % upper slope is below this fraction of
  /// max(overall slope, first-third slope).
  package var decelerationFraction: Double = 0.5
  /// A series with fewer samples than this is young: it is binned `youngSamplesPerBin` to a
  /// floor point so a clear trend shows early (the usual minimum of floor points times the
  /// usual bin).
  package var youngSampleCount: Int { minPoints * minSamplesPerBin }
  /// Samples per floor point while the series is young.
  public var youngSamplesPerBin: Int = 2
  /// While the series is young, a leak's rise must exceed this many residual σ of the floor.
  package var youngRiseInNoise: Double = 8
  /// `stable` needs the rate's 95 % upper bound under the leak threshold: the rate gate, or the
  /// rate that would lift the floor by the size gate within this horizon (or within the
  /// window, when longer), seconds. A short window can rule out only fast growth, so it is
  /// `inconclusive` until it can rule out growth that would matter within an hour.
  package var stableHorizonSeconds: Double = 3600
  /// Up steps, with no down step, that make a staircase leak.
  package var staircaseSteps: Int = 3
  /// Level-shift detection.
  package var levelShifts = LevelShiftDetector()

  /// What the series counts: bytes (memory) or things (threads, descriptors). Counts are
  /// told without byte units; their gates come from ``counts``.
  public var unit: TrendUnit = .bytes

  public init() {}

  /// The settings for a series of counts (threads, open descriptors): the same statistics,
  /// with gates in things rather than bytes — a rate of at least one an hour, and a rise of at
  /// least three (and of 3 % of the level, and of four times the floor's noise).
  public static var counts: TrendConfiguration {
    var c = TrendConfiguration()
    c.unit = .count
    c.minRateBytesPerSecond = 1.0 / 3600
    c.minRiseBytes = 3
    return c
  }

  /// The fewest points `floor` needs before any verdict but insufficient-data.
  package func minimumPoints(for floor: FloorSeries) -> Int {
    floor.method == .gcCycles ? min(minPoints, minGCCycles) : minPoints
  }
}

/// What a judged series counts.
public enum TrendUnit: String, Sendable, Equatable {
  /// Bytes of memory.
  case bytes
  /// Things: threads, open file descriptors.
  case count
}
