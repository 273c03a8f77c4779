import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTrend

/// One process of a tree judged on its own series.
public struct MemberVerdict: Sendable, Equatable {
  /// Process id.
  public var pid: Int32
  /// Its command line (or name). Untrusted text.
  public var command: String
  /// The verdict on its own series.
  public var verdict: TrendVerdict
  /// The slope of the metric behind that verdict, bytes per second (NaN when unknown).
  public var slopeBytesPerSecond: Double
  /// The metric behind that verdict.
  public var metric: Metric

  public init(pid: Int32, command: String, verdict: TrendVerdict, slopeBytesPerSecond: Double, metric: Metric) {
    self.pid = pid
    self.command = command
    self.verdict = verdict
    self.slopeBytesPerSecond = slopeBytesPerSecond
    self.metric = metric
  }

  /// `worker 5708 (python3 app.py) leaks +5.7 MiB/min`, escaped for a terminal.
  public var sentence: String {
    let sign = slopeBytesPerSecond > 0 ? "+" : ""
    let rate = slopeBytesPerSecond.isFinite ? " " + sign + ByteFormat.rate(bytesPerSecond: slopeBytesPerSecond) : ""
    return "worker \(pid) (\(Sanitizer.terminalSafe(command, maxLength: 60))) leaks\(rate)"
  }
}

/// The one verdict every surface gives on a watch: the series' own (a tree's total: its PSS
/// first), and for a tree each member's, where any member that leaks makes the whole `leak`.
public struct SessionVerdict: Sendable {
  /// The analysis of the main series (the process, or the tree's total).
  public var analysis: RecordingAnalysis
  /// Each member of a tree judged alone (empty for one process).
  public var members: [MemberVerdict]

  public init(analysis: RecordingAnalysis, members: [MemberVerdict]) {
    self.analysis = analysis
    self.members = members
  }

  /// The members whose own series leaks.
  public var leakingMembers: [MemberVerdict] { members.filter { $0.verdict == .leak } }

  /// `leak` when the main series or any member leaks, else the main series' verdict.
  public var verdict: TrendVerdict { leakingMembers.isEmpty ? analysis.verdict : .leak }

  /// The end-of-watch line: the main series' verdict line, or for a leaking member not seen
  /// in the total, `verdict: leak: worker 5708 (python3 app.py) leaks +5.7 MiB/min`, followed by
  /// the total's own line.
  public var verdictLine: String {
    let leaking = leakingMembers
    guard !leaking.isEmpty else { return analysis.verdictLine }
    let named = leaking.map(\.sentence).joined(separator: "; ")
    if analysis.verdict == .leak { return analysis.verdictLine + "; " + named }
    return "verdict: leak: \(named) (the tree's total alone: \(analysis.verdict.rawValue))"
  }
}

/// The verdict policy: one function per kind of store, the same rule for the live view,
/// `record`, `analyze` and `replay`.
public enum VerdictPolicy {
  /// Judges a watch's bounded store and its members' stores.
  /// `regions` is the store of memory by kind and the counts, when kept; `detail` what the
  /// latest walk of the mappings named.
  public static func judge(
    _ store: RecordingDigest, members: [MemberTrack], limit: MemoryLimit?, regions: RecordingDigest? = nil,
    detail: RegionDetail? = nil
  ) -> SessionVerdict {
    let analysis = RecordingAnalysis(digest: store, limit: limit, regions: regions, detail: detail)
    let judged = members.map { member -> MemberVerdict in
      verdict(RecordingAnalysis(digest: member.store, limit: nil), pid: member.identity.pid, command: member.command)
    }
    return SessionVerdict(analysis: analysis, members: judged)
  }

  /// Judges the rows of a recording file: its main series, and for a `--per-process`
  /// recording each process's own rows.
  public static func judge(recording samples: [MemorySample], limit: MemoryLimit?) -> SessionVerdict {
    let analysis = RecordingAnalysis(timeline: Timeline(RecordingReader.mainSeries(samples)), limit: limit)
    guard samples.contains(where: { $0.processes != nil }) else {
      return SessionVerdict(analysis: analysis, members: [])
    }
    var order: [MemberKey] = []
    var rows: [MemberKey: [MemorySample]] = [:]
    var commands: [MemberKey: String] = [:]
    for sample in samples where sample.processes == nil {
      let key = MemberKey(pid: sample.pid, startTicks: sample.startTicks)
      if rows[key] == nil { order.append(key) }
      rows[key, default: []].append(sample)
      if let command = sample.command { commands[key] = command }
    }
    let judged = order.map { key in
      verdict(
        RecordingAnalysis(timeline: Timeline(rows[key] ?? []), limit: nil), pid: key.pid, command: commands[key] ?? "")
    }
    return SessionVerdict(analysis: analysis, members: judged)
  }

  /// Judges one metric's floor pyramid: the live view's charts and the process table's rows.
  public static func judge(_ pyramid: FloorPyramid, label: String, limitBytes: Double? = nil) -> TrendResult {
    analyzer.analyze(pyramid, label: label, limitBytes: limitBytes)
  }

  private static let analyzer = TrendAnalyzer()

  private struct MemberKey: Hashable {
    var pid: Int32
    var startTicks: UInt64?
  }

  private static func verdict(_ analysis: RecordingAnalysis, pid: Int32, command: String) -> MemberVerdict {
    let metric = analysis.leadingMetric
    return MemberVerdict(
      pid: pid, command: command, verdict: analysis.verdict,
      slopeBytesPerSecond: analysis.results[metric]?.slopeBytesPerSecond ?? .nan, metric: metric)
  }
}

/// What a watch keeps of one member of a tree: its identity, command line and bounded store.
public struct MemberTrack: Sendable {
  /// The process.
  public var identity: ProcessIdentity
  /// Its command line (or name when the command line cannot be read). Untrusted text.
  public var command: String
  /// Its own samples, bounded like the main store.
  public var store: RecordingDigest
  /// Whether it has left the tree.
  public var ended = false
  /// Its command name when its command line was read (read again when it changes).
  public var name = ""

  public init(identity: ProcessIdentity, command: String, capacity: Int) {
    self.identity = identity
    self.command = command
    store = RecordingDigest(fullResolutionCapacity: capacity)
  }
}

/// The JSON document `memtop analyze --json` prints: ``AnalysisReport``'s keys (with the
/// policy's `verdict`), plus `members` for a recording made with `--per-process`.
public struct VerdictReport: Encodable, Sendable {
  public var report: AnalysisReport
  public var members: [MemberVerdict]

  public init(_ verdict: SessionVerdict) {
    report = verdict.analysis.report
    report.verdict = verdict.verdict
    members = verdict.members
  }

  enum CodingKeys: String, CodingKey {
    case members
  }

  enum MemberKeys: String, CodingKey {
    case pid, command, verdict
    case slopeBytesPerSecond = "slope_bytes_per_s"
  }

  public func encode(to encoder: any Encoder) throws {
    try report.encode(to: encoder)
    guard !members.isEmpty else { return }
    var container = encoder.container(keyedBy: CodingKeys.self)
    var list = container.nestedUnkeyedContainer(forKey: .members)
    for member in members {
      var entry = list.nestedContainer(keyedBy: MemberKeys.self)
      try entry.encode(member.pid, forKey: .pid)
      try entry.encode(member.command, forKey: .command)
      try entry.encode(member.verdict.rawValue, forKey: .verdict)
      try entry.encode(
        member.slopeBytesPerSecond.isFinite ? member.slopeBytesPerSecond : nil, forKey: .slopeBytesPerSecond)
    }
  }
}

extension SessionVerdict {
  /// The human report `memtop analyze` prints: the analysis', then each member's line.
  public func reportText(path: String) -> String {
    var text = analysis.reportText(path: path)
    guard !members.isEmpty else { return text }
    if analysis.verdict != verdict {
      text += "verdict with the members: \(verdict.rawValue.uppercased())\n"
    }
    text += "members (each process of the tree judged alone):\n"
    for member in members {
      var line = "  \(member.pid) \(Sanitizer.terminalSafe(member.command, maxLength: 60)): \(member.verdict.rawValue)"
      if member.slopeBytesPerSecond.isFinite {
        line += ", \(member.metric.label) \(ByteFormat.rate(bytesPerSecond: member.slopeBytesPerSecond))"
      }
      text += line + "\n"
    }
    return text
  }
}
