import MemtopExport
import MemtopFormat
import MemtopSystem

/// Every process on the host judged for leaks, headless, for `memtop serve`.
///
/// The judging is the process table's: a ``ProcessOverview`` reads each process with the
/// same ``Sampler`` on its `statm` tick and judges its RSS with the same ``LiveAnalysis`` and
/// alert hysteresis (a row is leak-suspected when the table says LEAK). A process is a
/// lifetime: pid and start time, so a reused pid is a new row. What the radar adds is only
/// what the exporter needs, read for the processes exported and cached per lifetime: the user
/// (the passwd file of the host whose `/proc` is read), the cgroup labels, and the time to
/// the tighter of the cgroup's limit (against its charge) and the host's `MemAvailable`; and,
/// for the fastest growing leak-suspected processes only, the detailed reads that tell which
/// kind of memory grows (``WhereWatch``).
public final class HostRadar {
  /// The process table's reader and judge, driven here without a screen.
  public let overview: ProcessOverview
  /// The exposition's shape: `--top` and the series cap.
  public var exposition: RadarExposition
  /// The `/proc` read.
  public let procRoot: String
  /// Where the same host's cgroup hierarchies are mounted.
  public let cgroupRoot: String
  /// Seconds a process's cgroup limit and charge, and the host's `MemAvailable`, are reused.
  public static let limitRefreshSeconds = 5.0
  /// How long a steady growth must have lasted before a process is leak-suspected: a host's
  /// warm-ups and caches fill for minutes and then level off, and an alert that pages someone
  /// should not fire for them; a leak keeps growing and is suspected ten minutes in (its
  /// rate, interval and time to the limit are served from the first minute, for every process
  /// among the fastest growing).
  public static let defaultConfirmSeconds = 600.0
  /// Passes between two reads of a process whose RSS has held for ten reads: most of a
  /// host's processes are daemons that do not move, and a leak is suspected only after
  /// minutes of growth, so one starting in such a process is seen at most this many seconds
  /// late (at the default interval), for a quarter of the reads.
  public static let idleReadEvery = 4
  /// From this confirmation delay on, each process is analysed every 30 passes.
  static let slowEvaluationConfirmSeconds = 300.0

  private struct Labels {
    var user: String
    var cgroupText: String?
    var cgroup: CgroupLabels?
  }

  private var labels: [ProcessIdentity: Labels] = [:]
  private var limits: [String: (memory: CgroupMemory?, readAt: Double)] = [:]
  private var available: (bytes: UInt64?, readAt: Double) = (nil, -.infinity)
  private var userNames: [UInt32: String]?
  private var now = 0.0
  private var passes = 0
  /// The detailed reads of the leak-suspected processes (``watchWhere()``).
  var whereWatches: [ProcessIdentity: WhereWatch] = [:]
  /// Lifetimes whose detailed reads failed (gone, or not permitted): not tried again.
  var whereRefused: Set<ProcessIdentity> = []

  /// - Parameters:
  ///   - procRoot: the `/proc` to read (`/host/proc` in a container); the host's passwd file
  ///     and cgroup mounts are looked for beside it.
  ///   - window: seconds of RSS readings each row keeps for display (the analysis keeps its own).
  ///   - descriptorLimit: the most descriptors kept open between passes (``ProcessOverview``'s
  ///     default when nil).
  ///   - confirmSeconds: how long a process's steady growth must have lasted before it is
  ///     leak-suspected (``defaultConfirmSeconds``; 0: as soon as the table says LEAK).
  public init(
    procRoot: String = "/proc", top: Int = 50, maxSeries: Int = 250, window: Double = 5, descriptorLimit: Int? = nil,
    confirmSeconds: Double = HostRadar.defaultConfirmSeconds
  ) {
    self.procRoot = procRoot
    let host = UserNames.hostRoot(procRoot: procRoot)
    cgroupRoot = host + "/sys/fs/cgroup"
    // A growth is suspected only after minutes: an analysis every 30 passes (not 10, as the
    // table's) loses nothing of that and costs a third.
    overview = ProcessOverview(
      procRoot: procRoot, window: window, descriptorLimit: descriptorLimit, confirmSeconds: confirmSeconds,
      evaluateEvery: confirmSeconds >= Self.slowEvaluationConfirmSeconds ? 30 : ProcessOverview.evaluateEveryTicks,
      idleReadEvery: Self.idleReadEvery)
    exposition = RadarExposition(top: top, maxSeries: maxSeries)
  }

  /// Reads and judges every process once, at monotonic time `now` (seconds).
  public func refresh(now: Double) {
    self.now = now
    overview.refresh(now: now)
    watchWhere()
    passes += 1
    // Forget the labels of lifetimes that ended, now and then.
    if passes % 60 == 0 {
      let alive = Set(overview.standings.map(\.identity))
      labels = labels.filter { alive.contains($0.key) }
      whereRefused = whereRefused.filter { alive.contains($0) }
      limits = limits.filter { now - $0.value.readAt < Self.limitRefreshSeconds * 4 }
    }
  }

  /// What to keep across a restart: each listed lifetime's judged readings, at most
  /// `maxPoints`, moved onto the host's monotonic clock (`clockOrigin`: its reading when this
  /// run's time was 0).
  public func state(clockOrigin: Double, bootID: String, maxPoints: Int = 96) -> RadarState {
    var lifetimes: [ProcessIdentity: [RadarState.Point]] = [:]
    for (identity, points) in overview.carriedHistory(maxPoints: maxPoints) {
      let moved = points.map { RadarState.Point(time: $0.time + clockOrigin, bytes: $0.value) }
      if moved.allSatisfy({ $0.time >= 0 }) { lifetimes[identity] = moved }
    }
    return RadarState(bootID: bootID, lifetimes: lifetimes)
  }

  /// Hands an earlier run's readings to the table before the first pass: a process still
  /// running (same pid and start time) is judged on from them. Nothing is carried from
  /// another boot. Returns how many lifetimes were handed over.
  @discardableResult
  public func restore(_ state: RadarState, clockOrigin: Double, bootID: String) -> Int {
    guard !bootID.isEmpty, state.bootID == bootID else { return 0 }
    var carried: [ProcessIdentity: [(time: Double, value: Double)]] = [:]
    for (identity, points) in state.lifetimes where !points.isEmpty {
      carried[identity] = points.map { (time: $0.time - clockOrigin, value: $0.bytes) }
    }
    overview.carry(carried)
    return carried.count
  }

  /// The exposition of the latest pass: host gauges, and the series of the processes that
  /// rank first (leak-suspected, then by growth), labelled.
  public func render(scrapeDurationSeconds: Double) -> (text: String, series: Int) {
    // Ranked on their standings; rows are built for the exported ones only.
    let standings = overview.standings.filter(\.readable)
    let ranked = standings.filter { $0.leakConfirmed || $0.growthBytesPerSecond != nil }.sorted {
      RadarExposition.ranks(
        ($0.leakConfirmed, $0.growthBytesPerSecond, $0.identity.pid),
        before: ($1.leakConfirmed, $1.growthBytesPerSecond, $1.identity.pid))
    }
    let processes = ranked.prefix(exposition.top).compactMap { overview.row($0.identity) }.map(process)
    let host = RadarExposition.Host(
      processesJudged: standings.count, processesLeakSuspected: standings.count(where: \.leakConfirmed),
      selfCPUSeconds: Self.selfCPUSeconds(), selfResidentBytes: Self.selfResidentBytes(),
      scrapeDurationSeconds: scrapeDurationSeconds)
    return exposition.render(host: host, processes: processes)
  }

  /// One row with its labels and limit, as the exposition takes it.
  func process(_ row: ProcessOverview.Row) -> RadarExposition.Process {
    let labels = labels(row.identity)
    let rss = row.rss ?? 0
    var ttl: (seconds: Double, limit: String)?
    if let rate = row.growthBytesPerSecond, rate > 0, rate.isFinite {
      if let memory = cgroupMemory(labels.cgroupText) {
        ttl = (Double(memory.headroomBytes) / rate, memory.file)
      }
      if let available = memAvailable() {
        let seconds = Double(available) / rate
        if ttl.map({ seconds < $0.seconds }) ?? true { ttl = (seconds, "MemAvailable") }
      }
    }
    return RadarExposition.Process(
      pid: row.identity.pid, command: row.command, user: labels.user, cgroup: labels.cgroup,
      leakSuspected: row.leakConfirmed, rssBytes: rss, growthBytesPerSecond: row.growthBytesPerSecond,
      growthInterval: row.growthInterval, timeToLimit: ttl, growthKind: whereWatches[row.identity]?.growthKind)
  }

  /// The user and cgroup of a lifetime, read once.
  private func labels(_ identity: ProcessIdentity) -> Labels {
    if let known = labels[identity] { return known }
    let dir = "\(procRoot)/\(identity.pid)"
    let uid = Syscalls.readSmallFile(dir + "/status").flatMap { try? ProcStatus.parse($0) }?.uid
    let cgroupText = Syscalls.readSmallFile(dir + "/cgroup").map { String($0.prefix(8192)) }
    var cgroup = cgroupText.map(CgroupLabels.parse)
    if let path = cgroup?.cgroup, CgroupNamespace.isOutside(path), let cgroupText {
      // Labelled by its place in the host's hierarchy, as on the host, when it can be found.
      if namespaces == nil { locateNamespaces() }
      let namespace = MemoryLimit.cgroupPaths(cgroupText).v2 == path ? namespaces?.v2 : namespaces?.v1Memory
      if let resolved = namespace?.resolve(path) { cgroup = CgroupLabels.labels(path: resolved) }
    }
    let found = Labels(user: uid.map { userName($0) } ?? "", cgroupText: cgroupText, cgroup: cgroup)
    labels[identity] = found
    return found
  }

  private func userName(_ uid: UInt32) -> String {
    if userNames == nil {
      userNames = Syscalls.readSmallFile(UserNames.passwdPath(procRoot: procRoot)).map(UserNames.parse) ?? [:]
    }
    return userNames?[uid] ?? String(uid)
  }

  private func cgroupMemory(_ cgroupText: String?) -> CgroupMemory? {
    guard let cgroupText else { return nil }
    if let cached = limits[cgroupText], now - cached.readAt < Self.limitRefreshSeconds { return cached.memory }
    let paths = MemoryLimit.cgroupPaths(cgroupText)
    if namespaces == nil, [paths.v2, paths.v1Memory].contains(where: { $0.map(CgroupNamespace.isOutside) ?? false }) {
      locateNamespaces()
    }
    let memory = CgroupMemory.read(
      cgroupText: cgroupText, cgroupRoot: cgroupRoot, namespaces: namespaces ?? (.host, .host))
    limits[cgroupText] = (memory, now)
    return memory
  }

  /// Where memtop's cgroup namespace sits in the mounted hierarchies: found the first time a
  /// process's cgroup path climbs out of it (memtop in a container with a namespace of its own).
  private var namespaces: (v2: CgroupNamespace, v1Memory: CgroupNamespace)?

  /// What memtop could not resolve of the cgroup paths, said once by the caller; nil when all
  /// is well.
  public private(set) var cgroupNote: String?

  private func locateNamespaces() {
    // memtop's own cgroup, read from its own /proc whatever `procRoot` is.
    let own = MemoryLimit.cgroupPaths(Syscalls.readSmallFile("/proc/self/cgroup") ?? "")
    let pid = Syscalls.processID()
    let list = { (path: String) in Syscalls.subdirectories(path) }
    let read = { (path: String) in Syscalls.readSmallFile(path) }
    let v2 = CgroupNamespace.locate(pid: pid, ownPath: own.v2 ?? "/", hierarchy: cgroupRoot, list: list, read: read)
    let v1 =
      own.v1Memory.map {
        CgroupNamespace.locate(pid: pid, ownPath: $0, hierarchy: cgroupRoot + "/memory", list: list, read: read)
      } ?? CgroupNamespace(root: nil)
    namespaces = (v2, v1)
    if v2.root == nil && v1.root == nil {
      cgroupNote =
        "the processes' cgroup paths are relative to memtop's own cgroup namespace, and memtop's cgroup was not found under \(Sanitizer.terminalSafe(cgroupRoot, maxLength: 200)): their cgroup limits are not read (time to limit uses the host's memory); mount the host's cgroup hierarchy there, or run memtop in the host's cgroup namespace (docker/podman --cgroupns=host)"
    }
  }

  private func memAvailable() -> UInt64? {
    if now - available.readAt < Self.limitRefreshSeconds { return available.bytes }
    available = (Syscalls.readSmallFile(procRoot + "/meminfo").flatMap(MemoryLimit.parseMemAvailable), now)
    return available.bytes
  }

  /// memtop's own CPU time, user + system, seconds.
  static func selfCPUSeconds() -> Double { Syscalls.processCPUSeconds() }

  /// memtop's own resident set, bytes (its own `/proc`, whatever `procRoot` is read).
  static func selfResidentBytes() -> UInt64 {
    Syscalls.readSmallFile("/proc/self/status").flatMap { try? ProcStatus.parse($0) }?.vmRSS ?? 0
  }
}
