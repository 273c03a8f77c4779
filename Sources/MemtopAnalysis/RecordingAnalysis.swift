import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTrend

/// The analyzer's verdicts on a whole recording: RSS, anon and heap of its last process lifetime.
public struct RecordingAnalysis: Sendable, Equatable {
  /// The metrics a recording is judged on (``Assessment/metrics``).
  public static let metrics = Assessment.metrics
  /// The metrics a process tree's total is judged on (``Assessment/treeMetrics``).
  public static let treeMetrics = Assessment.treeMetrics

  /// Whether the recording is a process tree's total (`--children`).
  public var isTree: Bool
  /// The metrics judged, in report order.
  public var judged: [Metric] { isTree ? Self.treeMetrics : Self.metrics }

  /// How a metric is named in the verdict: a tree's sums are labelled as such.
  public func label(_ metric: Metric) -> String { Assessment.label(metric, tree: isTree) }

  /// Results per metric.
  public var results: [Metric: TrendResult]
  /// The process whose lifetime was analysed.
  public var pid: Int32
  /// Samples in that lifetime.
  public var samples: Int
  /// Seconds covered by that lifetime's samples.
  public var duration: Double
  /// Earlier lifetimes (another pid, or the pid reused) left out, so two processes are never mixed.
  package var skippedLifetimes: Int
  /// The limit projections were made against, if any.
  public var limit: MemoryLimit?
  /// Memory by kind and the counts of the same lifetime, each judged (empty when the
  /// recording has no such columns).
  public var regions = RegionAssessment(entries: [])
  /// How many rows of that lifetime read the detailed figures (heap, memory by kind, PSS)
  /// afresh and how many carried the latest reading; nil for a recording without
  /// `detail_age_ms`.
  public var detailReadings: DetailReadings?

  /// Analyses a recording against an optional memory limit.
  public init(timeline: Timeline, limit: MemoryLimit?, analyzer: TrendAnalyzer = TrendAnalyzer()) {
    // Group rows by process lifetime (pid and start time) and analyse the last sample's.
    let (rows, others) = timeline.lastLifetime()
    self.pid = timeline.pids.last ?? 0
    self.samples = rows?.count ?? timeline.count
    let first = rows?.first ?? 0
    let last = rows?.last ?? timeline.count - 1
    self.duration = timeline.isEmpty ? 0 : timeline.elapsed[last] - timeline.elapsed[first]
    self.skippedLifetimes = others
    self.limit = limit
    isTree = timeline.isTreeTotal
    results = [:]
    var results: [Metric: TrendResult] = [:]
    // The Python agent's own bytes (a recording made with --python) come out first: looking
    // inside never changes the answer.
    let observer = timeline.series(.observer)
    let edges = timeline.observerEdges
    let observed = observer.values.contains { !$0.isNaN && $0 > 0 }
    for metric in judged {
      var series = timeline.series(metric)
      if observed && Metric.holdingObserver.contains(metric) {
        series.values = zip(series.values, observer.values).map { value, held in
          guard !held.isNaN, !value.isNaN, let bytes = UInt64(exactly: held.rounded()) else { return value }
          return max(0, value - Double(MemorySample.observerKiB(bytes)))
        }
      }
      let lifetime =
        rows.map { MetricSeries(times: $0.map { series.times[$0] }, values: $0.map { series.values[$0] }) } ?? series
      results[metric] = analyzer.analyze(
        lifetime, label: label(metric), limitBytes: limit.map { Double($0.bytes) },
        edges: Metric.holdingObserver.contains(metric) ? edges : [])
    }
    self.results = results
    regions = RegionAssessment(series: { metric in
      let series = timeline.series(metric)
      return rows.map { MetricSeries(times: $0.map { series.times[$0] }, values: $0.map { series.values[$0] }) }
        ?? series
    })
    detailReadings = DetailReadings(ages: timeline.series(.detailAge).values, rows: rows)
    // The walk's count of malloc arenas, when the recording has it: the where sentence says
    // "8 arenas, one per thread" from a file as it does live.
    let arenas = timeline.series(.arenas)
    let lifetime = rows ?? Array(0..<arenas.values.count)
    if let index = lifetime.last(where: { $0 < arenas.values.count && !arenas.values[$0].isNaN }),
      let count = Int(exactly: arenas.values[index])
    {
      regions.detail = RegionDetail(arenas: count)
    }
  }

  /// Analyses a headless recording's in-memory digest (its last lifetime).
  ///
  /// While the digest still holds every sample this is exactly the analysis of the same
  /// samples read back from the file; past its capacity the floors come from its pyramids
  /// (bin minima, as the live view judges).
  ///
  /// - Parameter regions: the bounded store of memory by kind and the counts (see
  ///   ``RegionAssessment/metrics``), when the watch keeps one.
  public init(
    digest: RecordingDigest, limit: MemoryLimit?, regions: RecordingDigest? = nil, detail: RegionDetail? = nil,
    analyzer: TrendAnalyzer = TrendAnalyzer()
  ) {
    pid = digest.pid
    samples = digest.judgedCount
    duration = (digest.lastElapsed ?? 0) - (digest.programStart?.elapsed ?? digest.firstElapsed ?? 0)
    skippedLifetimes = digest.skippedLifetimes
    self.limit = limit
    isTree = digest.isTreeTotal
    results = [:]
    var results: [Metric: TrendResult] = [:]
    let limitBytes = limit.map { Double($0.bytes) }
    for metric in judged {
      if let series = digest.judgedSeries(metric) {
        results[metric] = analyzer.analyze(
          series, label: label(metric), limitBytes: limitBytes,
          edges: Metric.holdingObserver.contains(metric) ? digest.observerEdges : [])
      } else if let pyramid = digest.pyramid(metric) {
        results[metric] = analyzer.analyze(pyramid, label: label(metric), limitBytes: limitBytes)
      }
    }
    self.results = results
    if let regions, regions.pid == digest.pid { self.regions = RegionAssessment(digest: regions, detail: detail) }
  }

  /// The one assessment every surface renders.
  public var assessment: Assessment { assessment(raised: []) }

  /// The assessment with the live leak alerts `raised` (before memory by kind is applied, so
  /// an alert on growth that is page cache alone is dropped as the verdict drops it).
  public func assessment(raised: Set<Metric>) -> Assessment {
    var assessment = Assessment(
      entries: judged.compactMap { metric in
        results[metric].map { Assessment.Entry(metric: metric, label: label(metric), result: $0) }
      }
    )
    assessment.raised = raised.intersection(judged)
    return assessment.withRegions(regions)
  }

  /// `leak` if any metric leaks (growth explained by reclaimable page cache alone aside),
  /// else the most telling verdict.
  public var verdict: TrendVerdict { results.isEmpty ? .insufficientData : assessment.verdict }

  /// The JSON document for `memtop analyze --json`.
  public var report: AnalysisReport {
    var report = AnalysisReport(results: results)
    report.verdict = verdict
    report.regions = regions
    report.detailReadings = detailReadings
    if !results.isEmpty {
      report.judgedOn = leadingMetric.rawValue
      report.basis = assessment.basis
    }
    return report
  }

  /// The metric that best explains the combined verdict (see ``Assessment/leading``).
  package var leadingMetric: Metric { assessment.leading?.metric ?? judged[0] }
}

// MARK: - Text

extension RecordingAnalysis {
  /// One line for the end of a recording, e.g.
  /// `verdict: leak: anon +41.0 MiB/h (95 % 38.0 MiB/h to 44.1 MiB/h), limit in 5 h 10 m: anon rose …`.
  public var verdictLine: String {
    guard let result = results[leadingMetric] else { return verdictSummary }
    let line = verdictSummary + "; " + result.explanation
    return assessment.whereSentence.map { line + "; where: " + $0 } ?? line
  }

  /// The verdict with the leading metric's rate and time to limit, without the explanation,
  /// e.g. `verdict: leak: RSS +41.0 MiB/h (95 % …), reaches the 4.00 GiB limit in about 5 h 10 m`.
  public var verdictSummary: String { results.isEmpty ? "verdict: insufficient-data" : assessment.summary }

  /// Whether the combined verdict is about a trend whose rate is worth showing.
  package var showsRate: Bool { assessment.showsRate }

  /// The human report `memtop analyze` prints.
  public func reportText(path: String) -> String {
    var lines: [String] = []
    var head =
      "\(Sanitizer.terminalSafe(path)): \(samples) samples over \(ByteFormat.duration(duration)) of process \(pid)"
    if skippedLifetimes > 0 {
      head +=
        " (its last lifetime; \(skippedLifetimes) earlier process\(skippedLifetimes == 1 ? "" : "es") with another PID left out)"
    }
    lines.append(head)
    if let limit { lines.append("limit: \(ByteFormat.bytes(limit.bytes)) (\(limit.source.rawValue))") }
    lines.append("verdict: \(verdict.rawValue.uppercased())")
    if let basis = assessment.basis { lines.append("  " + basis) }
    let width = isTree ? 12 : 5
    for metric in judged {
      guard let r = results[metric] else { continue }
      var detail = "  \(label(metric).padding(width)) \(r.verdict.rawValue.padding(17))"
      if r.slopeBytesPerSecond.isFinite {
        detail += " \(r.rateWithInterval), p = \(Self.pValue(r.pValue))"
        if r.verdict != .inconclusive { detail += ", confidence \(Int(saturating: (r.confidence * 100).rounded())) %" }
      }
      lines.append(detail)
      if let ttl = r.timeToLimit {
        var range = ByteFormat.duration(ttl.earliestSeconds) + " to "
        range += ttl.latestSeconds.map(ByteFormat.duration) ?? "never (the floor may level off)"
        lines.append(
          "        reaches \(ByteFormat.bytes(ttl.limitBytes)) in about \(ByteFormat.duration(ttl.estimateSeconds)) (\(range))"
        )
      }
      lines.append("        " + r.explanation)
      if let caveat = r.caveat { lines.append("        note: " + caveat) }
    }
    lines += whereLines
    return lines.joined(separator: "\n") + "\n"
  }

  static func pValue(_ p: Double) -> String {
    guard p.isFinite else { return "n/a" }
    if p < 0.0001 { return "< 0.0001" }
    return String(Double(Int(saturating: (p * 10000).rounded())) / 10000)
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

/// What the detailed figures of a recording rest on: rows that read them afresh, and rows that
/// carried the latest reading because the target's sizes had not moved (``DetailTrigger``).
public struct DetailReadings: Sendable, Equatable {
  /// Rows whose detailed figures were read on that tick.
  public var fresh: Int
  /// Rows that carried an earlier reading.
  public var carried: Int

  public init(fresh: Int, carried: Int) {
    self.fresh = fresh
    self.carried = carried
  }

  /// Counts the rows `rows` (all when nil) by their `detail_age_ms`; nil when none has one.
  init?(ages: [Double], rows: [Int]?) {
    var fresh = 0
    var carried = 0
    for i in rows ?? Array(ages.indices) where i < ages.count && !ages[i].isNaN {
      if ages[i] == 0 { fresh += 1 } else { carried += 1 }
    }
    guard fresh + carried > 0 else { return nil }
    self.init(fresh: fresh, carried: carried)
  }

  /// E.g. `read afresh on 14 rows; 11 more carry the latest reading (RSS, anon and file had not moved)`.
  public var sentence: String {
    var text = "read afresh on \(fresh) \(fresh == 1 ? "row" : "rows")"
    if carried > 0 {
      text += "; \(carried) more carry the latest reading (RSS, anon and file had not moved)"
    }
    return text
  }
}
