import Foundation

/// Decides whether a memory series shows leak-like growth.
///
/// 1. Build the floor (lower envelope) of the whole series, at most 256 points.
/// 2. Find level shifts in it. Three or more up steps and no down step is a staircase leak and
///    the whole series is analysed; otherwise only the part after the last step.
/// 3. Rebuild the floor of that segment and test it: Mann–Kendall with the Hamed–Rao variance
///    (clamped ≥ 1), Sen slope on real timestamps with a 95 % interval.
/// 4. Growth counts as a leak only when it is significant, fast enough (absolute and relative
///    rate gates), large against the floor's own noise, and not levelling off (deceleration
///    test on the thirds of the segment).
///
/// Pure: no clock, no I/O. Cost: one or two O(n) passes over the samples plus O(256²) work.
public struct TrendAnalyzer: Sendable {
  /// The tunables in use.
  public var configuration: TrendConfiguration

  public init(_ configuration: TrendConfiguration = TrendConfiguration()) {
    self.configuration = configuration
  }

  /// Analyses one metric of one process lifetime.
  ///
  /// - Parameters:
  ///   - series: samples (seconds, bytes; NaN = gap) of a single process lifetime.
  ///   - label: the metric's name for the explanation, e.g. `"anon"`.
  ///   - limitBytes: the memory limit to project against (cgroup `memory.max`, current +
  ///     `MemAvailable`, or the user's `--limit`), or nil.
  public func analyze(
    _ series: MetricSeries, label: String = "memory", limitBytes: Double? = nil
  ) -> TrendResult {
    let config = configuration
    let whole = FloorSeries.build(
      from: series, maxPoints: config.maxFloorPoints, minSamplesPerBin: config.minSamplesPerBin)
    let lastTime = series.lastValidTime ?? (series.times.last ?? 0)
    guard whole.count >= config.minPoints else {
      return insufficient(whole, label: label, end: lastTime, shifts: 0)
    }
    let shifts = config.levelShifts.shifts(times: whole.times, values: whole.values)
    let ups = shifts.filter { $0.heightBytes > 0 }.count
    let staircase =
      ups >= config.staircaseSteps && ups == shifts.count
      && Self.stillClimbing(shifts, now: lastTime)
    var floor = whole
    var lastShift: LevelShift?
    if !staircase, let last = shifts.last {
      lastShift = last
      let startIndex = series.firstIndex(atOrAfter: last.time)
      floor = FloorSeries.build(
        from: series, range: startIndex..<series.count, maxPoints: config.maxFloorPoints,
        minSamplesPerBin: config.minSamplesPerBin)
    }
    guard floor.count >= config.minPoints,
      let trend = SegmentTrend(times: floor.times, values: floor.values)
    else {
      return insufficient(floor, label: label, end: lastTime, shifts: shifts.count, after: lastShift)
    }
    return decide(
      trend: trend, floor: floor, series: series, label: label, end: lastTime,
      limitBytes: limitBytes, staircase: staircase, shifts: shifts, lastShift: lastShift)
  }

  // MARK: - Decision

  private func decide(
    trend: SegmentTrend, floor: FloorSeries, series: MetricSeries, label: String, end: Double,
    limitBytes: Double?, staircase: Bool, shifts: [LevelShift], lastShift: LevelShift?
  ) -> TrendResult {
    let config = configuration
    let slope = trend.sen.slope
    let floorNow = trend.sen.value(at: end)
    let rateGate = max(config.minRateBytesPerSecond, config.minRelativeRatePerSecond * abs(floorNow))
    let rise = slope * trend.duration
    let noise = max(trend.residualSigma, 1)
    let riseGate = max(config.minRiseInNoise * noise, config.minRiseFraction * abs(floorNow))
    let evidence = min(1, Double(trend.count) / Double(2 * config.minPoints))

    let enough = trend.effectiveCount >= config.minEffectivePoints
    let growing =
      trend.pIncreasing < config.alpha && slope >= rateGate && rise >= riseGate && enough
    let shrinking = trend.pDecreasing < config.alpha && -slope >= rateGate && -rise >= riseGate
    let decelerating =
      trend.lastThirdUpper90 < config.decelerationFraction * max(slope, trend.firstThirdSlope)

    let verdict: TrendVerdict
    let confidence: Double
    let p: Double
    if growing && (staircase || !decelerating) {
      verdict = .leak
      p = trend.pIncreasing
      confidence = Self.strength(p) * min(1, rise / (2 * riseGate)) * evidence
    } else if growing {
      verdict = .plateau
      p = trend.pIncreasing
      let reference = max(slope, trend.firstThirdSlope)
      let levelling = reference > 0 ? 1 - max(trend.lastThirdUpper90, 0) / reference : 1
      confidence = Self.strength(p) * min(1, max(levelling, 0) * 2) * evidence
    } else if shrinking {
      verdict = .shrinking
      p = trend.pDecreasing
      confidence = Self.strength(p) * min(1, -rise / (2 * riseGate)) * evidence
    } else {
      verdict = .stable
      p = slope >= 0 ? trend.pIncreasing : trend.pDecreasing
      confidence = (1 - min(1, -log10(max(trend.pIncreasing, 1e-300)) / 2)) * evidence
    }

    let window = AnalysisWindow(
      start: trend.start, end: end, points: trend.count, samples: floor.sampleCount)
    var ttl: TimeToLimit?
    if verdict == .leak, slope > 0, let limit = limitBytes, limit.isFinite {
      ttl = TimeToLimitEstimator.estimate(
        series: series, from: trend.start, line: trend.sen, end: end, limitBytes: limit)
    }
    let text = TrendExplanation(
      label: label, verdict: verdict, rise: rise, duration: end - trend.start,
      slope: slope, noise: noise, staircaseSteps: staircase ? shifts.count : 0,
      lastShift: lastShift, points: trend.count, minPoints: config.minPoints
    ).sentence
    return TrendResult(
      verdict: verdict, slopeBytesPerSecond: slope,
      slopeCI: SlopeInterval(low: trend.sen.low, high: trend.sen.high), pValue: p,
      confidence: min(max(confidence, 0), 1), window: window, explanation: text,
      timeToLimit: ttl, floorBytes: floorNow, noiseBytes: trend.residualSigma,
      floorMethod: floor.method, levelShifts: shifts.count, effectivePoints: trend.effectiveCount)
  }

  /// Whether the steps are still coming: the time since the last step is at most twice the
  /// median spacing between steps. A burst of steps that then stops (a warm-up seen as
  /// steps) is not a staircase leak.
  private static func stillClimbing(_ shifts: [LevelShift], now: Double) -> Bool {
    guard shifts.count >= 2, let last = shifts.last else { return false }
    let gaps = zip(shifts.dropFirst(), shifts).map { $0.time - $1.time }
    let spacing = RobustStatistics.median(gaps)
    return now - last.time <= 2 * spacing
  }

  /// Maps a p-value to 0…1: 0.01 → 0.5, 1e-4 → 1.
  private static func strength(_ p: Double) -> Double {
    min(1, max(0, -log10(max(p, 1e-300)) / 4))
  }

  private func insufficient(
    _ floor: FloorSeries, label: String, end: Double, shifts: Int, after shift: LevelShift? = nil
  ) -> TrendResult {
    let start = floor.times.first ?? end
    let text = TrendExplanation(
      label: label, verdict: .insufficientData, rise: 0, duration: end - start, slope: 0,
      noise: 0, staircaseSteps: 0, lastShift: shift, points: floor.count,
      minPoints: configuration.minPoints
    ).sentence
    return TrendResult(
      verdict: .insufficientData, slopeBytesPerSecond: .nan,
      slopeCI: SlopeInterval(low: .nan, high: .nan), pValue: .nan, confidence: 0,
      window: AnalysisWindow(start: start, end: end, points: floor.count, samples: floor.sampleCount),
      explanation: text, timeToLimit: nil, floorBytes: floor.values.last ?? .nan,
      noiseBytes: .nan, floorMethod: floor.method, levelShifts: shifts, effectivePoints: 0)
  }
}
