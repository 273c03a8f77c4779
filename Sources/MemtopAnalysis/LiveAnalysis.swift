import Foundation
import MemtopSampling
import MemtopTrend

/// The analyzer run live: a floor pyramid per charted metric (O(1) appends), re-evaluated every
/// few samples, each feeding a ``LeakAlert`` (two consecutive positives raise it).
///
/// Up to ``rawCapacity`` samples the raw samples are kept and judged exactly as `memtop
/// analyze` judges the same samples read back from a file, so the live view and the
/// recording state the same verdict and rate; past that the pyramid serves every evaluation
/// in O(bins). While the series is young (fewer samples than
/// ``TrendConfiguration/youngSampleCount``) it is evaluated every ``youngEvaluateEvery``
/// samples, so a clear leak shows within a few dozen samples.
///
/// Pure: no clock; the caller decides when samples arrive.
public struct LiveAnalysis: Sendable {
  /// The metrics analysed: the ones `record` and `analyze` judge (``Assessment/metrics``).
  public static let metrics = Assessment.metrics
  /// A process tree's total is judged on its PSS first, as `record` and `analyze` judge it.
  public static let treeMetrics = Assessment.treeMetrics

  /// The metrics this analysis judges.
  public let metrics: [Metric]
  /// Samples between evaluations while the series is young.
  package static let youngEvaluateEvery = 2
  /// Samples kept raw (per metric, two doubles each) before judging from the pyramid alone.
  public static let rawCapacity = 20_000
  /// Seconds of the series between two evaluations at least: at a fast interval the verdict
  /// moves no faster than a reader follows it (nor than the watch session judges, once a
  /// second), and the analyzer's cost stays per second, not per sample.
  package static let minimumEvaluationGap = 1.0

  /// Samples between evaluations.
  public var evaluateEvery: Int
  private var pyramids: [FloorPyramid]
  private var raw: [MetricSeries]
  private var alerts: [LeakAlert]
  private var samplesSinceEvaluation = 0
  /// The series time of the latest evaluation made by ``append(_:limitBytes:)``.
  private var lastEvaluationElapsed: Double?
  /// When set, evaluations fall on the samples whose count plus this phase is a multiple of
  /// the interval, so many analyses started together (the process table's rows) take turns.
  private let phase: Int?
  private let analyzer: TrendAnalyzer
  /// The analyzer per metric: counts (threads, descriptors) are judged in things, not bytes.
  private let analyzers: [TrendAnalyzer]
  /// Samples kept raw by this analysis (``rawCapacity`` unless given).
  package let rawLimit: Int
  /// A pyramid as each metric's starts (and starts again after an exec).
  private var emptyPyramid: FloorPyramid
  /// Levels of a pyramid sized by `maxFloorPoints` (a row of the process table): at one
  /// reading a second and 64 points, they reach back 11.5 hours.
  package static let rowPyramidLevels = 8
  /// Series time of the first sample.
  private var firstElapsed: Double?
  /// The command line the samples last named.
  private var command: String?
  /// The latest result per metric (same order as ``metrics``), nil before the first evaluation.
  public private(set) var results: [TrendResult?]
  /// With ``skipsUnchanged``: evaluations left out in a row since the last one made.
  private var skippedEvaluations = 0
  /// Whether any metric's value differed from the one before it since the last evaluation.
  private var changedSinceEvaluation = true
  /// The latest value appended per metric (NaN before the first).
  private var lastValues: [Double]
  /// Whether a scheduled evaluation is left out while nothing moved (see ``skipsUnchanged``).
  public var skipsUnchanged = false
  /// The most scheduled evaluations left out in a row while nothing moved: the window and its
  /// figures are brought up to date at least every `maxSkippedEvaluations + 1` intervals.
  package static let maxSkippedEvaluations = 5
  /// Evaluations left out so far because nothing moved.
  public private(set) var evaluationsSkipped = 0
  /// Samples appended so far.
  public private(set) var samples = 0

  /// - Parameter tree: judge a process tree's total (PSS first, sums labelled as such).
  /// `confirmSeconds`: how long a leak's growth must have lasted before its alert is raised
  /// (the process table and `serve` raise at two consecutive positives; the live banner's
  /// wait is ``LeakAlert/liveConfirmSeconds``).
  public init(evaluateEvery: Int = 5, tree: Bool = false, confirmSeconds: Double = 0) {
    self.init(
      metrics: tree ? Self.treeMetrics : Self.metrics, evaluateEvery: evaluateEvery, confirmSeconds: confirmSeconds)
  }

  /// Judges `metrics` (memory by kind and counts among them), keeping at most `rawCapacity`
  /// samples raw before judging from the pyramids alone.
  /// `pyramidCapacity` bins are kept per pyramid level (the analyzer reads at most 256 floor
  /// points, so 256 loses no window that a coarser level cannot serve); nil keeps
  /// ``FloorPyramid/bounded()``'s.
  /// `maxFloorPoints`, when given, judges as the process table's rows are judged: at most that
  /// many floor points a window (the statistics are O(n²): 64 points cost a sixteenth of 256),
  /// from pyramids of that many bins a level and at most ``rowPyramidLevels`` levels, so a
  /// row's memory is bounded whatever the run's length (`pyramidCapacity` is then unused),
  /// lazy (no bins until a metric's value first changes) and compact (16-byte bins, 32-bit
  /// offsets from the first reading: ``FloorPyramid``).
  /// `phase`, when given, spreads evaluations: they fall on the samples whose count plus
  /// `phase` is a multiple of the interval, so analyses started on one tick take turns.
  /// `skipsUnchanged` leaves out scheduled evaluations while nothing moved (the process
  /// table's thousand idle rows).
  public init(
    metrics: [Metric], evaluateEvery: Int = 5, rawCapacity: Int = LiveAnalysis.rawCapacity, pyramidCapacity: Int? = nil,
    maxFloorPoints: Int? = nil,
    phase: Int? = nil, confirmSeconds: Double = 0, skipsUnchanged: Bool = false
  ) {
    self.skipsUnchanged = skipsUnchanged
    self.evaluateEvery = max(evaluateEvery, 1)
    self.phase = phase.map { max($0, 0) }
    self.metrics = metrics
    rawLimit = max(rawCapacity, 0)
    var configuration = TrendConfiguration()
    var counts = TrendConfiguration.counts
    if let maxFloorPoints {
      configuration.maxFloorPoints = max(maxFloorPoints, configuration.minPoints)
      counts.maxFloorPoints = configuration.maxFloorPoints
    }
    analyzer = TrendAnalyzer(configuration)
    analyzers = metrics.map { $0.isCount ? TrendAnalyzer(counts) : TrendAnalyzer(configuration) }
    let empty =
      if maxFloorPoints != nil {
        // A level holds the points a window may use, trimmed by one as each bin completes, in
        // 16 bytes a bin; no bins at all while the value has not changed (most processes'
        // RSS never does).
        Self.rowPyramid(floorPoints: configuration.maxFloorPoints)
      } else {
        pyramidCapacity.map { FloorPyramid(capacity: $0) } ?? FloorPyramid.bounded()
      }
    emptyPyramid = empty
    pyramids = metrics.map { _ in empty }
    raw = metrics.map { _ in MetricSeries(times: [], values: []) }
    alerts = metrics.map { _ in LeakAlert(minimumGrowthSeconds: confirmSeconds) }
    results = metrics.map { _ in nil }
    lastValues = metrics.map { _ in .nan }
  }

  /// The pyramid of a row judged on at most `floorPoints` points a window: that many bins a
  /// level, trimmed by one as each bin completes, at most ``rowPyramidLevels`` levels; lazy
  /// and compact unless asked otherwise (``FloorPyramid``).
  package static func rowPyramid(floorPoints: Int, lazy: Bool = true, compact: Bool = true) -> FloorPyramid {
    FloorPyramid(capacity: floorPoints, slack: 1, maxLevels: rowPyramidLevels, lazy: lazy, compact: compact)
  }

  /// Floor-pyramid bins held in memory, every metric's together (none for a metric whose
  /// value has not changed, with `maxFloorPoints`).
  package var binsHeld: Int { pyramids.reduce(0) { $0 + $1.binsHeld } }

  /// Makes every metric's pyramid bin its samples from the first, as an analysis without
  /// `maxFloorPoints` does, where a row's waits for its value to change: the path a lazy row
  /// is checked against. Only before the first sample.
  package mutating func binFromTheFirstSample() {
    guard samples == 0 else { return }
    emptyPyramid = emptyPyramid.built()
    pyramids = metrics.map { _ in emptyPyramid }
  }

  /// Whether it judges a tree's total.
  public var isTree: Bool { metrics == Self.treeMetrics }

  /// How metric `metric` is named: a tree's PSS is "tree PSS", its other figures are sums.
  public func label(_ metric: Metric, summed: Bool = false) -> String {
    Assessment.label(metric, tree: isTree || summed)
  }

  /// Whether metric `i`'s leak alert is raised.
  package func isRaised(_ i: Int) -> Bool { alerts[i].isRaised }

  /// Whether the series is still young (evaluated often).
  package var isYoung: Bool { samples < analyzer.configuration.youngSampleCount }
  /// Whether every sample so far is kept raw (judged as `memtop analyze` judges them).
  package var keepsRaw: Bool { samples <= rawLimit }

  /// Adds a sample; every `evaluateEvery` samples (``youngEvaluateEvery`` while young),
  /// re-runs the analyzer against `limitBytes`. Returns whether it evaluated.
  @discardableResult
  public mutating func append(_ sample: MemorySample, limitBytes: Double?) -> Bool {
    // A launcher's exec into the program in its first seconds: judged from the program's exec,
    // as `record` and `analyze` judge it (``MemorySample/startupExecSeconds``).
    if samples > 0, let named = sample.command, named != command, let first = firstElapsed,
      sample.elapsed - first <= MemorySample.startupExecSeconds
    {
      restart()
    }
    if samples == 0 { firstElapsed = sample.elapsed }
    if let named = sample.command { command = named }
    samples += 1
    for (i, metric) in metrics.enumerated() {
      let value = sample[metric].map { Double($0) } ?? .nan
      if value != lastValues[i] && !(value.isNaN && lastValues[i].isNaN) { changedSinceEvaluation = true }
      lastValues[i] = value
      pyramids[i].append(time: sample.elapsed, value: value)
      if keepsRaw {
        raw[i].times.append(sample.elapsed)
        raw[i].values.append(value)
      } else if !raw[i].times.isEmpty {
        raw[i] = MetricSeries(times: [], values: [])
      }
    }
    samplesSinceEvaluation += 1
    let interval = isYoung ? Self.youngEvaluateEvery : evaluateEvery
    if let phase {
      guard (samples + phase) % interval == 0 else { return false }
    } else {
      guard samplesSinceEvaluation >= interval else { return false }
      if let last = lastEvaluationElapsed, sample.elapsed - last < Self.minimumEvaluationGap { return false }
    }
    lastEvaluationElapsed = sample.elapsed
    if skipsUnchanged && settled {
      samplesSinceEvaluation = 0
      skippedEvaluations += 1
      evaluationsSkipped += 1
      return false
    }
    evaluate(limitBytes: limitBytes)
    return true
  }

  /// Whether a scheduled evaluation can be left out: every metric held the value it had at the
  /// last evaluation, each was judged `stable` or `plateau` there with no alert raised (more
  /// of the same level cannot make either a leak; an alert must see evaluations to clear, and
  /// young, inconclusive or growing series gain evidence from every sample), and fewer than
  /// ``maxSkippedEvaluations`` were left out in a row.
  private var settled: Bool {
    guard !changedSinceEvaluation, skippedEvaluations < Self.maxSkippedEvaluations else { return false }
    for (i, result) in results.enumerated() {
      guard let verdict = result?.verdict, verdict == .stable || verdict == .plateau, !alerts[i].isRaised else {
        return false
      }
    }
    return true
  }

  /// The first metric's readings as the analysis keeps them, at most `maxPoints` (its floor:
  /// each point the lowest reading of a stretch, at the stretch's start), to carry the series
  /// into another analysis (``carry(_:)``) across a restart of memtop.
  public func carriedPoints(maxPoints: Int = 96) -> [(time: Double, value: Double)] {
    guard let pyramid = pyramids.first, samples > 0, maxPoints > 0 else { return [] }
    let floor = pyramid.floor(maxPoints: maxPoints)
    let points = zip(floor.times, floor.values).filter { $0.0.isFinite && $0.1.isFinite }
    guard points.count > maxPoints else { return points.map { (time: $0.0, value: $0.1) } }
    // The coarsest level still holds more than asked: neighbours are merged, lowest kept.
    let size = (points.count + maxPoints - 1) / maxPoints
    return stride(from: 0, to: points.count, by: size).map { start in
      let chunk = points[start..<min(start + size, points.count)]
      return (time: chunk.first?.0 ?? 0, value: chunk.map(\.1).min() ?? 0)
    }
  }

  /// Starts a fresh analysis of one metric from points carried out of an earlier one
  /// (``carriedPoints(maxPoints:)``), in time order and before any reading of its own; judged
  /// once, so the growth they show counts towards the alert's confirmation as if memtop had
  /// not stopped. Points out of order or not finite are left out.
  public mutating func carry(_ points: [(time: Double, value: Double)]) {
    guard samples == 0, metrics.count == 1 else { return }
    var last = -Double.infinity
    for point in points where point.time.isFinite && point.value.isFinite && point.value >= 0 && point.time > last {
      last = point.time
      if samples == 0 { firstElapsed = point.time }
      samples += 1
      lastValues[0] = point.value
      pyramids[0].append(time: point.time, value: point.value)
      if keepsRaw {
        raw[0].times.append(point.time)
        raw[0].values.append(point.value)
      }
    }
    if samples > 0 { evaluate(limitBytes: nil) }
  }

  /// Forgets every sample: the series starts again (its settings kept).
  private mutating func restart() {
    samples = 0
    samplesSinceEvaluation = 0
    lastEvaluationElapsed = nil
    firstElapsed = nil
    skippedEvaluations = 0
    changedSinceEvaluation = true
    pyramids = pyramids.map { _ in emptyPyramid }
    raw = metrics.map { _ in MetricSeries(times: [], values: []) }
    alerts = alerts.map { LeakAlert(minimumGrowthSeconds: $0.minimumGrowthSeconds) }
    results = metrics.map { _ in nil }
    lastValues = metrics.map { _ in .nan }
  }

  /// Re-runs the analyzer on every metric now.
  public mutating func evaluate(limitBytes: Double?) {
    samplesSinceEvaluation = 0
    skippedEvaluations = 0
    changedSinceEvaluation = false
    for (i, metric) in metrics.enumerated() {
      let result =
        keepsRaw
        ? analyzers[i].analyze(raw[i], label: label(metric), limitBytes: limitBytes)
        : analyzers[i].analyze(pyramids[i], label: label(metric), limitBytes: limitBytes)
      alerts[i].update(with: result)
      results[i] = result
    }
  }

  /// The assessment of the latest evaluation; `summed` labels a tree total's figures as sums.
  /// A metric whose alert is raised is in ``Assessment/raised``: the live view says LEAK only
  /// for those.
  public func assessment(summed: Bool = false) -> Assessment {
    var entries: [Assessment.Entry] = []
    var raised: Set<Metric> = []
    for (i, metric) in metrics.enumerated() {
      guard let result = results[i] else { continue }
      var shown = result
      let label = label(metric, summed: summed)
      if summed && !isTree { shown.explanation = result.explanation.replacingFirst(metric.label, with: label) }
      entries.append(Assessment.Entry(metric: metric, label: label, result: shown))
      if alerts[i].isRaised { raised.insert(metric) }
    }
    var assessment = Assessment(entries: entries)
    assessment.raised = raised
    return assessment
  }
}

extension String {
  /// This string with the first occurrence of `target` replaced.
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = range(of: target) else { return self }
    return replacingCharacters(in: range, with: replacement)
  }
}
