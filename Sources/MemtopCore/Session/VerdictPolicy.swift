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
  /// Its start time in clock ticks: with `pid`, the process's identity (nil from a file
  /// without the column).
  public var startTicks: UInt64?
  /// Live only: whether its leak alert is raised (two consecutive `leak` judgments on new
  /// data, cleared with hysteresis). Always false on a whole recording.
  public var alertRaised = false
  /// The analyzer's result behind ``verdict``, which the live alert is fed.
  public var result: TrendResult?

  public init(
    pid: Int32, command: String, verdict: TrendVerdict, slopeBytesPerSecond: Double, metric: Metric,
    startTicks: UInt64? = nil, result: TrendResult? = nil
  ) {
    self.pid = pid
    self.command = command
    self.verdict = verdict
    self.slopeBytesPerSecond = slopeBytesPerSecond
    self.metric = metric
    self.startTicks = startTicks
    self.result = result
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
///
/// A ``WatchSession`` emits it (``WatchEvent/verdict(_:)``) whenever it judges, with the live
/// alerts; the banner, the Prometheus gauges, `record`'s closing line and the Python trigger
/// render that value. `analyze`, `plot` and `replay` get it from ``VerdictPolicy`` on a file.
public struct SessionVerdict: Sendable, Equatable {
  /// The analysis of the main series (the process, or the tree's total).
  public var analysis: RecordingAnalysis
  /// Each member of a tree judged alone (empty for one process).
  public var members: [MemberVerdict]
  /// Live only: the main series' metrics whose leak alert is raised (two consecutive `leak`
  /// judgments on new data, cleared with hysteresis). Empty for a recording, whose verdict is final.
  public var raised: Set<Metric> = []
  /// What the Python agent said about the growth judged, when it accounts for it (see
  /// ``joining(_:)``): a leak named by its container, or a bounded cache filling.
  public var python: PythonEvidence?

  public init(analysis: RecordingAnalysis, members: [MemberVerdict], raised: Set<Metric> = []) {
    self.analysis = analysis
    self.members = members
    self.raised = raised
  }

  /// The main series' assessment, the live alerts included.
  public var assessment: Assessment { analysis.assessment(raised: raised) }

  /// The members whose own series leaks (a member whose growth a filling cache accounts for
  /// is not counted).
  public var leakingMembers: [MemberVerdict] {
    members.filter { $0.verdict == .leak && !(python?.kind == .filling && python?.pid == $0.pid) }
  }

  /// The main series' verdict with the Python evidence: `leak` when a container or an
  /// unbounded cache accounts for its growth; `plateau` instead of `leak` when a filling
  /// bounded cache does (it levels off when full).
  public var mainVerdict: TrendVerdict {
    guard let python, python.explainsMain else { return analysis.verdict }
    switch python.kind {
    case .leak: return .leak
    case .filling: return analysis.verdict == .leak ? .plateau : analysis.verdict
    }
  }

  /// Live: whether a leak alert is raised, on the main series or on a member.
  public var alertRaised: Bool { !assessment.raised.isEmpty || members.contains(where: \.alertRaised) }

  /// The leaking member with the steepest growth, the one a one-line surface names.
  public var worstMember: MemberVerdict? {
    leakingMembers.max { $0.slopeBytesPerSecond.isNaN || $0.slopeBytesPerSecond < $1.slopeBytesPerSecond }
  }

  /// `leak` when the main series or any member leaks (with the Python evidence), else the
  /// main series' verdict.
  public var verdict: TrendVerdict {
    if python?.kind == .leak { return .leak }
    return leakingMembers.isEmpty ? mainVerdict : .leak
  }

  /// Whether a filling bounded cache is why this verdict is not `leak`.
  public var cacheFilling: Bool {
    guard let python, python.kind == .filling, verdict != .leak else { return false }
    return analysis.verdict == .leak || members.contains { $0.pid == python.pid && $0.verdict == .leak }
  }

  /// The process whose Python report surfaces show: the one the evidence came from, else the
  /// leaking member with the steepest growth, else nil (the process watched).
  public var pythonSubject: Int32? { python?.pid ?? worstMember?.pid }

  /// The end-of-watch line: the main series' verdict line, or for a leaking member not seen
  /// in the total, `verdict: leak: worker 5708 (python3 app.py) leaks +5.7 MiB/min`, followed by
  /// the total's own line.
  public var verdictLine: String { line(analysis.verdictLine) }

  /// The verdict with its leading rate and the leaking members, without the explanation: what
  /// `plot` heads its chart with, e.g. `verdict: leak: worker 5708 (python3 app.py) leaks +5.7
  /// MiB/min (the tree's total alone: stable)`.
  public var summary: String { line(analysis.verdictSummary) }

  private func line(_ own: String) -> String {
    if let python {
      let rate = analysis.assessment.rateText.map { "; " + $0 } ?? ""
      switch python.kind {
      case .leak:
        let alone = analysis.verdict == .leak ? "" : " (memory alone: \(analysis.verdict.rawValue))"
        let worker = members.first { $0.pid == python.pid && $0.pid != analysis.pid }.map {
          "worker \($0.pid) (\(Sanitizer.terminalSafe($0.command, maxLength: 60))): "
        }
        return "verdict: leak: \(worker ?? "")\(python.sentence)\(rate)\(alone)"
      case .filling where cacheFilling:
        return "verdict: \(verdict.rawValue) (cache filling, not a leak): \(python.sentence)\(rate)"
      case .filling:
        break
      }
    }
    let leaking = leakingMembers
    guard !leaking.isEmpty else { return own }
    let named = leaking.map(\.sentence).joined(separator: "; ")
    if analysis.verdict == .leak { return own + "; " + named }
    return "verdict: leak: \(named) (the tree's total alone: \(analysis.verdict.rawValue))"
  }
}

/// The verdict policy: one rule for the live view, `record`, the Prometheus gauges, `analyze`,
/// `plot` and `replay` — a tree is `leak` when its total or any member leaks, and the member is
/// named. A watch judges its bounded stores (``Live`` adds the alerts' hysteresis); a file is
/// judged from its rows.
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
      verdict(
        RecordingAnalysis(digest: member.store, limit: nil), pid: member.identity.pid,
        startTicks: member.identity.startTimeTicks, command: member.command)
    }
    return SessionVerdict(analysis: analysis, members: judged)
  }

  /// Judges the rows of a recording file: its main series, and for a `--per-process`
  /// recording each process's own rows.
  public static func judge(recording samples: [MemorySample], limit: MemoryLimit?) -> SessionVerdict {
    judge(mainSeries: Timeline(RecordingReader.mainSeries(samples)), rows: samples, limit: limit)
  }

  /// Judges a recording file read as its main series (streamed, bounded) and, for a process
  /// tree's file, all its `rows` (nil when the file holds one process): the one entry point of
  /// `analyze`, `plot` and `replay`.
  public static func judge(mainSeries: Timeline, rows samples: [MemorySample]?, limit: MemoryLimit?)
    -> SessionVerdict
  {
    let analysis = RecordingAnalysis(timeline: mainSeries, limit: limit)
    guard let samples, samples.contains(where: { $0.processes != nil }) else {
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
        RecordingAnalysis(timeline: Timeline(rows[key] ?? []), limit: nil), pid: key.pid, startTicks: key.startTicks,
        command: commands[key] ?? "")
    }
    return SessionVerdict(analysis: analysis, members: judged)
  }

  private struct MemberKey: Hashable {
    var pid: Int32
    var startTicks: UInt64?
  }

  private static func verdict(_ analysis: RecordingAnalysis, pid: Int32, startTicks: UInt64?, command: String)
    -> MemberVerdict
  {
    let metric = analysis.leadingMetric
    let result = analysis.results[metric]
    return MemberVerdict(
      pid: pid, command: command, verdict: analysis.verdict, slopeBytesPerSecond: result?.slopeBytesPerSecond ?? .nan,
      metric: metric, startTicks: startTicks, result: result)
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
