import MemtopAnalysis
import MemtopSampling
import MemtopSystem
import MemtopTrend

/// Every process on the machine at a glance: each process is read by the same ``Sampler`` a
/// watch uses, on its cheapest tick (``TickRead/statm``: one `pread` of a kept-open `statm`,
/// RSS and anonymous memory, the figures `status` gives the chart when a row is opened), and
/// judged by the same ``LiveAnalysis`` the live view's banner uses, on its RSS.
///
/// Only cheap reads: a directory listing, one `stat` read when a process appears (the
/// scanner's, and the handle's own at open), one `statm` per process per tick, and its name
/// again every ``nameRefreshTicks`` ticks (`exec` changes it, and the command line with it;
/// `serve` as often as it analyses, every 30). At
/// most ``descriptorLimit`` descriptors are kept open (two per process, `stat` and `statm`;
/// half the soft `RLIMIT_NOFILE`, raised to the hard limit first); beyond that a process is
/// opened, read and closed in its tick, so a machine with more processes than `ulimit -n`
/// allows is read in full, and a failure to open is told apart: out of descriptors is never
/// shown as "not readable". Each row's analysis is evaluated every ``evaluateEveryTicks``
/// ticks (every other tick while the series is young), the rows taking turns so the cost
/// stays flat.
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
    /// The 95 % interval of ``growthBytesPerSecond`` (lower and upper bound, bytes per second);
    /// `nil` when the analyzer has no rate.
    public var growthInterval: ClosedRange<Double>?
    /// RSS readings in the window, oldest first (NaN where a reading failed).
    public var history: [Double]
    /// When each of ``history`` was read, monotonic seconds.
    public var historyTimes: [Double]
    /// The analyzer's latest verdict on the process's RSS, `nil` before the first evaluation.
    public var verdict: TrendVerdict?
    /// Whether the leak alert is raised (two evaluations in a row said leak), as the live
    /// view's banner says LEAK only then.
    public var leakConfirmed: Bool
    /// Why the last reading failed, when it did.
    public var readFailure: ReadFailure?

    public init(
      identity: ProcessIdentity, name: String, rss: UInt64?, anon: UInt64?, growthBytesPerSecond: Double?,
      history: [Double], verdict: TrendVerdict?, readFailure: ReadFailure? = nil, command: String? = nil,
      historyTimes: [Double] = [], leakConfirmed: Bool? = nil, growthInterval: ClosedRange<Double>? = nil
    ) {
      self.growthInterval = growthInterval
      self.identity = identity
      self.name = name
      self.command = command ?? name
      self.historyTimes = historyTimes
      self.rss = rss
      self.anon = anon
      self.growthBytesPerSecond = growthBytesPerSecond
      self.history = history
      self.verdict = verdict
      self.leakConfirmed = leakConfirmed ?? (verdict == .leak)
      self.readFailure = readFailure
    }
  }

  /// Why a process could not be read this tick.
  public enum ReadFailure: Sendable, Equatable {
    /// The kernel refused (EACCES/EPERM): "not readable".
    case permissionDenied
    /// memtop (EMFILE) or the system (ENFILE) has no descriptor left: `ulimit -n` is the fix.
    case outOfDescriptors
    /// Anything else (a malformed file, an error the kernel rarely gives).
    case other
  }

  /// A process being watched: its sampler (kept while descriptors allow), its window of
  /// readings and its analysis. A class, so a pass updates every row in place: its arrays
  /// (history, the analysis' pyramids) stay uniquely held and grow without a copy, and the
  /// dictionary is not re-hashed per row per tick.
  final class Tracked {
    let identity: ProcessIdentity
    var name: String
    var command: String
    /// The process's sampler, kept between ticks when there is room for its descriptors.
    var sampler: Sampler?
    var times: [Double] = []
    var values: [Double] = []
    var analysis: LiveAnalysis
    var lastAnon: UInt64?
    var readFailure: ReadFailure?
    /// The analysis' judged growth and alert, kept as of its latest evaluation: the radar
    /// ranks hundreds of rows a pass on these without touching the analysis.
    var growth: Double?
    var leakConfirmed = false
    /// The RSS of the latest reading, and how many reads in a row found it unchanged.
    var lastRSS: UInt64?
    var unchangedReads = 0

    init(identity: ProcessIdentity, name: String, command: String, analysis: LiveAnalysis) {
      self.identity = identity
      self.name = name
      self.command = command
      self.analysis = analysis
    }
  }

  /// The clock every row's sampler reads: the table reads all processes at one instant.
  private final class TickClock: SamplerClock {
    var now = 0.0
    func monotonicSeconds() -> Double { now }
    func wallSeconds() -> Double { Syscalls.wallSeconds() }
    func sleep(untilMonotonic deadline: Double) -> Bool { true }
  }

  /// Seconds of history the sparkline covers.
  public var window: Double
  /// Ticks between two analyses of one process.
  public static let evaluateEveryTicks = 10
  /// Floor points a row's analysis judges at most (the live view of one process judges 256):
  /// a thousand rows judged in turn stay cheap, and each row's history is bounded: 8 levels of
  /// 64 bins of 16 bytes (8.3 KB, each level taken whole as it starts), and none while its RSS
  /// has not changed. Measured (`cd Benchmarks && memtop-rows 1000 3600 --changing 0`, then
  /// `--changing 1`; VmRSS per row, flat from 600 s): 7.9 KB an idle row, 17.4 KB a changing
  /// one (25.6 KB either before); `--breakdown` says where (docs/performance.md).
  public static let floorPoints = 64
  /// Ticks between two re-reads of a process's name.
  public static let nameRefreshTicks = 10
  private var tick = 0
  private let scanner: ProcessScanner
  private let pageSize: UInt64
  private let clock = TickClock()
  /// Seconds between two givings back of the heap's free pages.
  static let trimEverySeconds = 60.0
  /// When the heap's free pages were last given back (``AllocatorTuning/releaseFreePages()``).
  private var lastTrim = -Double.infinity
  /// One read buffer for every row's handle: rows are read one after the other, and a buffer
  /// each (8 KiB) would cost a thousand rows 8 MiB.
  private let readBuffer = ReadBuffer()
  /// Raw readings judged as they are while a series is young (as the live view judges a young
  /// series); past that, its floor pyramid.
  private let rawReadings = TrendConfiguration().youngSampleCount
  private var tracked: [Int32: Tracked] = [:]
  /// Readings carried from an earlier run (``carry(_:)``), waiting for the next pass.
  private var carried: [ProcessIdentity: [(time: Double, value: Double)]] = [:]
  /// The most descriptors kept open between ticks (two per process kept open).
  public let descriptorLimit: Int
  /// How many are open now.
  public private(set) var descriptorsHeld = 0
  /// Seconds a growth must have lasted before a row is leak-confirmed.
  public let confirmSeconds: Double
  /// Ticks between two analyses of one process (``evaluateEveryTicks`` for the table).
  public let evaluateEvery: Int
  /// Ticks between two re-reads of one process's name (``nameRefreshTicks`` for the table; no
  /// more often than its analysis).
  let nameRefreshEvery: Int
  /// Passes between two reads of a process whose RSS held for ``idleAfterReads`` reads (1:
  /// every pass, as the table reads, so every figure shown is this second's).
  public let idleReadEvery: Int
  /// Reads in a row with the same RSS after which a process counts as idle.
  public static let idleAfterReads = 10

  /// - Parameters:
  ///   - window: seconds of history for the sparkline.
  ///   - descriptorLimit: the most descriptors kept open between ticks; by default half the
  ///     soft `RLIMIT_NOFILE` (after raising it to the hard limit), leaving the rest to the
  ///     terminal, the view of one process and its recording.
  ///   - confirmSeconds: how long a process's growth must have lasted before it is
  ///     leak-confirmed (0: at the analysis' two consecutive positives, as the table shows).
  ///   - evaluateEvery: ticks between two analyses of one process.
  ///   - idleReadEvery: passes between two reads of an idle process (1: every pass).
  public init(
    procRoot: String = "/proc", window: Double = 60, pageSize: UInt64 = Syscalls.pageSize(),
    descriptorLimit: Int? = nil, confirmSeconds: Double = 0, evaluateEvery: Int = ProcessOverview.evaluateEveryTicks,
    idleReadEvery: Int = 1
  ) {
    self.idleReadEvery = max(idleReadEvery, 1)
    self.confirmSeconds = max(confirmSeconds, 0)
    self.evaluateEvery = max(evaluateEvery, 1)
    nameRefreshEvery = max(Self.nameRefreshTicks, self.evaluateEvery)
    Syscalls.raiseOpenFileLimit()
    self.descriptorLimit = descriptorLimit ?? Syscalls.openFileLimit() / 2
    scanner = ProcessScanner(procRoot: procRoot)
    self.window = window
    self.pageSize = pageSize
  }

  /// Reads every process once, at monotonic time `now` (seconds).
  public func refresh(now: Double) {
    clock.now = now
    tick += 1
    let (added, removed) = scanner.scan()
    for pid in removed { forget(pid) }
    for pid in added {
      guard let entry = scanner.entries[pid] else { continue }
      forget(pid)
      let identity = ProcessIdentity(pid: pid, startTimeTicks: entry.startTimeTicks)
      var analysis = LiveAnalysis(
        metrics: [.rss], evaluateEvery: evaluateEvery, rawCapacity: rawReadings, maxFloorPoints: Self.floorPoints,
        phase: Int(pid), confirmSeconds: confirmSeconds, skipsUnchanged: true)
      if let points = carried[identity] { analysis.carry(points) }
      tracked[pid] = Tracked(
        identity: identity, name: entry.name, command: readCommand(pid, name: entry.name), analysis: analysis)
    }
    // A lifetime not listed on this pass has ended: what was carried for it is dropped.
    carried = [:]
    var ended: [(pid: Int32, gone: Bool)] = []
    for (pid, entry) in tracked {
      // A process whose RSS has held for a while is read on every `idleReadEvery`-th pass
      // only (serve's hundreds of idle daemons); the first read that sees it move brings it
      // back to every pass. Its exit is seen by the scan all the same.
      if idleReadEvery > 1 && entry.unchangedReads >= Self.idleAfterReads
        && (Int(pid) + tick) % idleReadEvery != 0
      {
        continue
      }
      if (Int(pid) + tick) % nameRefreshEvery == 0 { refreshName(entry) }
      var sample: MemorySample?
      switch read(entry) {
      case .gone:
        ended.append((pid, true))
        continue
      case .failed(let failure):
        entry.readFailure = failure
      case .read(let reading):
        // A kernel thread has no user memory (an empty statm): it is not listed.
        guard reading.rss != nil else {
          ended.append((pid, false))
          continue
        }
        sample = reading
        entry.readFailure = nil
      }
      entry.lastAnon = sample?.anon
      if let rss = sample?.rss, rss == entry.lastRSS {
        entry.unchangedReads += 1
      } else {
        entry.unchangedReads = 0
      }
      entry.lastRSS = sample?.rss
      entry.append(time: now, value: sample?.rss.map { Double($0) } ?? .nan, window: window)
      // Cached when the analysis judged (or started over: a launcher's exec restarts it).
      if let sample, entry.analysis.append(sample, limitBytes: nil) || entry.analysis.samples <= 1 {
        entry.growth = Self.growth(entry.analysis.results.first ?? nil)
        entry.leakConfirmed = entry.analysis.isRaised(0)
      }
    }
    for (pid, gone) in ended { forget(pid, gone: gone) }
    // Rows of processes that ended leave free pages scattered in the heap: given back once a
    // minute, so the resident size of the table and of `serve` follows the processes listed.
    if now - lastTrim >= Self.trimEverySeconds {
      lastTrim = now
      AllocatorTuning.releaseFreePages()
    }
  }

  /// Re-reads `entry`'s name (`exec` changes it, and the command line with it): through its
  /// kept `stat` descriptor when it has one (a `pread`, no path to look up), else by the scanner.
  private func refreshName(_ entry: Tracked) {
    let pid = entry.identity.pid
    if let handle = entry.sampler?.handle {
      guard let stat = try? handle.readStat(), stat.startTimeTicks == entry.identity.startTimeTicks else { return }
      scanner.rename(pid, to: stat.comm)
    } else {
      scanner.refreshName(pid)
    }
    if let name = scanner.entries[pid]?.name, name != entry.name {
      entry.name = name
      entry.command = readCommand(pid, name: name)
    }
  }

  /// What ranks a row, without building it: the radar sorts hundreds of these a second and
  /// builds rows only for the few it exports.
  public struct Standing: Sendable, Equatable {
    public var identity: ProcessIdentity
    /// Whether its RSS was read this tick.
    public var readable: Bool
    public var leakConfirmed: Bool
    /// The judged growth, bytes per second (nil until judged, as ``Row/growthBytesPerSecond``).
    public var growthBytesPerSecond: Double?
  }

  /// Every listed process's standing, in no particular order.
  public var standings: [Standing] {
    tracked.values.map { entry in
      let readable = entry.values.last.map { !$0.isNaN } ?? false
      return Standing(
        identity: entry.identity, readable: readable, leakConfirmed: entry.leakConfirmed,
        growthBytesPerSecond: entry.growth)
    }
  }

  /// Each listed lifetime's RSS readings as its analysis keeps them (at most `maxPoints`), to
  /// carry across a restart of memtop (``carry(_:)``).
  public func carriedHistory(maxPoints: Int = 96) -> [ProcessIdentity: [(time: Double, value: Double)]] {
    var history: [ProcessIdentity: [(time: Double, value: Double)]] = [:]
    for entry in tracked.values {
      let points = entry.analysis.carriedPoints(maxPoints: maxPoints)
      if !points.isEmpty { history[entry.identity] = points }
    }
    return history
  }

  /// Readings of an earlier run, by lifetime, on this run's clock: a lifetime first listed on
  /// the next pass starts its analysis from them (a pid now running another process does not:
  /// its start time differs).
  public func carry(_ history: [ProcessIdentity: [(time: Double, value: Double)]]) {
    carried = history
  }

  /// Floor-pyramid bins the rows' analyses hold, all rows together (an idle row's none).
  package var binsHeld: Int { tracked.values.reduce(0) { $0 + $1.analysis.binsHeld } }

  /// The row of the lifetime `identity`, if it is listed.
  public func row(_ identity: ProcessIdentity) -> Row? {
    guard let entry = tracked[identity.pid], entry.identity == identity else { return nil }
    return Self.row(entry)
  }

  /// A result's rate when it is a judged one (not before the analyzer has evidence).
  private static func growth(_ result: TrendResult?) -> Double? {
    guard let result, result.verdict != .insufficientData, result.slopeBytesPerSecond.isFinite else { return nil }
    return result.slopeBytesPerSecond
  }

  /// Every listed process (kernel threads left out), in no particular order.
  public var rows: [Row] { tracked.values.map(Self.row) }

  private static func row(_ entry: Tracked) -> Row {
    let last = entry.values.last
    let rss = last.flatMap { $0.isNaN ? nil : UInt64(saturating: $0) }
    let result = entry.analysis.results.first ?? nil
    let growth = growth(result)
    let interval = result.flatMap { result -> ClosedRange<Double>? in
      let ci = result.slopeCI
      return growth != nil && ci.low.isFinite && ci.high.isFinite && ci.low <= ci.high ? ci.low...ci.high : nil
    }
    return Row(
      identity: entry.identity, name: entry.name, rss: rss, anon: rss == nil ? nil : entry.lastAnon,
      growthBytesPerSecond: growth, history: entry.values, verdict: result?.verdict,
      readFailure: rss == nil ? entry.readFailure ?? .other : nil, command: entry.command, historyTimes: entry.times,
      leakConfirmed: entry.analysis.isRaised(0), growthInterval: interval)
  }

  private enum Reading {
    case read(MemorySample)
    case failed(ReadFailure)
    case gone
  }

  /// One tick of `entry`'s sampler: kept open when there is room, else opened for this tick.
  private func read(_ entry: Tracked) -> Reading {
    let sampler: Sampler
    if let kept = entry.sampler {
      sampler = kept
    } else {
      let handle: ProcessHandle
      do {
        handle = try ProcessHandle(
          pid: entry.identity.pid, procRoot: scanner.procRoot, pageSize: pageSize, useHeapIoctls: false,
          openStatus: false, buffer: readBuffer)
      } catch {
        return error == .processGone ? .gone : .failed(Self.failure(error))
      }
      // The scanner saw another process under this PID: the next scan tells them apart.
      guard handle.identity == entry.identity else { return .gone }
      sampler = Sampler(handle: handle, clock: clock, detailBudget: 0, startMonotonic: 0, tickRead: .statm)
      if descriptorsHeld + 2 <= descriptorLimit {
        entry.sampler = sampler
        descriptorsHeld += 2
      }
    }
    switch sampler.sample() {
    case .sample(let sample): return .read(sample)
    case .missed: return .failed(.other)
    case .exited: return .gone
    }
  }

  /// The command line of `pid` as one line, or `name` when it cannot be read.
  private func readCommand(_ pid: Int32, name: String) -> String {
    let text = Syscalls.readSmallFile("\(scanner.procRoot)/\(pid)/cmdline") ?? ""
    return ProcessCommandLine.display(ProcessCommandLine.arguments(String(text.prefix(4096))), name: name)
  }

  /// Drops `pid`'s row. A process found gone is forgotten by the scanner too, so a new
  /// process under the same pid (a reused pid) is read afresh on the next scan, as a new row
  /// with its own start time.
  private func forget(_ pid: Int32, gone: Bool = false) {
    if let old = tracked.removeValue(forKey: pid), old.sampler != nil {
      descriptorsHeld -= 2
    }
    if gone { scanner.forget(pid) }
  }

  private static func failure(_ error: ProcReadError) -> ReadFailure {
    switch error {
    case .permissionDenied: .permissionDenied
    case .system(.other(let code)) where code == Syscalls.tooManyOpenFiles || code == Syscalls.tooManyOpenFilesInSystem:
      .outOfDescriptors
    default: .other
    }
  }
}

extension ProcessOverview.Tracked {
  /// Adds a reading and drops those older than the window.
  func append(time: Double, value: Double, window: Double) {
    times.append(time)
    values.append(value)
    var drop = 0
    while drop < times.count - 1 && times[drop] < time - window { drop += 1 }
    if drop > 0 {
      times.removeFirst(drop)
      values.removeFirst(drop)
    }
  }
}
