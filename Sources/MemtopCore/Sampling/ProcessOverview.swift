/// Every process on the machine at a glance: RSS and anonymous memory from `statm` each
/// tick, growth over a time window, a short history and the analyzer's verdict on its RSS.
///
/// Only cheap reads: a directory listing, one `stat` read when a process appears (and every
/// ``nameRefreshTicks`` ticks, since `exec` changes the name) and one `pread` of a kept-open
/// `statm` per process. The analyzer runs on each process's floor pyramid (O(1) appends)
/// every ``evaluateEveryTicks`` ticks, spread over the ticks so the cost stays flat.
public final class ProcessOverview {
  /// One process as the table shows it.
  public struct Row: Sendable, Equatable {
    /// The process.
    public var identity: ProcessIdentity
    /// Its command name. Untrusted text.
    public var name: String
    /// Resident set size, bytes; `nil` when it may not be read ("n/a", never 0).
    public var rss: UInt64?
    /// Resident anonymous memory, bytes; `nil` when it may not be read.
    public var anon: UInt64?
    /// RSS change over the window, bytes per second; `nil` before two readings.
    public var growthBytesPerSecond: Double?
    /// RSS readings in the window, oldest first (NaN where a reading failed).
    public var history: [Double]
    /// The analyzer's latest verdict on the process's RSS, `nil` before the first evaluation.
    public var verdict: TrendVerdict?

    public init(
      identity: ProcessIdentity, name: String, rss: UInt64?, anon: UInt64?, growthBytesPerSecond: Double?,
      history: [Double], verdict: TrendVerdict?
    ) {
      self.identity = identity
      self.name = name
      self.rss = rss
      self.anon = anon
      self.growthBytesPerSecond = growthBytesPerSecond
      self.history = history
      self.verdict = verdict
    }
  }

  /// A process being watched, with its kept-open `statm`.
  struct Tracked {
    var identity: ProcessIdentity
    var name: String
    var statmFD: Int32
    var times: [Double] = []
    var values: [Double] = []
    var pyramid = FloorPyramid(capacity: 256)
    var verdict: TrendVerdict?
    var lastAnon: UInt64?
  }

  /// Seconds of history the growth rate and sparkline cover.
  public var window: Double
  /// Ticks between two analyses of one process.
  public let evaluateEveryTicks = 10
  /// Ticks between two re-reads of a process's name.
  public let nameRefreshTicks = 10
  private let scanner: ProcessScanner
  private let pageSize: UInt64
  private let buffer = ReadBuffer(capacity: 256)
  private var tracked: [Int32: Tracked] = [:]
  private var tick = 0

  /// - Parameter window: seconds of history for the growth rate and sparkline.
  public init(procRoot: String = "/proc", window: Double = 60, pageSize: UInt64 = Syscalls.pageSize()) {
    Syscalls.raiseOpenFileLimit()
    scanner = ProcessScanner(procRoot: procRoot)
    self.window = window
    self.pageSize = pageSize
  }

  deinit {
    for entry in tracked.values where entry.statmFD >= 0 { Syscalls.close(entry.statmFD) }
  }

  /// Reads every process once, at monotonic time `now` (seconds).
  public func refresh(now: Double) {
    tick += 1
    let (added, removed) = scanner.scan()
    for pid in removed { forget(pid) }
    for pid in added {
      guard let entry = scanner.entries[pid] else { continue }
      forget(pid)
      let fd = (try? Syscalls.openReadOnly("\(scanner.procRoot)/\(pid)/statm")) ?? -1
      tracked[pid] = Tracked(
        identity: ProcessIdentity(pid: pid, startTimeTicks: entry.startTimeTicks), name: entry.name, statmFD: fd)
    }
    for pid in Array(tracked.keys) {
      guard var entry = tracked[pid] else { continue }
      if (Int(pid) + tick) % nameRefreshTicks == 0 {
        scanner.refreshName(pid)
        if let name = scanner.entries[pid]?.name { entry.name = name }
      }
      var rss = Double.nan
      if entry.statmFD >= 0 {
        if let bytes = try? buffer.readWhole(entry.statmFD, shortReadIsEnd: true), let statm = try? ProcStatm.parse(bytes, pageSize: pageSize) {
          // A kernel thread has no user memory (every statm field 0): it is not listed.
          if statm.size == 0 {
            forget(pid)
            continue
          }
          rss = Double(statm.resident)
          entry.lastAnon = statm.anon
        } else {
          entry.lastAnon = nil
        }
      }
      entry.append(time: now, value: rss, window: window)
      if entry.statmFD >= 0 && (Int(pid) + tick) % evaluateEveryTicks == 0 {
        entry.verdict = VerdictPolicy.judge(entry.pyramid, label: "RSS").verdict
      }
      tracked[pid] = entry
    }
  }

  /// Every listed process (kernel threads left out), in no particular order.
  public var rows: [Row] {
    tracked.values.map { entry in
      let last = entry.values.last
      let rss = last.flatMap { $0.isNaN ? nil : UInt64($0) }
      return Row(
        identity: entry.identity, name: entry.name, rss: rss, anon: rss == nil ? nil : entry.lastAnon,
        growthBytesPerSecond: entry.growth, history: entry.values, verdict: entry.verdict)
    }
  }

  private func forget(_ pid: Int32) {
    if let old = tracked.removeValue(forKey: pid), old.statmFD >= 0 { Syscalls.close(old.statmFD) }
  }
}

extension ProcessOverview.Tracked {
  /// Adds a reading and drops those older than the window.
  mutating func append(time: Double, value: Double, window: Double) {
    times.append(time)
    values.append(value)
    if !value.isNaN { pyramid.append(time: time, value: value) }
    var drop = 0
    while drop < times.count - 1 && times[drop] < time - window { drop += 1 }
    if drop > 0 {
      times.removeFirst(drop)
      values.removeFirst(drop)
    }
  }

  /// RSS change between the first and last readings of the window, bytes per second.
  var growth: Double? {
    guard let first = values.indices.first(where: { !values[$0].isNaN }),
      let last = values.indices.last(where: { !values[$0].isNaN }), times[last] > times[first]
    else { return nil }
    return (values[last] - values[first]) / (times[last] - times[first])
  }
}
