import MemtopFormat
import MemtopSystem

/// How the sampler's target ended.
public struct ProcessExit: Sendable, Equatable {
  /// Why the sampler stopped seeing the process.
  public enum Reason: String, Sendable {
    /// The process is gone (reaped, or its `/proc` entry vanished).
    case exited
    /// The process has exited and waits for its parent to reap it.
    case zombie
    /// The PID now names another process (its start time changed): the old one is gone.
    case pidReused
  }

  /// Which process ended.
  public var identity: ProcessIdentity
  /// Its command name. Untrusted text.
  public var name: String
  /// Why it ended.
  public var reason: Reason
  /// How a zombie ended (its exit status or signal, from `stat`), when known.
  public var termination: ChildTermination? = nil

  /// How it ended, in words: `exited`, `was killed by SIGKILL (a zombie its parent has not
  /// reaped)`, `exited; PID 12 now belongs to another process, not recorded`.
  public var summary: String {
    switch reason {
    case .exited: "exited"
    case .zombie: "\(termination.map { "\($0)" } ?? "exited") (a zombie its parent has not reaped)"
    case .pidReused: "exited; PID \(identity.pid) now belongs to another process, not recorded"
    }
  }
}

/// What one tick produced.
public enum SampleOutcome: Sendable, Equatable {
  /// A reading (some fields may be absent).
  case sample(MemorySample)
  /// The tick found nothing to read this time (a transient read error): a gap, not a zero.
  case missed(String)
  /// The process is gone; the recording should end.
  case exited(ProcessExit)
}

/// Where one detailed figure comes from and how often it is read: for headers and manuals.
public struct DetailCadence: Sendable, Equatable {
  /// The source, e.g. `smaps_rollup` or `PROCMAP_QUERY+PAGEMAP_SCAN`.
  public var source: String
  /// Smoothed seconds between reads, nil before the second read.
  public var interval: Double?
  /// Smoothed cost of one read, seconds, nil before the first.
  public var cost: Double?
  /// Reads done so far.
  public var reads: Int
  /// Samples that carried the latest reading instead of a read the budget allowed: the
  /// target's sizes had not moved.
  public var carried: Int

  public init(source: String, interval: Double?, cost: Double?, reads: Int = 0, carried: Int = 0) {
    self.source = source
    self.interval = interval
    self.cost = cost
    self.reads = reads
    self.carried = carried
  }
}

/// What the sampler reads every tick.
public enum TickRead: Sendable, Equatable {
  /// `status`: RSS and its parts, swap, peak, threads, the name (what a watch reads).
  case status
  /// `statm` alone: RSS and anonymous memory, at about a fifth of the cost (what the process
  /// table reads for every process on the machine).
  case statm
}

/// Reads one process's memory each tick, in two tiers.
///
/// Tier 1, every tick: `status` from a descriptor kept open. Tier 2, on an adaptive cadence:
/// heap and memory by kind (one walk of the mappings, by the cheapest exact method the kernel
/// offers, ``HeapSource``) with the open descriptors, and `smaps_rollup` (PSS, USS, SwapPss). Each detailed read is timed; a ``DetailBudget`` spaces the next one so
/// they use at most their share of a core, and a ``StallCap`` bounds how long they may stall
/// the target per second.
public final class Sampler {
  /// The process being sampled.
  public let handle: ProcessHandle
  /// What every tick reads.
  package let tickRead: TickRead
  private let clock: any SamplerClock
  private let startMonotonic: Double
  private var schedule: DetailSchedule
  /// Where heap figures come from: the ioctls when the kernel has them (and `smaps_rollup`
  /// serves PSS), else `smaps`.
  public let heapSource: HeapSource
  /// Why the detailed figures are unavailable, once known (e.g. permission denied).
  public private(set) var detailUnavailable: ProcReadError?
  /// Detailed reads in a row that found the address space gone while the process lived.
  private var lostMaps = 0
  /// One-time warnings for the user, drained by ``takeWarnings()``.
  private var warnings: [String] = []
  /// Every warning given so far: each is given once.
  private var warned: Set<String> = []
  /// The command name from the latest `status` (it changes when the process calls `exec`).
  /// Readings in a row whose status showed no memory at all.
  private var readingsWithoutMemory = 0
  /// How many such readings in a row make the "no memory" warning (an exec passes in one).
  static let readingsBeforeNoMemoryWarning = 3
  package private(set) var currentName: String
  /// Number of detailed reads done so far.
  package private(set) var detailReads = 0
  /// What the latest walk of the mappings found besides the bytes by kind the sample carries:
  /// arenas and thread stacks counted, the largest files and named anonymous mappings. Nil
  /// before the first walk.
  package private(set) var latestRegions: RegionReading?
  /// Why open descriptors are not counted, once known (e.g. permission denied).
  package private(set) var fdsUnavailable: ProcReadError?
  /// Whether the heap walk is worth repeating: the cheap tier moved since, or it grew old.
  private var heapTrigger: DetailTrigger
  /// The same for `smaps_rollup`.
  private var rollupTrigger: DetailTrigger
  /// Detailed reads the budget allowed but the trigger skipped, the target's memory unchanged.
  package private(set) var skippedDetailReads = 0

  /// Creates a sampler.
  ///
  /// - Parameters:
  ///   - detailBudget: share of one core the detailed reads may use (0.01 = 1 %); 0 disables them.
  ///   - maxStall: seconds per second the detailed reads may stall the target (0.005 = 5 ms/s);
  ///     0 leaves only the CPU budget.
  ///   - startMonotonic: the monotonic time that `elapsed` counts from.
  ///   - tickRead: what every tick reads (`status` unless told).
  ///   - detailMaxAge: seconds after which a detailed reading is repeated though the target's
  ///     resident, anonymous and file sizes did not move (before that, only a move brings one);
  ///     0: as often as the budget allows.
  ///   - readsRollup: whether `smaps_rollup` (PSS, USS, SwapPss) is read; without it the walk
  ///     of the mappings (heap and memory by kind) has the whole budget.
  public init(
    handle: ProcessHandle, clock: any SamplerClock, detailBudget: Double, maxStall: Double = 0, startMonotonic: Double,
    tickRead: TickRead = .status, detailMaxAge: Double = DetailTrigger.defaultMaxAge, readsRollup: Bool = true
  ) {
    heapTrigger = DetailTrigger(maxAge: detailMaxAge)
    rollupTrigger = DetailTrigger(maxAge: detailMaxAge)
    self.handle = handle
    self.tickRead = tickRead
    self.clock = clock
    self.startMonotonic = startMonotonic
    currentName = handle.name
    heapSource = handle.hasRollup ? handle.heapSource : .smaps
    // Without smaps_rollup, the smaps walk serves PSS too and gets the whole budget.
    schedule = DetailSchedule(
      fraction: detailBudget, maxStall: maxStall, hasRollup: handle.hasRollup, readsRollup: readsRollup)
    if !handle.hasRollup && detailBudget > 0 {
      warn("this kernel has no /proc/PID/smaps_rollup (Linux < 4.14): PSS comes from summing smaps, which costs more")
    }
  }

  /// Source and cadence of the heap figures.
  public var heapCadence: DetailCadence { schedule.heapCadence(source: heapSource) }

  /// Source and cadence of PSS, USS and SwapPss.
  public var rollupCadence: DetailCadence { schedule.rollupCadence(heapSource: heapSource) }

  /// Both cadences, once a detailed read has been done.
  public var detailCadences: DetailCadences? {
    detailReads > 0 ? DetailCadences(heap: heapCadence, pss: rollupCadence) : nil
  }

  /// Returns and clears the warnings gathered so far.
  package func takeWarnings() -> [String] {
    defer { warnings.removeAll() }
    return warnings
  }

  private func warn(_ message: String) {
    if warned.insert(message).inserted { warnings.append(message) }
  }

  /// Takes one sample now, with the detailed reads its own budget allows.
  public func sample() -> SampleOutcome {
    let now = clock.monotonicSeconds()
    let tier = schedule.tier(at: now)
    let outcome = sample(tier: tier, now: now, gated: true)
    if case .sample = outcome {
      if let costs = lastDetailCosts { schedule.spent(lastDetailTier, costs: costs, startedAt: lastDetailStart) }
      schedule.skipped(lastCarriedTier, at: now)
    }
    return outcome
  }

  /// The part of `tier` worth reading at `now`, by what the latest tick showed: a read whose
  /// sizes have not moved since it, and that is younger than the maximum age, is not repeated.
  package func due(_ tier: DetailTier, at now: Double) -> DetailTier {
    var due = tier
    if tier.contains(.heap) && !heapTrigger.isDue(at: now) { due.remove(.heap) }
    if tier.contains(.rollup) && !rollupTrigger.isDue(at: now) { due.remove(.rollup) }
    return due
  }

  /// Drops the latest `smaps_rollup` figures: they are not carried, and the next read the
  /// budget allows is done (a tree's sweep that the tree changed under).
  package func forgetRollup() {
    rollupReading = nil
    rollupTrigger.reset()
    if heapSource == .smaps {
      // The walk of smaps gave PSS: it is the read to repeat.
      heapReading = nil
      heapTrigger.reset()
    }
  }

  /// The detailed reads the latest sample did.
  private var lastDetailTier: DetailTier = []
  /// The detailed reads the latest sample carried instead of doing.
  private var lastCarriedTier: DetailTier = []

  /// What the latest sample's detailed reads cost, or `nil` when it did none.
  package private(set) var lastDetailCosts: DetailCosts?
  /// Monotonic time the latest detailed read started.
  private var lastDetailStart = 0.0

  /// Takes one sample now with the detailed reads `tier` chosen by the caller (who owns the
  /// budget, e.g. for a whole process tree); ``lastDetailCosts`` tells what they cost.
  /// The figures of `carrying` are the latest reading's, carried (the caller found the tree's
  /// sizes had not moved).
  public func sample(tier: DetailTier, carrying: DetailTier = []) -> SampleOutcome {
    sample(tier: tier, now: clock.monotonicSeconds(), gated: false, carrying: carrying)
  }

  /// The latest detailed figures of each tier and when they were read, carried onto the rows
  /// of ticks the budget allowed a read that the trigger found not worth doing.
  private var heapReading: (sample: MemorySample, time: Double)?
  private var rollupReading: (sample: MemorySample, time: Double)?

  /// What a heap walk gives: by ``heapSource``, PSS, USS and SwapPss too when it walks `smaps`.
  private var heapMetrics: [Metric] {
    [.heap, .brkHeap, .arenas] + Metric.regions + (heapSource == .smaps ? Self.rollupMetrics : [])
  }
  private static let rollupMetrics: [Metric] = [.pss, .uss, .swapPss]

  /// - Parameters:
  ///   - gated: drop the detailed reads this tick's `status` shows are not worth doing, and
  ///     carry their latest figures instead (the caller that owns a tree's budget decides for
  ///     all its members).
  ///   - carrying: detailed figures to carry from the latest reading without reading them.
  private func sample(tier: DetailTier, now: Double, gated: Bool, carrying: DetailTier = []) -> SampleOutcome {
    lastDetailCosts = nil
    lastDetailTier = []
    lastCarriedTier = []
    if tickRead == .statm { return sampleStatm(now: now) }
    let status: ProcStatus
    switch readFile("status", handle.readStatus) {
    case .value(let read): status = read
    case .end(let outcome): return outcome
    }
    // The start time guards against splicing a new process into this series: the kernel's
    // kept-open files already fail once the PID is reaped, a copied /proc root does not, so
    // `stat` is read each tick only there (it costs about a quarter of a sample), and for a
    // zombie's exit code.
    if status.isZombie || !handle.hasKernelProc {
      if let ended = checkStat(zombie: status.isZombie) { return ended }
    }
    if !status.name.isEmpty { currentName = status.name }
    var sample = MemorySample(timeUnix: clock.wallSeconds(), elapsed: now - startMonotonic, pid: handle.identity.pid)
    sample.startTicks = handle.identity.startTimeTicks
    sample.rss = status.vmRSS
    sample.anon = status.rssAnon
    sample.file = status.rssFile
    sample.shmem = status.rssShmem
    sample.swap = status.vmSwap
    sample.peakRSS = status.vmHWM
    sample.threads = status.threads.flatMap { UInt64(exactly: $0) }
    if let rss = status.vmRSS {
      let level = DetailTrigger.Level(rss: rss, anon: status.rssAnon, file: status.rssFile, time: now)
      heapTrigger.observe(level)
      rollupTrigger.observe(level)
    }
    let allowed = tier
    let tier = gated ? due(tier, at: now) : tier
    if tier != allowed { skippedDetailReads += 1 }
    let carried = gated ? allowed.subtracting(tier) : carrying
    lastCarriedTier = carried
    // A process in the middle of an exec shows no memory for an instant; a kernel thread
    // never has any. Only a few readings in a row without any are worth a warning.
    readingsWithoutMemory = status.hasMemory ? 0 : readingsWithoutMemory + 1
    if readingsWithoutMemory >= Self.readingsBeforeNoMemoryWarning {
      warn(
        "process \(handle.identity.pid) (\(Sanitizer.terminalSafe(currentName))) reports no memory in status (a kernel thread?): its sizes stay empty"
      )
    }
    if status.hasMemory && detailUnavailable == nil && !tier.isEmpty {
      lastDetailStart = clock.monotonicSeconds()
      lastDetailCosts = readDetails(tier, into: &sample)
      lastDetailTier = tier
      if sample.heap != nil && tier.contains(.heap) { heapReading = (sample, now) }
      if sample.pss != nil { rollupReading = (sample, now) }
    }
    if status.hasMemory && detailUnavailable == nil && !carried.isEmpty { carry(carried, into: &sample, now: now) }
    return .sample(sample)
  }

  /// Puts the latest reading of each tier in `carried` on `sample`, with its age; counts the
  /// open descriptors afresh (a few microseconds: a descriptor leak moves no memory).
  private func carry(_ carried: DetailTier, into sample: inout MemorySample, now: Double) {
    var oldest = sample.heap != nil || sample.pss != nil ? now : Double.infinity
    if carried.contains(.heap), let reading = heapReading {
      for metric in heapMetrics { sample[metric] = reading.sample[metric] }
      readFileDescriptors(into: &sample)
      oldest = min(oldest, reading.time)
    }
    if carried.contains(.rollup), let reading = rollupReading {
      for metric in Self.rollupMetrics { sample[metric] = reading.sample[metric] }
      oldest = min(oldest, reading.time)
    }
    if oldest.isFinite { sample.detailAge = UInt64(clamping: Int(((now - oldest) * 1000).rounded())) }
  }

  /// A mark of the process's life from its `stat`: the page faults of the children it has
  /// reaped, which change whenever it waits for one. Nil when it is gone, a zombie, or its PID
  /// now belongs to another process.
  package func lifeMark() -> UInt64? {
    guard let stat = try? handle.readStat(), stat.startTimeTicks == handle.identity.startTimeTicks, stat.state != "Z"
    else { return nil }
    return stat.reapedChildFaults
  }

  /// A file read for a tick: its contents, or how the tick ends without them.
  private enum FileRead<Value> {
    case value(Value)
    /// The process is gone (`.exited`), or the file could not be read this time (`.missed`).
    case end(SampleOutcome)
  }

  private func readFile<Value>(_ file: String, _ read: () throws(ProcReadError) -> Value) -> FileRead<Value> {
    do {
      return .value(try read())
    } catch .processGone {
      return .end(.exited(ProcessExit(identity: handle.identity, name: currentName, reason: .exited)))
    } catch {
      return .end(.missed("cannot read \(handle.procRoot)/\(handle.identity.pid)/\(file): \(error)"))
    }
  }

  /// Reads `stat`: the end of the process when it is gone, a zombie, or its PID reused;
  /// nil when it still lives (a `.missed` outcome when `stat` cannot be read).
  private func checkStat(zombie: Bool) -> SampleOutcome? {
    let stat: ProcStat
    switch readFile("stat", handle.readStat) {
    case .value(let read): stat = read
    case .end(let outcome): return outcome
    }
    if stat.startTimeTicks != handle.identity.startTimeTicks {
      return .exited(ProcessExit(identity: handle.identity, name: currentName, reason: .pidReused))
    }
    if zombie || stat.state == "Z" {
      // The kernel shows the exit code only to those who may trace the process (it prints 0
      // to others): without that access, say nothing rather than "exited with status 0".
      let termination =
        detailUnavailable == .permissionDenied ? nil : stat.exitCode.map(ChildTermination.init(waitStatus:))
      return .exited(
        ProcessExit(identity: handle.identity, name: currentName, reason: .zombie, termination: termination))
    }
    return nil
  }

  /// A tick of `statm` alone: RSS and anonymous memory. A zombie's `statm` is all zeros (as
  /// is a kernel thread's), so `stat` tells them apart; on a copied `/proc` root `stat` is
  /// read each tick for the start time, as for `status`.
  private func sampleStatm(now: Double) -> SampleOutcome {
    let statm: ProcStatm
    switch readFile("statm", handle.readStatm) {
    case .value(let read): statm = read
    case .end(let outcome): return outcome
    }
    if statm.size == 0 || !handle.hasKernelProc {
      if let ended = checkStat(zombie: false) { return ended }
    }
    var sample = MemorySample(timeUnix: clock.wallSeconds(), elapsed: now - startMonotonic, pid: handle.identity.pid)
    sample.startTicks = handle.identity.startTimeTicks
    if statm.size > 0 {
      sample.rss = statm.resident
      sample.anon = statm.anon
    }
    return .sample(sample)
  }

  // MARK: - Detailed tier

  /// Does the reads of `tier` (heap first) and returns what each cost.
  private func readDetails(_ tier: DetailTier, into sample: inout MemorySample) -> DetailCosts {
    var costs = DetailCosts()
    var started = clock.monotonicSeconds()
    var startedCPU = clock.threadCPUSeconds()
    if tier.contains(.heap) {
      switch heapSource {
      case .ioctl: readHeapByIoctl(into: &sample)
      case .smaps: readSmaps(into: &sample)
      }
      // Open descriptors ride on the heap read's budget: a few microseconds for most processes.
      readFileDescriptors(into: &sample)
      let ended = clock.monotonicSeconds()
      let endedCPU = clock.threadCPUSeconds()
      costs.heap = ended - started
      costs.heapCPU = endedCPU - startedCPU
      started = ended
      startedCPU = endedCPU
    }
    defer { if sample.heap != nil || sample.pss != nil { sample.detailAge = 0 } }
    // A walk of smaps gave PSS already.
    if tier.contains(.rollup) && sample.pss == nil && detailUnavailable == nil {
      do {
        let rollup = try handle.readRollup()
        sample.pss = rollup.pss
        sample.uss = rollup.uss
        sample.swapPss = rollup.swapPss
        detailReads += 1
        rollupTrigger.detailRead(found: [rollup.pss, rollup.uss, rollup.swapPss])
      } catch {
        detailFailed(error, file: "smaps_rollup")
      }
      costs.rollup = clock.monotonicSeconds() - started
      costs.rollupCPU = clock.threadCPUSeconds() - startedCPU
    }
    return costs
  }

  private func readHeapByIoctl(into sample: inout MemorySample) {
    do throws(ProcReadError) {
      let reading = try handle.readRegions()
      try applyWalk(
        file: "maps", mappings: reading.mappings, heap: reading.heap, brkHeap: reading.brkHeap,
        regions: reading.regions, into: &sample)
    } catch {
      detailFailed(error, file: "maps")
    }
  }

  private func readSmaps(into sample: inout MemorySample) {
    do throws(ProcReadError) {
      let smaps = try handle.readSmaps()
      try applyWalk(
        file: "smaps", mappings: smaps.mappings, heap: smaps.heap, brkHeap: smaps.brkHeap, regions: smaps.regions,
        into: &sample)
      sample.pss = smaps.totals.pss
      sample.uss = smaps.totals.uss
      sample.swapPss = smaps.totals.swapPss
      // The walk of smaps gave PSS: a read of smaps_rollup now would learn nothing more.
      rollupTrigger.detailRead(found: [smaps.totals.pss, smaps.totals.uss, smaps.totals.swapPss])
    } catch {
      detailFailed(error, file: "smaps")
    }
  }

  /// Files one walk of the mappings (by either reader) into the sample.
  ///
  /// - Throws: when the walk saw no mappings: for a process that has memory, the map was not
  ///   readable this time (it is mid-exec), so the figures stay absent rather than zeros.
  private func applyWalk(
    file: String, mappings: Int, heap: UInt64, brkHeap: UInt64, regions: RegionReading,
    into sample: inout MemorySample
  ) throws(ProcReadError) {
    guard mappings > 0 else { throw ProcReadError.malformed(ProcParseError(file: file, reason: "no mappings")) }
    sample.heap = heap
    sample.brkHeap = brkHeap
    for kind in RegionKind.allCases { sample[Metric(region: kind)] = regions.bytes[kind] }
    sample.arenas = UInt64(exactly: regions.arenas)
    latestRegions = regions
    detailReads += 1
    heapTrigger.detailRead(
      found: [heap, brkHeap, UInt64(exactly: regions.arenas)] + RegionKind.allCases.map { regions.bytes[$0] })
    lostMaps = 0
  }

  private func readFileDescriptors(into sample: inout MemorySample) {
    guard fdsUnavailable == nil else { return }
    do throws(ProcReadError) {
      sample.fds = UInt64(try handle.countFileDescriptors())
    } catch {
      switch error {
      // Another user's process: its descriptors stay unknown (never a fake zero), silently, as
      // heap and PSS say why they are missing.
      case .permissionDenied, .unsupported: fdsUnavailable = error
      default: break
      }
    }
  }

  private func detailFailed(_ error: ProcReadError, file: String) {
    let path = "\(handle.procRoot)/\(handle.identity.pid)/\(file)"
    // A process in the middle of exiting loses its memory map before /proc shows it gone:
    // say nothing, the next tick reports the exit.
    guard let status = try? handle.readStatus(), status.hasMemory, !status.isZombie else { return }
    switch error {
    case .permissionDenied:
      detailUnavailable = error
      warn(
        "cannot read \(path) (permission denied): heap, memory by kind, descriptors, PSS, USS and SwapPss stay empty; \(ProcReadError.detailPermissionFix)"
      )
    case .processGone where lostMaps < 3:
      // The address space went away under the read (an exec): the next tick reads the new one.
      lostMaps += 1
    case .processGone, .unsupported:
      // status still reads and shows memory, so the process lives, yet has no map to walk.
      detailUnavailable = error
      warn(
        "\(path) has no memory map to read (a kernel thread?): heap, memory by kind, descriptors, PSS, USS and SwapPss stay empty"
      )
    case .malformed, .system:
      warn("skipped an unreadable \(path) (reported once): \(error)")
    }
  }
}
