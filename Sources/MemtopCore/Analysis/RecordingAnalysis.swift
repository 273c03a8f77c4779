/// The analyzer's verdicts on a whole recording: RSS, anon and heap of its last process lifetime.
public struct RecordingAnalysis: Sendable {
  /// The metrics a recording is judged on.
  public static let metrics: [Metric] = [.rss, .anon, .heap]

  /// Results per metric.
  public var results: [Metric: TrendResult]
  /// The process whose lifetime was analysed.
  public var pid: Int32
  /// Samples in that lifetime.
  public var samples: Int
  /// Seconds covered by that lifetime's samples.
  public var duration: Double
  /// Earlier lifetimes (a different PID) left out, so two processes are never mixed.
  public var skippedLifetimes: Int
  /// The limit projections were made against, if any.
  public var limit: MemoryLimit?

  /// Analyses a recording against an optional memory limit.
  public init(timeline: Timeline, limit: MemoryLimit?, analyzer: TrendAnalyzer = TrendAnalyzer()) {
    // Split into lifetimes where the PID changes; analyse the last one.
    let pids = timeline.pids
    var start = 0
    var lifetimes = timeline.isEmpty ? 0 : 1
    for i in pids.indices.dropFirst() where pids[i] != pids[i - 1] {
      start = i
      lifetimes += 1
    }
    self.pid = pids.last ?? 0
    self.samples = timeline.count - start
    self.duration = timeline.isEmpty ? 0 : timeline.elapsed[timeline.count - 1] - timeline.elapsed[start]
    self.skippedLifetimes = max(lifetimes - 1, 0)
    self.limit = limit
    var results: [Metric: TrendResult] = [:]
    for metric in Self.metrics {
      let series = timeline.series(metric)
      let lifetime = start == 0 ? series : series.suffix(fromIndex: start)
      results[metric] = analyzer.analyze(lifetime, label: metric.label, limitBytes: limit.map { Double($0.bytes) })
    }
    self.results = results
  }

  /// Analyses a headless recording's in-memory digest (its last lifetime).
  ///
  /// While the digest still holds every sample this is exactly the analysis of the same
  /// samples read back from the file; past its capacity the floors come from its pyramids
  /// (bin minima, as the live view judges).
  public init(digest: RecordingDigest, limit: MemoryLimit?, analyzer: TrendAnalyzer = TrendAnalyzer()) {
    pid = digest.pid
    samples = digest.count
    duration = (digest.lastElapsed ?? 0) - (digest.firstElapsed ?? 0)
    skippedLifetimes = digest.skippedLifetimes
    self.limit = limit
    var results: [Metric: TrendResult] = [:]
    let limitBytes = limit.map { Double($0.bytes) }
    for metric in Self.metrics {
      if let series = digest.series(metric) {
        results[metric] = analyzer.analyze(series, label: metric.label, limitBytes: limitBytes)
      } else if let pyramid = digest.pyramid(metric) {
        results[metric] = analyzer.analyze(pyramid, label: metric.label, limitBytes: limitBytes)
      }
    }
    self.results = results
  }

  /// `leak` if any metric leaks, else the most telling verdict.
  public var verdict: TrendVerdict { TrendVerdict.combined(results.values.map(\.verdict)) }

  /// The JSON document for `memtop analyze --json`.
  public var report: AnalysisReport { AnalysisReport(results: results) }

  /// The metric that best explains the combined verdict (the first, in RSS, anon, heap
  /// order, whose verdict equals it).
  public var leadingMetric: Metric {
    Self.metrics.first { results[$0]?.verdict == verdict } ?? .rss
  }
}

// MARK: - Text

extension RecordingAnalysis {
  /// One line for the end of a recording, e.g.
  /// `verdict: leak: anon +41.0 MiB/h (95 % 38.0 MiB/h to 44.1 MiB/h), limit in 5 h 10 m: anon rose …`.
  public var verdictLine: String {
    guard let result = results[leadingMetric] else { return "verdict: insufficient-data" }
    var line = "verdict: \(verdict.rawValue)"
    if verdict == .leak || verdict == .plateau || verdict == .shrinking {
      line += ": \(leadingMetric.label) \(result.rateWithInterval)"
    }
    if let ttl = result.timeToLimit {
      line += ", reaches the \(ByteFormat.bytes(ttl.limitBytes)) limit in about \(ByteFormat.duration(ttl.estimateSeconds))"
    }
    return line + "; " + result.explanation
  }

  /// The human report `memtop analyze` prints.
  public func reportText(path: String) -> String {
    var lines: [String] = []
    var head = "\(Sanitizer.terminalSafe(path)): \(samples) samples over \(ByteFormat.duration(duration)) of process \(pid)"
    if skippedLifetimes > 0 {
      head += " (its last lifetime; \(skippedLifetimes) earlier process\(skippedLifetimes == 1 ? "" : "es") with another PID left out)"
    }
    lines.append(head)
    if let limit { lines.append("limit: \(ByteFormat.bytes(limit.bytes)) (\(limit.source.rawValue))") }
    lines.append("verdict: \(verdict.rawValue.uppercased())")
    for metric in Self.metrics {
      guard let r = results[metric] else { continue }
      var detail = "  \(metric.label.padding(5)) \(r.verdict.rawValue.padding(17))"
      if r.slopeBytesPerSecond.isFinite {
        detail += " \(r.rateWithInterval), p = \(Self.pValue(r.pValue)), confidence \(Int((r.confidence * 100).rounded())) %"
      }
      lines.append(detail)
      if let ttl = r.timeToLimit {
        var range = ByteFormat.duration(ttl.earliestSeconds) + " to "
        range += ttl.latestSeconds.map(ByteFormat.duration) ?? "never (the floor may level off)"
        lines.append("        reaches \(ByteFormat.bytes(ttl.limitBytes)) in about \(ByteFormat.duration(ttl.estimateSeconds)) (\(range))")
      }
      lines.append("        " + r.explanation)
      if let caveat = r.caveat { lines.append("        note: " + caveat) }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func pValue(_ p: Double) -> String {
    guard p.isFinite else { return "n/a" }
    if p < 0.0001 { return "< 0.0001" }
    return String(Double(Int((p * 10000).rounded())) / 10000)
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
