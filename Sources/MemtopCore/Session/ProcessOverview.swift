/// Every process on the machine at a glance: RSS and anonymous memory from `statm` each
/// tick, its floor's growth rate as the analyzer judges it, a short history and the analyzer's verdict on its RSS.
///
/// Only cheap reads: a directory listing, one `stat` read when a process appears (and every
/// ``nameRefreshTicks`` ticks, since `exec` changes the name) and one `pread` of a kept-open
/// `statm` per process. At most ``descriptorLimit`` `statm` files are kept open (half the
/// soft `RLIMIT_NOFILE`, raised to the hard limit first); beyond that a process's `statm` is
/// opened, read and closed in its tick, so a machine with more processes than `ulimit -n`
/// allows is read in full, and a failure to open is told apart: out of descriptors is never
/// shown as "not readable". The analyzer runs on each process's floor pyramid (O(1) appends)
/// every ``evaluateEveryTicks`` ticks, spread over the ticks so the cost stays flat.
public final class ProcessOverview {
  /// One process as the table shows it.
  public struct Row: Sendable, Equatable {
    /// The process.
    public var identity: ProcessIdentity
    /// Its command name. Untrusted text.
    public var name: String
    /// Its command line as one line (`python3 app.py`), or the name when it has none. Untrusted text.
    public var command: String
    /// Resident set size, bytes; `nil` when it may not be read ("n/a", never 0).
    public var rss: UInt64?
    /// Resident anonymous memory, bytes; `nil` when it may not be read.
    public var anon: UInt64?
    /// RSS growth, bytes per second: the Sen slope of the floor the analyzer judged (the same
    /// rate its verdict states); `nil` before the analyzer has a rate.
    public var growthBytesPerSecond: Double?
    /// RSS readings in the window, oldest first (NaN where a reading failed).
    public var history: [Double]
    /// When each of ``history`` was read, monotonic seconds.
    public var historyTimes: [Double]
    /// The analyzer's latest verdict on the process's RSS, `nil` before the first evaluation.
    public var verdict: TrendVerdict?
    /// Why the last reading failed, when it did.
    public var readFailure: ReadFailure?

    public init(
      identity: ProcessIdentity, name: String, rss: UInt64?, anon: UInt64?, growthBytesPerSecond: Double?,
      history: [Double], verdict: TrendVerdict?, readFailure: ReadFailure? = nil, command: String? = nil,
      historyTimes: [Double] = []
    ) {
      self.identity = identity
      self.name = name
      self.command = command ?? name
      self.historyTimes = historyTimes
      self.rss = rss
      self.anon = anon
      self.growthBytesPerSecond = growthBytesPerSecond
      self.history = history
      self.verdict = verdict
      self.readFailure = readFailure
    }
  }

  /// Why a process's `statm` could not be read this tick.
  public enum ReadFailure: Sendable, Equatable {
    /// The kernel refused (EACCES/EPERM): "not readable".
    case permissionDenied
    /// memtop (EMFILE) or the system (ENFILE) has no descriptor left: `ulimit -n` is the fix.
    case outOfDescriptors
    /// Anything else (a malformed file, an error the kernel rarely gives).
    case other
  }

  /// A process being watched, with its kept-open `statm`.
  struct Tracked {
    var identity: ProcessIdentity
    var name: String
    var command: String = ""
    var statmFD: Int32
    var times: [Double] = []
    var values: [Double] = []
    var pyramid = FloorPyramid(capacity: 256)
    var verdict: TrendVerdict?
    var growth: Double?
    var lastAnon: UInt64?
    var readFailure: ReadFailure?
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
  /// The analyzer every row is judged by (the one the live view and `analyze` use).
  private let analyzer = TrendAnalyzer()
  private var tracked: [Int32: Tracked] = [:]
  private var tick = 0
  /// The most `statm` descriptors kept open between ticks.
  public let descriptorLimit: Int
  /// How many are open now.
  public private(set) var descriptorsHeld = 0

  /// - Parameters:
  ///   - window: seconds of history for the growth rate and sparkline.
  ///   - descriptorLimit: the most `statm` files kept open between ticks; by default half the
  ///     soft `RLIMIT_NOFILE` (after raising it to the hard limit), leaving the rest to the
  ///     terminal, the view of one process and its recording.
  public init(
    procRoot: String = "/proc", window: Double = 60, pageSize: UInt64 = Syscalls.pageSize(), descriptorLimit: Int? = nil
  ) {
    Syscalls.raiseOpenFileLimit()
    self.descriptorLimit = descriptorLimit ?? Syscalls.openFileLimit() / 2
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
      tracked[pid] = Tracked(
        identity: ProcessIdentity(pid: pid, startTimeTicks: entry.startTimeTicks), name: entry.name,
        command: readCommand(pid, name: entry.name), statmFD: -1)
    }
    for pid in Array(tracked.keys) {
      guard var entry = tracked[pid] else { continue }
      if (Int(pid) + tick) % nameRefreshTicks == 0 {
        scanner.refreshName(pid)
        if let name = scanner.entries[pid]?.name {
          entry.name = name
          // exec changes the command line along with the name.
          entry.command = readCommand(pid, name: name)
        }
      }
      var rss = Double.nan
      // Kept open when there is room; else opened for this tick only.
      var fd = entry.statmFD
      if fd < 0 {
        do {
          fd = try Syscalls.openReadOnly("\(scanner.procRoot)/\(pid)/statm")
          if descriptorsHeld < descriptorLimit {
            entry.statmFD = fd
            descriptorsHeld += 1
          }
          entry.readFailure = nil
        } catch {
          entry.readFailure = Self.failure(error)
        }
      }
      if fd >= 0 {
        let read = try? buffer.readWhole(fd, shortReadIsEnd: true)
        if fd != entry.statmFD { Syscalls.close(fd) }
        if let read, let statm = try? ProcStatm.parse(read, pageSize: pageSize) {
          // A kernel thread has no user memory (every statm field 0): it is not listed.
          if statm.size == 0 {
            tracked[pid] = entry
            forget(pid)
            continue
          }
          rss = Double(statm.resident)
          entry.lastAnon = statm.anon
          entry.readFailure = nil
        } else {
          entry.lastAnon = nil
          entry.readFailure = .other
        }
      }
      entry.append(time: now, value: rss, window: window)
      // A young process (fewer readings than the analyzer's young-series count) is judged on
      // its raw readings every other tick, as the live view judges one, so a clear leak shows
      // within a few dozen ticks; later, its pyramid every `evaluateEveryTicks` ticks.
      let young = entry.pyramid.sampleCount < analyzer.configuration.youngSampleCount
      let due = young ? (Int(pid) + tick) % 2 == 0 : (Int(pid) + tick) % evaluateEveryTicks == 0
      if !rss.isNaN && due {
        let result =
          young
          ? analyzer.analyze(MetricSeries(times: entry.times, values: entry.values), label: "RSS")
          : analyzer.analyze(entry.pyramid, label: "RSS")
        entry.verdict = result.verdict
        let judged = result.verdict != .insufficientData && result.slopeBytesPerSecond.isFinite
        entry.growth = judged ? result.slopeBytesPerSecond : nil
      }
      tracked[pid] = entry
    }
  }

  /// Every listed process (kernel threads left out), in no particular order.
  public var rows: [Row] {
    tracked.values.map { entry in
      let last = entry.values.last
      let rss = last.flatMap { $0.isNaN ? nil : UInt64(saturating: $0) }
      return Row(
        identity: entry.identity, name: entry.name, rss: rss, anon: rss == nil ? nil : entry.lastAnon,
        growthBytesPerSecond: entry.verdict == nil ? nil : entry.growth, history: entry.values, verdict: entry.verdict,
        readFailure: rss == nil ? entry.readFailure ?? .other : nil, command: entry.command, historyTimes: entry.times)
    }
  }

  /// The command line of `pid` as one line, or `name` when it cannot be read.
  private func readCommand(_ pid: Int32, name: String) -> String {
    let text = Syscalls.readSmallFile("\(scanner.procRoot)/\(pid)/cmdline") ?? ""
    return ProcessCommandLine.display(ProcessCommandLine.arguments(String(text.prefix(4096))), name: name)
  }

  private func forget(_ pid: Int32) {
    if let old = tracked.removeValue(forKey: pid), old.statmFD >= 0 {
      Syscalls.close(old.statmFD)
      descriptorsHeld -= 1
    }
  }

  private static func failure(_ error: SystemError) -> ReadFailure {
    switch error {
    case .permissionDenied: .permissionDenied
    case .other(let code) where code == Syscalls.tooManyOpenFiles || code == Syscalls.tooManyOpenFilesInSystem:
      .outOfDescriptors
    default: .other
    }
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
}
