import MemtopAnalysis
import MemtopFormat
import MemtopSampling
import MemtopTrend

/// The latest state of one recording in the Prometheus text exposition format (0.0.4), for a
/// scrape endpoint or node_exporter's textfile collector.
///
/// Every series carries `pid` and `comm` labels. Byte gauges hold the last value read of each
/// metric (detailed ones such as heap and PSS are read within a budget, so their last reading
/// may be a few ticks old); a metric never read is left out rather than reported as 0. The
/// analyzer's figures appear once it has run.
public struct PrometheusExposition: Sendable {
  /// The `Content-Type` of ``text``.
  public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

  /// The process the figures are about.
  public var pid: Int32
  /// Its name; untrusted, escaped on output.
  public var comm: String
  /// The last value read of each metric, bytes.
  public private(set) var latest: [Metric: UInt64] = [:]
  /// Wall-clock time of the last sample, seconds since the Unix epoch.
  package private(set) var lastSampleTime: Double?
  /// The analyzer's latest verdict on the main series, if it has run.
  public var analysis: RecordingAnalysis?
  /// The watch's combined verdict when it differs from ``analysis``'s own (a tree whose total
  /// holds while a member leaks is `leak`); nil renders the analysis' verdict.
  public var verdict: TrendVerdict?
  /// Each process of a tree judged on its own series, for `memtop_member_leak_suspected`.
  public var members: [Member] = []

  /// One process of a tree and whether its own series leaks.
  public struct Member: Sendable, Equatable {
    /// Process id.
    public var pid: Int32
    /// Its command line; untrusted, escaped and capped on output.
    public var command: String
    /// Whether its own verdict is `leak`.
    public var leaks: Bool

    public init(pid: Int32, command: String, leaks: Bool) {
      self.pid = pid
      self.command = command
      self.leaks = leaks
    }
  }

  /// Characters of a member's command line kept in its `command` label.
  public static let commandLabelLength = 128

  public init(pid: Int32, comm: String) {
    self.pid = pid
    self.comm = comm
  }

  /// Takes in a new sample: each metric it holds replaces that metric's last value.
  public mutating func update(with sample: MemorySample) {
    for metric in CSVFormat.allMetricColumns {
      if let value = sample[metric] { latest[metric] = value }
    }
    if sample.timeUnix.isFinite { lastSampleTime = sample.timeUnix }
    pid = sample.pid
  }

  /// The exposition text: `# HELP` and `# TYPE` lines, then one line per series.
  public var text: String {
    let labels = "pid=\"\(pid)\",comm=\"\(Self.escapeLabelValue(comm))\""
    var out = ""
    func gauge(_ name: String, _ help: String, _ samples: [(extra: String, value: String)]) {
      guard !samples.isEmpty else { return }
      out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
      for sample in samples {
        out += "\(name){\(labels)\(sample.extra)} \(sample.value)\n"
      }
    }
    for metric in CSVFormat.metricColumns {
      guard let value = latest[metric] else { continue }
      gauge("memtop_" + metric.csvColumn, Self.help(metric), [("", String(value))])
    }
    gauge(
      "memtop_region_bytes",
      "Resident bytes by kind of memory (brk_heap, malloc_arenas, thread_stacks, other_anon, shmem, file), from the walk of the mappings.",
      Metric.regions.compactMap { metric in
        latest[metric].map { (",kind=\"\(metric.region?.rawValue ?? "")\"", String($0)) }
      })
    for metric in [Metric.threads, .fds, .arenas] {
      guard let value = latest[metric] else { continue }
      gauge("memtop_" + metric.csvColumn, Self.help(metric), [("", String(value))])
    }
    if let lastSampleTime {
      gauge(
        "memtop_last_sample_timestamp_seconds", "Wall-clock time of the last sample, seconds since the Unix epoch.",
        [("", Self.number(lastSampleTime))])
    }
    guard let analysis else { return out + memberLines }
    var rates: [(String, String)] = []
    for metric in analysis.judged {
      guard let slope = analysis.results[metric]?.slopeBytesPerSecond, slope.isFinite else { continue }
      rates.append((",metric=\"\(metric.label.lowercased())\"", Self.number(slope)))
    }
    gauge(
      "memtop_growth_bytes_per_second",
      "Sen-slope growth rate of the metric's floor, bytes per second (negative when shrinking).", rates)
    var lows: [(String, String)] = []
    var highs: [(String, String)] = []
    for metric in analysis.judged {
      guard let ci = analysis.results[metric]?.slopeCI, ci.low.isFinite, ci.high.isFinite else { continue }
      lows.append((",metric=\"\(metric.label.lowercased())\"", Self.number(ci.low)))
      highs.append((",metric=\"\(metric.label.lowercased())\"", Self.number(ci.high)))
    }
    gauge("memtop_growth_low_bytes_per_second", "Lower end of the growth rate's 95 % interval, bytes per second.", lows)
    gauge(
      "memtop_growth_high_bytes_per_second", "Upper end of the growth rate's 95 % interval, bytes per second.", highs)
    // Where it grows: each kind's growth rate (the same analyzer's Sen slope).
    gauge(
      "memtop_region_growth_bytes_per_second",
      "Sen-slope growth rate of one kind of memory's floor, bytes per second (see memtop_region_bytes).",
      analysis.regions.kinds.compactMap { entry in
        entry.result.slopeBytesPerSecond.isFinite
          ? (",kind=\"\(entry.name)\"", Self.number(entry.result.slopeBytesPerSecond)) : nil
      })
    let combined = verdict ?? analysis.verdict
    let verdicts = TrendVerdict.allCases.map { (",verdict=\"\($0.rawValue)\"", combined == $0 ? "1" : "0") }
    gauge(
      "memtop_verdict",
      "1 for the watch's combined verdict (the one record's closing line and memtop analyze print: leak when RSS, anon or heap leaks, or for a tree its PSS or any process of it), 0 for the others.",
      verdicts)
    gauge(
      "memtop_leak_suspected",
      "1 when the combined verdict is leak (RSS, anon or heap; for a tree its PSS or any process of it), else 0.",
      [("", combined == .leak ? "1" : "0")])
    if let ttl = analysis.results[analysis.leadingMetric]?.timeToLimit, ttl.estimateSeconds.isFinite {
      gauge(
        "memtop_time_to_limit_seconds",
        "Projected seconds until the memory limit is reached at the current growth rate.",
        [("", Self.number(ttl.estimateSeconds))])
    }
    return out + memberLines
  }

  /// `memtop_member_leak_suspected`, one line per process of a tree, labelled with its own pid
  /// and command line (escaped, capped at ``commandLabelLength`` characters).
  private var memberLines: String {
    guard !members.isEmpty else { return "" }
    var out =
      "# HELP memtop_member_leak_suspected 1 when this process of the watched tree leaks on its own series (named by pid and command line), else 0.\n# TYPE memtop_member_leak_suspected gauge\n"
    for member in members {
      let command = Self.escapeLabelValue(member.command, maxLength: Self.commandLabelLength)
      out += "memtop_member_leak_suspected{pid=\"\(member.pid)\",command=\"\(command)\"} \(member.leaks ? 1 : 0)\n"
    }
    return out
  }

  /// Escapes a label value for the exposition format. Control characters (line feed
  /// included) first become visible escapes such as `\n` (``Sanitizer/terminalSafe(_:maxLength:)``,
  /// capped at 256 characters), then backslash and double quote are escaped.
  package static func escapeLabelValue(_ value: String, maxLength: Int = 256) -> String {
    var out = ""
    for scalar in Sanitizer.terminalSafe(value, maxLength: maxLength).unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A finite number as Prometheus reads it (Swift's shortest round-trip form).
  static func number(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }

  static func help(_ metric: Metric) -> String {
    switch metric {
    case .rss: "Resident set size (VmRSS in /proc/PID/status), bytes."
    case .anon: "Resident anonymous memory (RssAnon), bytes."
    case .heap: "Resident [heap] plus private anonymous mappings other than the stack (from smaps), bytes."
    case .file: "Resident file-backed memory (RssFile), bytes."
    case .shmem: "Resident shared memory (RssShmem), bytes."
    case .swap: "Swapped-out anonymous memory (VmSwap), bytes."
    case .brkHeap: "Resident brk arena alone ([heap] in smaps), bytes."
    case .peakRSS: "Peak resident set size (VmHWM), bytes."
    case .pss: "Proportional set size (Pss from smaps_rollup), bytes."
    case .uss: "Unique set size (Private_Clean + Private_Dirty), bytes."
    case .swapPss: "Proportional swap (SwapPss), bytes."
    case .threads: "Number of threads (Threads in /proc/PID/status)."
    case .fds: "Number of open file descriptors (entries of /proc/PID/fd)."
    case .arenas: "Number of glibc per-thread malloc arenas, from the walk of the mappings."
    default: "Resident bytes of one kind of memory (\(metric.region?.rawValue ?? "")), from the walk of the mappings."
    }
  }
}
