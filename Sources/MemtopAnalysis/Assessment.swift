import MemtopFormat
import MemtopSampling
import MemtopTrend

/// The one assessment of a process (or a process tree): a verdict per judged metric and the
/// combined verdict, with the leading metric whose rate and sentence every surface shows.
///
/// The live header and banner, the process table, `analyze` (text and JSON), `record`'s
/// closing line, `replay`, `plot` and the Prometheus gauges all render this value; none
/// computes a rate of its own.
public struct Assessment: Sendable, Equatable {
  /// One judged metric.
  public struct Entry: Sendable, Equatable {
    /// The metric.
    public var metric: Metric
    /// How it is named in sentences, e.g. `RSS` or `summed anon`.
    public var label: String
    /// The analyzer's result: verdict, rate with interval, steps, plateau, noise, time to
    /// limit, and the sentence built from them.
    public var result: TrendResult

    public init(metric: Metric, label: String, result: TrendResult) {
      self.metric = metric
      self.label = label
      self.result = result
    }
  }

  /// The order in which metrics lead: a tree's PSS, then RSS, anon and heap.
  package static let leadOrder: [Metric] = [.pss, .rss, .anon, .heap]

  /// The metrics a process is judged on, live and from a file, in ``leadOrder``.
  public static let metrics: [Metric] = [.rss, .anon, .heap]
  /// The metrics a process tree's total is judged on: its PSS first, which counts shared
  /// pages once, then the summed figures.
  public static let treeMetrics: [Metric] = [.pss] + metrics

  /// The one rule naming a judged metric in verdicts: a tree's PSS is `tree PSS`, its other
  /// figures are sums (`summed RSS`); a process's are their own labels.
  public static func label(_ metric: Metric, tree: Bool) -> String {
    guard tree else { return metric.label }
    return metric == .pss ? "tree PSS" : "summed " + metric.label
  }

  /// The judged metrics, in ``leadOrder``.
  public var entries: [Entry]
  /// `leak` if any metric leaks, else the most telling verdict.
  public var verdict: TrendVerdict
  /// Live only: the metrics whose leak alert is raised (two consecutive positives, cleared
  /// with hysteresis). Empty for a recording, whose verdict is final.
  public var raised: Set<Metric> = []
  /// Memory by kind and the counts, each judged, when the samples carry them (see
  /// ``withRegions(_:)``).
  public var regions: RegionAssessment?

  /// Combines per-metric results.
  public init(entries: [Entry]) {
    self.entries = entries.sorted {
      (Self.leadOrder.firstIndex(of: $0.metric) ?? 99) < (Self.leadOrder.firstIndex(of: $1.metric) ?? 99)
    }
    verdict = TrendVerdict.combined(entries.map(\.result.verdict))
  }

  /// The metric whose figures explain the combined verdict: the first, in ``leadOrder``, with
  /// that verdict.
  public var leading: Entry? {
    entries.first { raised.contains($0.metric) }
      ?? entries.first { $0.result.verdict == verdict } ?? entries.first
  }

  /// The entry of `metric`, if it was judged.
  public func entry(_ metric: Metric) -> Entry? { entries.first { $0.metric == metric } }

  /// Whether the combined verdict is about a trend whose rate is worth a headline.
  package var showsRate: Bool {
    verdict == .leak || verdict == .plateau || verdict == .shrinking || verdict == .inconclusive
  }

  /// The leading metric's rate with its 95 % interval, e.g. `RSS +3.75 MiB/min (95 % … to …)`,
  /// or nil when there is no rate.
  public var rateText: String? {
    guard let lead = leading, lead.result.slopeBytesPerSecond.isFinite else { return nil }
    return "\(lead.label) \(lead.result.rateWithInterval)"
  }

  /// The leading metric's sentence.
  public var sentence: String { leading?.result.explanation ?? "no samples to judge" }

  /// `reaches the 4.00 GiB limit in about 5 h 10 m`, when the leading metric projects one.
  package var limitText: String? {
    guard let ttl = leading?.result.timeToLimit else { return nil }
    return "reaches the \(ByteFormat.bytes(ttl.limitBytes)) limit in about \(ByteFormat.duration(ttl.estimateSeconds))"
  }

  /// Which series the verdict rests on, and why, when it is not the first judged (RSS, or a
  /// tree's PSS): `judged on anon: RSS says plateau; it also holds file pages and shared
  /// memory, which come and go`. Nil when the first series leads or nothing was judged.
  public var basis: String? {
    guard let lead = leading, let first = entries.first, lead.metric != first.metric else { return nil }
    let said = "judged on \(lead.label): "
    if raised.contains(lead.metric) && !raised.contains(first.metric) && first.result.verdict == lead.result.verdict {
      return said + "its leak alert was confirmed before \(first.label)'s"
    }
    let why =
      switch lead.metric {
      case .anon: "it also holds file pages and shared memory, which come and go"
      case .heap: "heap is the program's own allocations, which it mixes with the rest"
      default: "it mixes this with memory that comes and goes"
      }
    let verdict =
      first.result.verdict == .insufficientData ? "cannot tell yet" : "says " + first.result.verdict.rawValue
    return said + "\(first.label) \(verdict); \(why)"
  }

  /// The verdict with the leading rate and time to limit, e.g.
  /// `verdict: leak: RSS +41.0 MiB/h (95 % …), reaches the 4.00 GiB limit in about 5 h 10 m`.
  public var summary: String {
    var line = "verdict: \(verdict.rawValue)"
    if showsRate, let rate = rateText { line += ": " + rate }
    if let limit = limitText { line += ", " + limit }
    return line
  }
}
