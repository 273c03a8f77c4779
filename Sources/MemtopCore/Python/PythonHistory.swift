/// What the Python agents of one watch have said over time, bounded: the series the report's
/// slopes are fitted on (per cache, per line, per type, traced memory) and the latest state.
///
/// Fed the same way live (from the socket) and from a `NAME.python.jsonl` file, so the panel,
/// `analyze`, `replay` and `plot` tell the same story.
public struct PythonHistory: Sendable {
  /// One agent's series.
  public struct Agent: Sendable {
    public var pid: Int32
    public var hello: AgentHello?
    public var samples = 0
    public var gc: GCState?
    /// Latest reading of each cache, by function.
    public var caches: [String: CacheReading] = [:]
    /// currsize over time, by function.
    package var cacheSeries: [String: BoundedSeries] = [:]
    /// Objects over time, by type (census ticks).
    package var typeSeries: [String: BoundedSeries] = [:]
    /// Bytes over time, by `file:line` (snapshot ticks).
    package var lineSeries: [String: BoundedSeries] = [:]
    /// Traced bytes over time, while tracing.
    public var traced = BoundedSeries()
    /// Whether tracemalloc ran at the latest sample.
    public var tracing = false
    /// Milliseconds of the latest census.
    package var censusMilliseconds: Double?
    /// Notes the agent sent, escaped (the latest few).
    public var notes: [String] = []
    /// Why it left, once it has.
    package var bye: String?
    /// Bytes the agent said it holds itself, at its latest sample.
    public var observerBytes: Int?
    /// Bytes its closed tracing windows took and the system did not get back (what the
    /// observer held just before a window closed, less the RSS the hand-back returned): still
    /// the observer's, as holes in the heap the program refills before its RSS grows again.
    public var keptBytes = 0
    /// What is counted as the observer's in this process now: what the agent holds and what
    /// its windows kept.
    public var observerTotal: Int? { observerBytes.map { $0 + keptBytes } }
    /// Growing containers, named, at its latest census.
    public var retainers: [Retainer] = []
    /// Its tracing windows' edges, as received (wall-clock times).
    public var windows: [WindowEdge] = []
    /// Watch seconds of its latest sample, and of the census its retainers came from.
    public var lastElapsed: Double?
    public var retainersAt: Double?
  }

  /// Agents in order of first contact.
  public private(set) var agents: [Agent] = []
  /// Most series kept per kind (caches, types, lines) per agent.
  package static let maxSeries = 500
  /// The most bytes counted as kept by closed windows (a window's budget is at most 64 MiB).
  package static let maxKeptBytes = 256 << 20
  /// Most agents kept (each process of a tree that runs Python has one).
  package static let maxAgents = 64

  public init() {}

  /// Files one record, received at `elapsed` seconds of the watch from the agent of `pid`.
  public mutating func take(_ record: AgentRecord, pid: Int32, elapsed: Double) {
    let index = agentIndex(pid)
    switch record {
    case .hello(let hello): agents[index].hello = hello
    case .note(let text):
      agents[index].notes.append(text)
      if agents[index].notes.count > 8 { agents[index].notes.removeFirst() }
    case .bye(let reason): agents[index].bye = reason
    case .sample(let sample): takeSample(sample, at: index, elapsed: elapsed)
    }
  }

  private mutating func takeSample(_ sample: AgentSample, at index: Int, elapsed: Double) {
    agents[index].samples += 1
    agents[index].lastElapsed = elapsed
    if let gc = sample.gc { agents[index].gc = gc }
    let before = agents[index].observerBytes
    if let observer = sample.observerBytes { agents[index].observerBytes = observer }
    if let window = sample.window, window.closedAt != nil, let before, before > 0 {
      // What the window held and the hand-back did not return stays the observer's: without
      // it the observer-free series would step up at every window's end.
      let returned = max(window.returnedBytes ?? 0, 0)
      agents[index].keptBytes = min(agents[index].keptBytes + max(before - returned, 0), Self.maxKeptBytes)
    }
    if let retainers = sample.retainers {
      agents[index].retainers = retainers
      agents[index].retainersAt = elapsed
    }
    if let window = sample.window {
      if window.openedAt != nil {
        // tracemalloc starts again from nothing: the traced total and the lines are this
        // window's alone (a slope across two windows would fit a reset, not a trend).
        agents[index].traced = BoundedSeries()
        agents[index].lineSeries = [:]
      }
      agents[index].windows.append(window)
      if agents[index].windows.count > 64 { agents[index].windows.removeFirst() }
    }
    if let caches = sample.caches {
      agents[index].caches = [:]
      for cache in caches {
        agents[index].caches[cache.function] = cache
        Self.append(&agents[index].cacheSeries, cache.function, elapsed, Double(cache.currsize))
      }
    }
    if let types = sample.types {
      for type in types { Self.append(&agents[index].typeSeries, type.name, elapsed, Double(type.value)) }
    }
    if let lines = sample.lines {
      // A line absent from a snapshot holds less than the 50th line: its earlier points stand.
      for line in lines where !Self.isObserverFrame(line.name) {
        Self.append(&agents[index].lineSeries, line.name, elapsed, Double(line.value))
      }
    }
    if let tracing = sample.tracing { agents[index].tracing = tracing }
    if let current = sample.tracedCurrent { agents[index].traced.append(elapsed, Double(current)) }
    if let ms = sample.censusMilliseconds { agents[index].censusMilliseconds = ms }
  }

  /// Whether a `path:LINE` is the agent's own or in what it calls (the agent leaves these out
  /// already; an older agent, or a file written by one, may not): the agent's files and private
  /// directory, `json`, `heapq`, `tracemalloc`, `linecache`, `socket`, `selectors`, `struct`,
  /// and `<string>` (the attach bootstrap).
  package static func isObserverFrame(_ location: String) -> Bool {
    let file = location.lastIndex(of: ":").map { String(location[..<$0]) } ?? location
    if file.hasPrefix("<string>") || file.contains("memtop_agent") || file.contains("/memtop-py-") { return true }
    if file.contains("/json/") { return true }
    let name = file.split(separator: "/").last.map(String.init) ?? file
    return observerFiles.contains(name) && !file.contains("site-packages") && !file.contains("dist-packages")
  }

  private static let observerFiles: Set<String> = [
    "heapq.py", "tracemalloc.py", "linecache.py", "socket.py", "selectors.py", "struct.py",
  ]

  private static func append(
    _ series: inout [String: BoundedSeries], _ key: String, _ time: Double, _ value: Double
  ) {
    if series[key] == nil && series.count >= maxSeries { return }
    series[key, default: BoundedSeries()].append(time, value)
  }

  private mutating func agentIndex(_ pid: Int32) -> Int {
    if let index = agents.firstIndex(where: { $0.pid == pid }) { return index }
    // A program that forks a worker per task brings a new agent each time: past the cap, the
    // least told of those that have left (else of all) makes room, so memory stays bounded.
    if agents.count >= Self.maxAgents {
      let gone = agents.indices.filter { agents[$0].bye != nil }
      let pool = gone.isEmpty ? Array(agents.indices) : gone
      if let drop = pool.min(by: { agents[$0].samples < agents[$1].samples }) { agents.remove(at: drop) }
    }
    agents.append(Agent(pid: pid))
    return agents.count - 1
  }

  /// The agent the report speaks of: the first of `preferred` (the leaking member, then the
  /// process watched) that has samples, else the one with the most samples.
  package func mainAgent(preferring preferred: [Int32]) -> Agent? {
    for pid in preferred {
      if let agent = agents.first(where: { $0.pid == pid && $0.samples > 0 }) { return agent }
    }
    return agents.max { $0.samples < $1.samples }
  }

  /// The agent of `preferred` when it has samples, else the one with the most samples.
  package func mainAgent(preferring preferred: Int32? = nil) -> Agent? {
    mainAgent(preferring: preferred.map { [$0] } ?? [])
  }
}

/// A time series of at most ``capacity`` points: past it, every other point is dropped, so a
/// long watch keeps its whole span at a coarser step.
public struct BoundedSeries: Sendable {
  public private(set) var times: [Double] = []
  public private(set) var values: [Double] = []
  public static let capacity = 2048

  public init() {}

  public mutating func append(_ time: Double, _ value: Double) {
    guard time.isFinite, value.isFinite else { return }
    if let last = times.last, time < last { return }
    times.append(time)
    values.append(value)
    if times.count > Self.capacity {
      times = times.enumerated().filter { $0.offset % 2 == 0 || $0.offset == times.count - 1 }.map(\.element)
      values = values.enumerated().filter { $0.offset % 2 == 0 || $0.offset == values.count - 1 }.map(\.element)
    }
  }

  public var count: Int { times.count }
  public var last: Double? { values.last }
  public var first: (time: Double, value: Double)? { times.first.map { ($0, values[0]) } }
}
