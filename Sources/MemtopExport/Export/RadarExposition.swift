import MemtopSystem

/// The host-wide leak radar in the Prometheus text exposition format (0.0.4): a few host
/// gauges, and per-process series only for the processes that matter, so a scrape stays small
/// however many processes the host runs.
///
/// Which processes: the leak-suspected ones first (fastest growing first), then the others by
/// growth rate, at most ``top`` in all; then, in that order, each process's series are added
/// whole while the total stays within ``maxSeries``. So a scrape has at most
/// `min(hostSeries + 7·top, maxSeries)` series (``hostSeries`` host gauges; per process
/// `leak_suspected` and `rss_bytes` always, the growth rate and its two bounds once judged, the
/// time to limit while it grows, the kind of memory growing when known). Every label value is
/// escaped; the command line is capped at ``commandLabelLength`` characters.
public struct RadarExposition: Sendable {
  /// One process's figures and labels, as the radar hands them over.
  public struct Process: Sendable, Equatable {
    /// Process id.
    public var pid: Int32
    /// The program and script with their arguments (`python3 app.py --port 80`). Untrusted text.
    public var command: String
    /// The user's name, or the uid when the host's passwd file does not name it. Untrusted text.
    public var user: String
    /// Where the cgroup path puts it (unit, container, pod); nil when it could not be read.
    public var cgroup: CgroupLabels?
    /// Whether the leak alert is raised (the table's LEAK: two evaluations in a row said leak).
    public var leakSuspected: Bool
    /// Resident set size, bytes.
    public var rssBytes: UInt64
    /// RSS growth rate (Sen slope of the floor), bytes per second; nil before it is judged.
    public var growthBytesPerSecond: Double?
    /// The rate's 95 % interval, bytes per second.
    public var growthInterval: ClosedRange<Double>?
    /// Seconds until the tighter of the cgroup's limit and the host's available memory is
    /// reached at the current rate, and which limit that is; nil when not growing.
    public var timeToLimit: (seconds: Double, limit: String)?
    /// The kind of memory that grows (`brk_heap`, `malloc_arenas`, ...), when detailed reads
    /// were done.
    public var growthKind: String?

    public init(
      pid: Int32, command: String, user: String, cgroup: CgroupLabels?, leakSuspected: Bool, rssBytes: UInt64,
      growthBytesPerSecond: Double?, growthInterval: ClosedRange<Double>? = nil,
      timeToLimit: (seconds: Double, limit: String)? = nil, growthKind: String? = nil
    ) {
      self.pid = pid
      self.command = command
      self.user = user
      self.cgroup = cgroup
      self.leakSuspected = leakSuspected
      self.rssBytes = rssBytes
      self.growthBytesPerSecond = growthBytesPerSecond
      self.growthInterval = growthInterval
      self.timeToLimit = timeToLimit
      self.growthKind = growthKind
    }

    public static func == (a: Process, b: Process) -> Bool {
      a.pid == b.pid && a.command == b.command && a.user == b.user && a.cgroup == b.cgroup
        && a.leakSuspected == b.leakSuspected && a.rssBytes == b.rssBytes
        && a.growthBytesPerSecond == b.growthBytesPerSecond && a.growthInterval == b.growthInterval
        && a.timeToLimit?.seconds == b.timeToLimit?.seconds && a.timeToLimit?.limit == b.timeToLimit?.limit
        && a.growthKind == b.growthKind
    }

    /// How many series this process adds to a scrape.
    public var seriesCount: Int {
      var count = 2
      if growthBytesPerSecond.map({ $0.isFinite }) ?? false { count += 1 }
      if growthInterval != nil { count += 2 }
      if timeToLimit.map({ $0.seconds.isFinite && $0.seconds >= 0 }) ?? false { count += 1 }
      if growthKind != nil { count += 1 }
      return count
    }
  }

  /// What the radar itself did and cost.
  public struct Host: Sendable, Equatable {
    /// Processes read and judged in the last pass.
    public var processesJudged: Int
    /// How many of them are leak-suspected (exported or not).
    public var processesLeakSuspected: Int
    /// memtop's own CPU time, user + system, seconds.
    public var selfCPUSeconds: Double
    /// memtop's own resident set, bytes.
    public var selfResidentBytes: UInt64
    /// Seconds the last pass (reading every process, judging, building this text) took.
    public var scrapeDurationSeconds: Double

    public init(
      processesJudged: Int, processesLeakSuspected: Int, selfCPUSeconds: Double, selfResidentBytes: UInt64,
      scrapeDurationSeconds: Double
    ) {
      self.processesJudged = processesJudged
      self.processesLeakSuspected = processesLeakSuspected
      self.selfCPUSeconds = selfCPUSeconds
      self.selfResidentBytes = selfResidentBytes
      self.scrapeDurationSeconds = scrapeDurationSeconds
    }
  }

  /// Host series in every scrape: the five gauges of ``Host`` and `memtop_processes_exported`.
  public static let hostSeries = 6
  /// Characters of the command line kept in the `command` label.
  public static let commandLabelLength = 64
  /// Characters of the cgroup path kept in the `cgroup` label.
  public static let cgroupLabelLength = 128

  /// The most processes exported (`--top`).
  public var top: Int
  /// The most series in one scrape.
  public var maxSeries: Int

  public init(top: Int = 50, maxSeries: Int = 250) {
    self.top = max(top, 0)
    self.maxSeries = max(maxSeries, Self.hostSeries)
  }

  /// The ranking: leak-suspected first, then by growth rate (fastest first; a process not yet
  /// judged last), then by pid for a stable order. Needs only the fields a row has before its
  /// labels are read, so the caller can rank first and read labels for the first ``top`` only.
  public static func ranks(
    _ a: (leak: Bool, growth: Double?, pid: Int32), before b: (leak: Bool, growth: Double?, pid: Int32)
  ) -> Bool {
    if a.leak != b.leak { return a.leak }
    let ga = a.growth.flatMap { $0.isFinite ? $0 : nil } ?? -.infinity
    let gb = b.growth.flatMap { $0.isFinite ? $0 : nil } ?? -.infinity
    if ga != gb { return ga > gb }
    return a.pid < b.pid
  }

  /// The processes exported, in rank order: the first ``top``, each kept whole while the
  /// series fit in ``maxSeries``.
  public func selected(_ processes: [Process]) -> [Process] {
    let ranked = processes.sorted {
      Self.ranks(
        ($0.leakSuspected, $0.growthBytesPerSecond, $0.pid), before: ($1.leakSuspected, $1.growthBytesPerSecond, $1.pid)
      )
    }
    var budget = maxSeries - Self.hostSeries
    var chosen: [Process] = []
    for process in ranked.prefix(top) {
      let cost = process.seriesCount
      guard cost <= budget else { break }
      budget -= cost
      chosen.append(process)
    }
    return chosen
  }

  /// The exposition text and how many series (sample lines) it holds.
  public func render(host: Host, processes: [Process]) -> (text: String, series: Int) {
    let chosen = selected(processes)
    var out = ""
    var series = 0
    func family(_ name: String, _ type: String, _ help: String, _ lines: [(labels: String, value: String)]) {
      guard !lines.isEmpty else { return }
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for line in lines {
        out += line.labels.isEmpty ? "\(name) \(line.value)\n" : "\(name){\(line.labels)} \(line.value)\n"
      }
      series += lines.count
    }
    func number(_ value: Double) -> String { PrometheusExposition.number(value) }
    family(
      "memtop_processes_judged", "gauge", "Processes read and judged by the leak analysis in the last pass.",
      [("", String(host.processesJudged))])
    family(
      "memtop_processes_leak_suspected", "gauge",
      "Processes whose leak alert is raised (two analyses in a row said leak), exported or not.",
      [("", String(host.processesLeakSuspected))])
    family(
      "memtop_processes_exported", "gauge",
      "Processes with per-process series in this scrape (leak-suspected first, then by growth; at most --top).",
      [("", String(chosen.count))])
    family(
      "memtop_self_cpu_seconds_total", "counter", "CPU time memtop itself has used, user and system, seconds.",
      [("", number(host.selfCPUSeconds))])
    family(
      "memtop_self_resident_bytes", "gauge", "memtop's own resident set size, bytes.",
      [("", String(host.selfResidentBytes))])
    family(
      "memtop_scrape_duration_seconds", "gauge",
      "Seconds the last pass took: reading and judging every process and building this text.",
      [("", number(host.scrapeDurationSeconds))])

    let labels = chosen.map(Self.labels)
    func perProcess(_ value: (Process) -> String?) -> [(String, String)] {
      zip(chosen, labels).compactMap { process, labels in value(process).map { (labels, $0) } }
    }
    family(
      "memtop_process_leak_suspected", "gauge",
      "1 when the process's leak alert is raised (its RSS judged a leak twice in a row), else 0.",
      perProcess { $0.leakSuspected ? "1" : "0" })
    family(
      "memtop_process_rss_bytes", "gauge", "Resident set size (statm), bytes.",
      perProcess { String($0.rssBytes) })
    family(
      "memtop_process_growth_bytes_per_second", "gauge",
      "Sen-slope growth rate of the RSS floor, bytes per second (negative when shrinking).",
      perProcess { $0.growthBytesPerSecond.flatMap { $0.isFinite ? number($0) : nil } })
    family(
      "memtop_process_growth_bytes_per_second_lower", "gauge",
      "Lower end of the growth rate's 95 % interval, bytes per second.",
      perProcess { $0.growthInterval.map { number($0.lowerBound) } })
    family(
      "memtop_process_growth_bytes_per_second_upper", "gauge",
      "Upper end of the growth rate's 95 % interval, bytes per second.",
      perProcess { $0.growthInterval.map { number($0.upperBound) } })
    var limits: [(String, String)] = []
    for (process, labels) in zip(chosen, labels) {
      guard let ttl = process.timeToLimit, ttl.seconds.isFinite, ttl.seconds >= 0 else { continue }
      limits.append((labels + ",limit=\"\(PrometheusExposition.escapeLabelValue(ttl.limit))\"", number(ttl.seconds)))
    }
    family(
      "memtop_process_time_to_limit_seconds", "gauge",
      "Seconds until the tighter limit is reached at the current growth rate: the cgroup's (memory.max, memory.high or memory.limit_in_bytes, against its charge) or the host's MemAvailable.",
      limits)
    var kinds: [(String, String)] = []
    for (process, labels) in zip(chosen, labels) {
      guard let kind = process.growthKind else { continue }
      kinds.append((labels + ",kind=\"\(PrometheusExposition.escapeLabelValue(kind))\"", "1"))
    }
    family(
      "memtop_process_growth_kind", "gauge",
      "1 for the kind of memory that grows most (brk_heap, malloc_arenas, thread_stacks, other_anon, shmem, file).",
      kinds)
    return (out, series)
  }

  /// `pid="…",command="…",user="…"` and the cgroup labels it has, every value escaped.
  static func labels(_ process: Process) -> String {
    func escaped(_ value: String, _ length: Int = 256) -> String {
      PrometheusExposition.escapeLabelValue(value, maxLength: length)
    }
    var text =
      "pid=\"\(process.pid)\",command=\"\(escaped(process.command, commandLabelLength))\",user=\"\(escaped(process.user, 64))\""
    if let cgroup = process.cgroup {
      text += ",cgroup=\"\(escaped(cgroup.cgroup, cgroupLabelLength))\""
      if let unit = cgroup.unit { text += ",unit=\"\(escaped(unit, 128))\"" }
      if let container = cgroup.container { text += ",container=\"\(escaped(container, 64))\"" }
      if let pod = cgroup.podUID { text += ",pod_uid=\"\(escaped(pod, 64))\"" }
    }
    return text
  }
}
