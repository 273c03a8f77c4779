import Foundation

/// Decides whether a memory series shows leak-like growth.
///
/// 1. Build the floor (lower envelope) of the whole series, at most 256 points.
/// 2. Find level shifts in it. Three or more up steps and no down step is a staircase leak and
///    the whole series is analysed; otherwise only the part after the last step.
///    A staircase must still be climbing (last step within two step spacings).
/// 3. Rebuild the floor of that segment and test it: Mann–Kendall with the variance widened
///    by the larger of the clamped Hamed–Rao ratio and the ratio implied by the residuals'
///    variogram autocorrelation (which, unlike Hamed–Rao's significant-lags sum, keeps the
///    long memory of slow wander); Sen slope on real timestamps with a 95 % interval.
/// 4. Growth counts as a leak only when it is significant, fast enough (absolute and relative
///    rate gates), large against the floor's own noise and against a 3 % wander prior, and
///    not levelling off (deceleration test on the thirds, the tail with its own variance).
///    While only 1–3 GC-like drops have been seen, a rise no bigger than them is held back.
///
/// Pure: no clock, no I/O. Cost: two or three O(n) passes over the samples plus O(256²) work;
/// `analyze(_: FloorPyramid, …)` is O(bins) for live use.
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
  ///   - edges: times of known edges (rows where memtop's own observer started or stopped):
  ///     the series is carried across them (``MetricSeries/stitched(atEdges:span:sideSamples:)``)
  ///     so that they are neither steps nor plateaus.
  public func analyze(
    _ series: MetricSeries, label: String = "memory", limitBytes: Double? = nil, edges: [Double] = []
  ) -> TrendResult {
    let series = series.stitched(atEdges: edges)
    let config = configuration
    let end = series.lastValidTime ?? (series.times.last ?? 0)
    // A young series (fewer samples than the usual minimum of floor points fills) is binned
    // finer, so a clear trend can be judged early; its leaks must then clear a higher
    // noise-relative bar (`youngRiseInNoise`).
    // The bins then widen with the series, from `youngSamplesPerBin` to `minSamplesPerBin`
    // (reached at twice the young count), so a floor never has fewer points than it had a few
    // samples earlier and a verdict is not lost to coarser bins.
    let young = series.count < config.youngSampleCount
    let binSize = min(
      config.minSamplesPerBin, max(config.youngSamplesPerBin, series.count / (2 * config.minPoints)))
    let source = FloorSource(
      floor: { start in
        let range = start.map { series.firstIndex(atOrAfter: $0)..<series.count }
        return FloorSeries.build(
          from: series, range: range, maxPoints: config.maxFloorPoints,
          minSamplesPerBin: binSize)
      },
      young: young,
      excursions: { line, start in
        TimeToLimitEstimator.excursions(series: series, from: start, line: line)
      },
      runStart: { start, end, holds in series.startOfRun(after: start, through: end, where: holds) })
    return analyze(source, label: label, end: end, limitBytes: limitBytes)
  }

  /// Analyses a live pyramid of bin summaries: O(bins), however many samples it has seen.
  ///
  /// Same verdict logic as `analyze(_:label:limitBytes:)`, except that floors are always bin
  /// minima (no GC-cycle troughs) and time-to-limit excursions come from bin maxima.
  public func analyze(
    _ pyramid: FloorPyramid, label: String = "memory", limitBytes: Double? = nil
  ) -> TrendResult {
    // A lazy pyramid's constant run binned once, not at every read.
    let pyramid = pyramid.built()
    let maxPoints = configuration.maxFloorPoints
    let source = FloorSource(
      floor: { start in pyramid.floor(since: start ?? -.infinity, maxPoints: maxPoints) },
      young: false,
      excursions: { line, start in pyramid.excursions(above: line, since: start) },
      runStart: { start, end, holds in
        // Bin by bin: a bin is at the new level when its every sample is (its minimum for a
        // rise, its maximum for a fall).
        pyramid.startOfRun(after: start, through: end) { holds($0.minimum) && holds($0.maximum) }
      })
    return analyze(source, label: label, end: pyramid.lastTime ?? 0, limitBytes: limitBytes)
  }

  /// Where floors and excursions come from: raw samples or a pyramid.
  fileprivate struct FloorSource {
    /// The floor of the samples from a start time on (nil: all of them).
    var floor: (Double?) -> FloorSeries
    /// Whether the series is young (binned finer, judged against a higher bar).
    var young: Bool
    /// (p99, max) of the samples' excursions above a line from a start time on.
    var excursions: (SenSlope, Double) -> (p99: Double, max: Double)
    /// Time of the first sample of the last run, after a start time and through an end time,
    /// whose values all satisfy a test (nil when the one at the end does not).
    var runStart: (Double, Double, (Double) -> Bool) -> Double?
  }

  private func analyze(
    _ source: FloorSource, label: String, end lastTime: Double, limitBytes: Double?
  ) -> TrendResult {
    let config = configuration
    let whole = source.floor(nil)
    guard whole.count >= config.minimumPoints(for: whole) else {
      return insufficient(whole, label: label, end: lastTime)
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
      floor = source.floor(last.time)
    }
    guard floor.count >= config.minimumPoints(for: floor),
      let trend = SegmentTrend(times: floor.times, values: floor.values)
    else {
      var result = insufficient(floor, label: label, end: lastTime, shifts: shifts)
      result.steps = locate(result.steps, in: whole, source: source)
      result.explanation =
        TrendExplanation(
          label: label, result: result, staircase: false, minPoints: config.minimumPoints(for: floor),
          riseInNoise: config.minRiseInNoise
        ).sentence
      return result
    }
    var result = decide(
      trend: trend, floor: floor, source: source, label: label, end: lastTime,
      limitBytes: limitBytes, staircase: staircase, shifts: shifts, lastShift: lastShift)
    if result.verdict == .inconclusive || result.verdict == .stable, !staircase, !source.young,
      let late = lateOnset(
        floor: floor, source: source, label: label, end: lastTime, limitBytes: limitBytes, shifts: shifts,
        lastShift: lastShift)
    {
      result = late
    }
    // One to three sharp GC-like drops and a rise no bigger than them: most likely a sawtooth
    // whose cycles are not yet resolved, so the bin minima follow the climb between drops.
    let rise = result.slopeBytesPerSecond * trend.duration
    if result.verdict == .leak, whole.method == .binMinima, (1...3).contains(whole.gcDropCount),
      rise < 1.5 * whole.largestGCDrop
    {
      result.verdict = .insufficientData
      result.confidence = 0
      result.timeToLimit = nil
      result.gcDropsPending = whole.gcDropCount
      // No rate either: the climb between drops is not the floor's.
      result.slopeBytesPerSecond = .nan
      result.slopeCI = SlopeInterval(low: .nan, high: .nan)
      result.pValue = .nan
    }
    result.steps = shifts.map { Step(time: $0.time, heightBytes: $0.heightBytes) }
    result.sawtooth = Sawtooth(whole)
    if result.verdict != .leak && result.verdict != .insufficientData && result.verdict != .shrinking {
      shape(&result, whole: whole, source: source, end: lastTime, label: label, limitBytes: limitBytes)
    }
    result.steps = locate(result.steps, in: whole, source: source)
    result.unit = config.unit
    result.explanation =
      TrendExplanation(
        label: label, result: result, staircase: staircase, minPoints: config.minPoints,
        riseInNoise: config.minRiseInNoise
      ).sentence
    return result
  }

  // MARK: - Decision

  private func decide(
    trend: SegmentTrend, floor: FloorSeries, source: FloorSource, label: String, end: Double,
    limitBytes: Double?, staircase: Bool, shifts: [LevelShift], lastShift: LevelShift?
  ) -> TrendResult {
    let config = configuration
    let slope = trend.sen.slope
    let floorNow = trend.sen.value(at: end)
    let rateGate = max(config.minRateBytesPerSecond, config.minRelativeRatePerSecond * abs(floorNow))
    let rise = slope * trend.duration
    let noise = max(trend.residualSigma, 1)
    let riseGate = max(
      config.minRiseInNoise * noise, config.minRiseFraction * abs(floorNow), config.minRiseBytes)
    let evidence = min(1, Double(trend.count) / Double(2 * config.minPoints))

    let enough = trend.effectiveCount >= config.minEffectivePoints
    // A young series must rise clearly above its noise and still be rising in its last third:
    // a cache that filled for twenty seconds and stopped must not read as a leak.
    let youngEnough =
      !source.young
      || (rise >= config.youngRiseInNoise * noise
        && trend.lastThirdSlope >= config.decelerationFraction * slope)
    let growing =
      trend.pIncreasing < config.alpha && slope >= rateGate && rise >= riseGate && enough
      && youngEnough
    let shrinking = trend.pDecreasing < config.alpha && -slope >= rateGate && -rise >= riseGate
    let decelerating =
      trend.lastThirdUpper90 < config.decelerationFraction * max(slope, trend.firstThirdSlope)
    // The smallest rate that would count as a leak over this window.
    let horizon = config.stableHorizonSeconds
    let threshold = max(rateGate, riseGate / max(trend.duration, horizon, 1e-9))

    let verdict: TrendVerdict
    let confidence: Double
    let p: Double
    var more: Double?
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
    } else if trend.sen.high < threshold && trend.sen.low <= config.minRateBytesPerSecond {
      verdict = .stable
      p = slope >= 0 ? trend.pIncreasing : trend.pDecreasing
      confidence = min(1, (threshold - trend.sen.high) / threshold) * evidence
    } else {
      verdict = .inconclusive
      p = slope >= 0 ? trend.pIncreasing : trend.pDecreasing
      confidence = 0
      more = Self.moreSeconds(
        slope: slope, high: trend.sen.high, duration: trend.duration, points: trend.count,
        rateGate: rateGate, riseGate: riseGate, horizon: horizon, maxPoints: config.maxFloorPoints)
    }

    let window = AnalysisWindow(
      start: trend.start, end: end, points: trend.count, samples: floor.sampleCount)
    var ttl: TimeToLimit?
    if verdict == .leak, slope > 0, let limit = limitBytes, limit.isFinite {
      let e = source.excursions(trend.sen, trend.start)
      ttl = TimeToLimitEstimator.estimate(
        line: trend.sen, end: end, limitBytes: limit, p99: e.p99, maxExcursion: e.max)
    }
    var result = TrendResult(
      verdict: verdict, slopeBytesPerSecond: slope,
      slopeCI: SlopeInterval(low: trend.sen.low, high: trend.sen.high), pValue: p,
      confidence: min(max(confidence, 0), 1), window: window, explanation: "",
      timeToLimit: ttl, floorBytes: floorNow, noiseBytes: trend.residualSigma,
      floorMethod: floor.method, levelShifts: shifts.count, effectivePoints: trend.effectiveCount)
    result.caveat = Self.caveat(verdict: verdict, duration: end - trend.start, afterStep: lastShift != nil)
    result.leakThresholdBytesPerSecond = threshold
    result.moreSecondsNeeded = more
    result.recentSlopeBytesPerSecond = trend.lastThirdSlope
    return result
  }

  /// Candidate onsets of a late leak, as fractions of the judged floor: the tail from its middle,
  /// and its last third.
  static let onsetFractions = [1.0 / 2.0, 2.0 / 3.0]
  /// A late leak's floor before its onset held level: its slope at most this share of the
  /// growth's after it (and no significant rise of its own).
  static let onsetHeadShare = 0.25
  /// A late leak's rise since its onset, in σ of the noise (the larger of the floor's before
  /// the onset and after it).
  static let onsetRiseInNoise = 7.0
  /// How far, in the same σ, the floor must end above the highest floor point before the onset.
  static let onsetClearanceInNoise = 4.0

  /// A leak that began within the window after the floor held level (a code path first taken
  /// an hour in): the whole window's trend dilutes it — flat, then rising, fits one line badly
  /// and its residuals look autocorrelated — so the verdict is `inconclusive` while memory
  /// climbs. The tail from each candidate onset (``onsetFractions``, latest last) is judged by
  /// the same rules at a significance level divided among the candidates; it is a leak when
  /// that tail is, and the floor before it held level (``onsetHeadShare``). A warm-up (rising,
  /// then level) never qualifies: its tail does not rise, or its head does.
  private func lateOnset(
    floor: FloorSeries, source: FloorSource, label: String, end: Double, limitBytes: Double?,
    shifts: [LevelShift], lastShift: LevelShift?
  ) -> TrendResult? {
    let config = configuration
    var stricter = config
    stricter.alpha = config.alpha / Double(Self.onsetFractions.count)
    let judge = TrendAnalyzer(stricter)
    for fraction in Self.onsetFractions {
      let k = Int((Double(floor.count) * fraction).rounded(.down))
      guard k >= config.minPoints / 2, k < floor.count else { continue }
      // Cheap first: a floor that does not end above everything before the candidate is no
      // late leak (a level series almost never does), and its tail is not rebuilt.
      let headTop = floor.values[..<k].max() ?? .infinity
      guard floor.values.suffix(3).min() ?? -.infinity > headTop else { continue }
      let onset = floor.times[k]
      let tail = source.floor(onset)
      guard tail.count >= config.minimumPoints(for: tail),
        let trend = SegmentTrend(times: tail.times, values: tail.values),
        let head = SegmentTrend(times: Array(floor.times[..<k]), values: Array(floor.values[..<k])),
        trend.sen.slope > 0,
        head.pIncreasing >= config.alpha, head.sen.slope <= Self.onsetHeadShare * trend.sen.slope
      else { continue }
      // Slow wander lifts a tail too: the rise must stand far above the level's own noise
      // before the onset, and the floor must end well above anything it showed before.
      let noise = max(head.residualSigma, trend.residualSigma, 1)
      let rise = trend.sen.slope * trend.duration
      guard rise >= Self.onsetRiseInNoise * noise,
        trend.sen.value(at: end) - headTop >= Self.onsetClearanceInNoise * noise
      else { continue }
      var result = judge.decide(
        trend: trend, floor: tail, source: source, label: label, end: end, limitBytes: limitBytes,
        staircase: false, shifts: shifts, lastShift: lastShift)
      guard result.verdict == .leak else { continue }
      // The candidate only shows there is a late leak; it began at the hinge that fits the
      // floor best (level, then a line), judged from there when that still reads as a leak.
      if let hinge = Self.hinge(floor, from: config.minPoints / 2, through: k), hinge < onset {
        let longer = source.floor(hinge)
        if let trend = SegmentTrend(times: longer.times, values: longer.values) {
          let refined = judge.decide(
            trend: trend, floor: longer, source: source, label: label, end: end, limitBytes: limitBytes,
            staircase: false, shifts: shifts, lastShift: lastShift)
          if refined.verdict == .leak { result = refined }
        }
      }
      result.onset = result.window.start
      result.caveat = "judged only on the data since the growth began"
      return result
    }
    return nil
  }

  /// The time of the floor point, among indices `from...through`, at which "level, then a
  /// straight rise" fits `floor` with the least squared error; nil when there is no such point.
  static func hinge(_ floor: FloorSeries, from: Int, through: Int) -> Double? {
    let (t, y) = (floor.times, floor.values)
    guard from >= 1, through < t.count, from <= through else { return nil }
    var best: (error: Double, time: Double)?
    for k in from...through {
      // y ≈ c + s · max(0, t − t_k): least squares in c and s.
      let x = t.map { max(0, $0 - t[k]) }
      let n = Double(t.count)
      let (sx, sy) = (x.reduce(0, +), y.reduce(0, +))
      let sxx = x.reduce(0) { $0 + $1 * $1 }
      let sxy = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
      let denominator = n * sxx - sx * sx
      guard denominator > 0 else { continue }
      let slope = (n * sxy - sx * sy) / denominator
      let level = (sy - slope * sx) / n
      let error = zip(x, y).reduce(0) { total, point in
        let residual = point.1 - (level + slope * point.0)
        return total + residual * residual
      }
      if slope > 0, error < best?.error ?? .infinity { best = (error, t[k]) }
    }
    return best?.time
  }

  /// The blind spot TREND.md asks to name rather than guess about, if one applies.
  private static func caveat(verdict: TrendVerdict, duration: Double, afterStep: Bool) -> String? {
    switch verdict {
    case .leak where duration >= 3600 && duration < 86400:
      return "a daily cycle cannot be ruled out in a window shorter than 24 h"
    case .leak where afterStep:
      return "judged only on the data since the last step"
    case .plateau:
      return "a leak that starts during the warm-up shows only once the warm-up has settled"
    case .stable where duration < 86400 && duration >= 3600:
      return "slow periodic load with a period close to the window can hide or fake a trend"
    default:
      return nil
    }
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

  /// The steps placed where they happened, not at the floor point that shows them (a bin
  /// minimum at its bin's middle: up to a bin and a half after a rise, half a bin either side
  /// of a fall).
  ///
  /// A rise is at the first sample of the last run at the new level (the floor point after
  /// it), looked for back from that point to the one two before it: the bin before still held
  /// the old level. A fall is at the first sample of the last run below the old level (the
  /// floor point before it), looked for back from the floor point after the step's: the
  /// step's own bin holds the fall. "At" a level allows three of the floor's noise σ, never
  /// more than half the step, so one noisy sample does not put the step late. A step that is
  /// not at a floor point keeps its time. Only the times reported change; the segments judged
  /// still begin at the floor points.
  private func locate(_ steps: [Step], in whole: FloorSeries, source: FloorSource) -> [Step] {
    guard !steps.isEmpty else { return steps }
    let times = whole.times
    let values = whole.values
    let differences = zip(values.dropFirst(), values).map { $0 - $1 }
    let noise = differences.count >= 2 ? RobustStatistics.mad(differences) * 1.4826 / 2.0.squareRoot() : 0
    return steps.map { step in
      guard let j = times.firstIndex(of: step.time), j >= 1 else { return step }
      let allowance = min(3 * noise, abs(values[j] - values[j - 1]) / 2)
      let located: Double?
      if step.heightBytes >= 0 {
        // The first point after a rise may be a bin that holds the rise itself (its minimum a
        // sample on the way up): the level is the lower of the two points after it, when both
        // stand higher.
        let next = values[(j + 1)..<min(j + 3, values.count)]
        let held = next.count == 2 && next.allSatisfy({ $0 > values[j] }) ? next.min() ?? values[j] : values[j]
        let level = held - allowance
        located = source.runStart(j >= 2 ? times[j - 2] : -.infinity, step.time) { $0 >= level }
      } else {
        let level = values[j - 1] - allowance
        let through = j + 1 < times.count ? times[j + 1] : Double.infinity
        located = source.runStart(times[j - 1], through) { $0 < level }
      }
      return located.map { Step(time: $0, heightBytes: step.heightBytes) } ?? step
    }
  }

  /// Maps a p-value to 0…1: 0.01 → 0.5, 1e-4 → 1.
  private static func strength(_ p: Double) -> Double {
    min(1, max(0, -log10(max(p, 1e-300)) / 4))
  }

  private func insufficient(
    _ floor: FloorSeries, label: String, end: Double, shifts: [LevelShift] = []
  ) -> TrendResult {
    let start = floor.times.first ?? end
    var result = TrendResult(
      verdict: .insufficientData, slopeBytesPerSecond: .nan,
      slopeCI: SlopeInterval(low: .nan, high: .nan), pValue: .nan, confidence: 0,
      window: AnalysisWindow(start: start, end: end, points: floor.count, samples: floor.sampleCount),
      explanation: "", timeToLimit: nil, floorBytes: floor.values.last ?? .nan,
      noiseBytes: .nan, floorMethod: floor.method, levelShifts: shifts.count, effectivePoints: 0)
    result.steps = shifts.map { Step(time: $0.time, heightBytes: $0.heightBytes) }
    result.sawtooth = Sawtooth(floor)
    result.unit = configuration.unit
    result.explanation =
      TrendExplanation(
        label: label, result: result, staircase: false,
        minPoints: configuration.minimumPoints(for: floor), riseInNoise: configuration.minRiseInNoise
      ).sentence
    return result
  }
}

// MARK: - Shape

extension TrendAnalyzer {
  /// Recognises a rise that levelled off in the whole floor: when the floor rose by more than
  /// the size gate and has since held within a few noise σ of one level, the verdict becomes
  /// `plateau` and the rate is that of the held part. A rise made in one jump is a step
  /// instead, named in `steps` (added when the step detector missed it).
  fileprivate func shape(
    _ result: inout TrendResult, whole: FloorSeries, source: FloorSource, end: Double, label: String,
    limitBytes: Double?
  ) {
    let v = whole.values
    let t = whole.times
    let n = v.count
    guard n >= 8, let first = t.first else { return }
    let noise = max(whole.differenceSigma / 2.0.squareRoot(), 1)
    let tail = Array(v[(n - max(n / 3, 4))...])
    let level = RobustStatistics.median(tail)
    let startLevel = v[0..<3].min() ?? v[0]
    let rise = level - startLevel
    let gate = max(
      configuration.minRiseInNoise * noise, configuration.minRiseFraction * abs(level),
      configuration.minRiseBytes)
    guard rise >= gate else { return }
    let tolerance = max(3 * noise, 0.1 * rise)
    // The floor holds from k on: every later point within the tolerance of the level.
    var k = n
    while k > 0 && abs(v[k - 1] - level) <= tolerance { k -= 1 }
    guard k >= 1, n - k >= max(4, n / 6) else { return }
    var largest = 0.0
    var largestAt = 0
    for i in 0..<k where v[i + 1] - v[i] > largest {
      largest = v[i + 1] - v[i]
      largestAt = i + 1
    }
    // The growth began after the last point still at the starting level.
    var j0 = k - 1
    while j0 > 0 && v[j0] > startLevel + tolerance { j0 -= 1 }
    // Made in one jump, or within a few floor points: a step (a load), not a warm-up.
    if largest >= 0.5 * rise || k - j0 <= 3 {
      // One jump: a step, not a warm-up. When the step detector missed it, judge the part
      // after it, as after any step.
      guard result.steps.isEmpty else { return }
      let stepTime = t[largestAt]
      let step = Step(time: stepTime, heightBytes: rise)
      result.steps = [step]
      let after = source.floor(stepTime)
      if result.window.start < stepTime, after.count >= configuration.minimumPoints(for: after),
        let trend = SegmentTrend(times: after.times, values: after.values)
      {
        // Judged afresh on the part after the step, by the same rules (a leak may follow a load).
        let shift = LevelShift(index: largestAt, time: stepTime, heightBytes: rise)
        result = decide(
          trend: trend, floor: after, source: source, label: label, end: end, limitBytes: limitBytes,
          staircase: false, shifts: [shift], lastShift: shift)
        result.steps = [step]
      } else if result.window.start < stepTime {
        // Too little data since the step to judge what follows it.
        let shift = LevelShift(index: largestAt, time: stepTime, heightBytes: rise)
        result = insufficient(after, label: label, end: end, shifts: [shift])
      }
      return
    }
    // Gradual growth: a plateau, judged since it levelled.
    let heldFrom = t[k]
    result.plateau = Plateau(
      growthStart: j0 > 0 ? t[j0] : first, levelledAt: heldFrom, riseBytes: rise, levelBytes: level,
      heldSeconds: end - heldFrom)
    result.verdict = .plateau
    result.moreSecondsNeeded = nil
    result.timeToLimit = nil
    result.steps = result.steps.filter { $0.time > heldFrom }
    _ = judgeHeld(&result, from: heldFrom, source: source, end: end)
    result.caveat = "a leak that starts during the warm-up shows only once the warm-up has settled"
  }

  /// Re-measures the rate on the floor from `start` on (at least 6 points); returns its trend.
  fileprivate func judgeHeld(
    _ result: inout TrendResult, from start: Double, source: FloorSource, end: Double
  ) -> SegmentTrend? {
    let held = source.floor(start)
    guard held.count >= 6, let trend = SegmentTrend(times: held.times, values: held.values) else { return nil }
    result.slopeBytesPerSecond = trend.sen.slope
    result.slopeCI = SlopeInterval(low: trend.sen.low, high: trend.sen.high)
    result.pValue = trend.sen.slope >= 0 ? trend.pIncreasing : trend.pDecreasing
    result.window = AnalysisWindow(start: trend.start, end: end, points: trend.count, samples: held.sampleCount)
    result.floorBytes = trend.sen.value(at: end)
    result.noiseBytes = trend.residualSigma
    result.recentSlopeBytesPerSecond = trend.lastThirdSlope
    result.confidence = min(1, Double(trend.count) / Double(2 * configuration.minPoints))
    let gates = self.gates(trend, end: end)
    result.leakThresholdBytesPerSecond = gates.threshold
    return trend
  }

  /// The rate gate, size gate and leak threshold for a segment's trend.
  fileprivate func gates(_ trend: SegmentTrend, end: Double) -> (rate: Double, rise: Double, threshold: Double) {
    let config = configuration
    let floorNow = trend.sen.value(at: end)
    let rateGate = max(config.minRateBytesPerSecond, config.minRelativeRatePerSecond * abs(floorNow))
    let noise = max(trend.residualSigma, 1)
    let riseGate = max(
      config.minRiseInNoise * noise, config.minRiseFraction * abs(floorNow), config.minRiseBytes)
    let threshold = max(rateGate, riseGate / max(trend.duration, config.stableHorizonSeconds, 1e-9))
    return (rateGate, riseGate, threshold)
  }

  /// About how many more seconds, sampling as now, until the slope's interval would either
  /// lie under the leak threshold or above what a leak needs; nil when not within a thousandfold the window.
  ///
  /// The interval's half-width shrinks as window^−1.5 while floor points accrue (as window^−1
  /// once they are capped), and the size gate spreads over the longer window.
  static func moreSeconds(
    slope: Double, high: Double, duration: Double, points: Int, rateGate: Double,
    riseGate: Double, horizon: Double, maxPoints: Int
  ) -> Double? {
    guard duration > 0, high.isFinite, slope.isFinite else { return nil }
    let width = max(high - slope, 0)
    var k = 1.05
    while k <= 1000 {
      let longer = duration * k
      let exponent = Double(points) * k < Double(maxPoints) ? 1.5 : 1
      let w = width * pow(k, -exponent)
      let threshold = max(rateGate, riseGate / max(longer, horizon))
      // Settled either way: the interval under the threshold (stable), or above both the rate
      // gate and the rate that clears the size gate over the longer window (a leak).
      if slope + w < threshold || slope - w > max(rateGate, riseGate / longer) { return longer - duration }
      k *= 1.05
    }
    return nil
  }
}
