import MemtopSystem

/// Samples a process and all its descendants each tick and sums them into one reading.
///
/// Descendants are found by a ``ProcessScanner`` every tick, so processes that start and
/// exit during the recording are followed; each member is identified by (pid, start time) and
/// read by its own ``Sampler``. The detailed reads share one ``DetailSchedule`` for the whole
/// tree: when it allows a tier, every member is read at that tier in the same tick, so the
/// total PSS is the sum of one sweep, and the sweep's whole cost is charged to the budget.
///
/// The total of a size is given only when every member reported it in that tick (a partial
/// sum would look like a drop). Its RSS is the *summed* RSS, which counts shared pages once per
/// process; PSS divides each shared page among its sharers and so sums correctly — but only
/// over the members sharing them at that moment. A process forked during a sweep shares its
/// parent's pages (halving the parent's PSS) without being read, and one that exits during a
/// sweep hands its share back after it was counted; so PSS, USS and SwapPss are a tree total
/// only when the sweep ends with the members it started with, every one of them still
/// alive, and none has reaped a child in between (a child forked and reaped within the sweep
/// is seen only that way: `stat`'s faults of reaped children change). Otherwise they are left
/// out of that tick (``pssSweepsSpoiled`` counts such sweeps).
package final class TreeSampler: MemorySampling {
  /// A process in the tree and its sampler.
  struct Member {
    var identity: ProcessIdentity
    var sampler: Sampler
  }

  /// The tree's root.
  public let root: ProcessIdentity
  private let clock: any SamplerClock
  private let startMonotonic: Double
  private let scanner: ProcessScanner
  private var schedule: DetailSchedule
  /// Seconds after which a member's detailed reading is repeated though nothing moved.
  private let detailMaxAge: Double
  private let heapSource: HeapSource
  private var members: [Member] = []
  /// Members that ended; a zombie among them is still in /proc until its parent reaps it.
  private var ended: Set<ProcessIdentity> = []
  private var rootExit: ProcessExit?
  private var warnings: [String] = []
  package private(set) var currentName: String
  package private(set) var memberSamples: [MemberSample] = []
  /// Processes that joined the tree after the first sample.
  public private(set) var joined = 0
  /// Processes of the tree that have exited.
  public private(set) var exited = 0
  /// Sweeps that read PSS but whose total was dropped because the tree changed during them.
  package private(set) var pssSweepsSpoiled = 0
  /// The members' life marks before the latest sweep whose PSS total stood: carried PSS
  /// stands only while the tree is as it was then.
  private var pssSweepMarks: [ProcessIdentity: UInt64?] = [:]

  /// Creates a tree sampler rooted at `handle`.
  ///
  /// - Parameter detailBudget: share of one core the detailed reads of all members together may use.
  /// - Parameter detailMaxAge: seconds after which the members' detailed reads are repeated
  ///   though none of their sizes moved (``DetailTrigger``); 0: as often as the budget allows.
  public init(
    root handle: ProcessHandle, clock: any SamplerClock, detailBudget: Double, maxStall: Double = 0,
    startMonotonic: Double, detailMaxAge: Double = DetailTrigger.defaultMaxAge
  ) {
    root = handle.identity
    self.detailMaxAge = detailMaxAge
    self.clock = clock
    self.startMonotonic = startMonotonic
    Syscalls.raiseOpenFileLimit()
    scanner = ProcessScanner(procRoot: handle.procRoot)
    schedule = DetailSchedule(fraction: detailBudget, maxStall: maxStall, hasRollup: handle.hasRollup)
    currentName = handle.name
    let sampler = Sampler(
      handle: handle, clock: clock, detailBudget: 0, startMonotonic: startMonotonic, detailMaxAge: detailMaxAge)
    heapSource = sampler.heapSource
    members = [Member(identity: handle.identity, sampler: sampler)]
    if !handle.hasRollup && detailBudget > 0 {
      warnings.append(
        "this kernel has no /proc/PID/smaps_rollup (Linux < 4.14): PSS comes from summing smaps, which costs more")
    }
    addNewMembers(counting: false)
  }

  public var detailUnavailable: ProcReadError? {
    members.first { $0.identity == root }?.sampler.detailUnavailable
  }

  /// The tree's detailed reads share one schedule; heap is read the root's way.
  public var detailCadences: DetailCadences? {
    guard schedule.heap.lastStart != nil || schedule.rollup.lastStart != nil else { return nil }
    return DetailCadences(
      heap: schedule.heapCadence(source: heapSource), pss: schedule.rollupCadence(heapSource: heapSource))
  }

  /// The members' latest walks combined (bytes, arenas and stacks summed, the largest names
  /// merged); nil until every member has been walked once.
  package var latestRegions: RegionReading? {
    var combined = RegionReading()
    for member in members {
      guard let reading = member.sampler.latestRegions else { return nil }
      combined.add(reading)
    }
    return members.isEmpty ? nil : combined
  }

  package func takeWarnings() -> [String] {
    for member in members { warnings += member.sampler.takeWarnings() }
    defer { warnings.removeAll() }
    return warnings
  }

  public func sample() -> SampleOutcome {
    let now = clock.monotonicSeconds()
    addNewMembers(counting: true)
    // The sweep reads every member at one tier (so PSS totals add up), when any member's
    // sizes moved since its last reading, or it is new, or its reading grew old.
    let allowed = schedule.tier(at: now)
    let tier = members.reduce(into: DetailTier()) { $0.formUnion($1.sampler.due(allowed, at: now)) }
    let carried = allowed.subtracting(tier)
    // Each member's life mark before the detailed reads, to tell whether the tree changed
    // while they ran (carried figures are checked against the marks of the sweep that read
    // them, see below).
    let marks = tier.isEmpty ? [:] : Dictionary(members.map { ($0.identity, $0.sampler.lifeMark()) }) { a, _ in a }
    let sweepStart = clock.monotonicSeconds()
    var costs = DetailCosts()
    var detailRead = false
    var readings: [MemberSample] = []
    var missed: String?
    var kept: [Member] = []
    for member in members {
      let outcome = member.sampler.sample(tier: tier, carrying: carried)
      if let spent = member.sampler.lastDetailCosts {
        costs += spent
        detailRead = true
      }
      switch outcome {
      case .sample(let sample):
        readings.append(MemberSample(sample: sample, name: member.sampler.currentName))
        kept.append(member)
      case .missed(let why):
        missed = missed ?? why
        kept.append(member)
      case .exited(let exit):
        warnings += member.sampler.takeWarnings()
        ended.insert(member.identity)
        if member.identity == root {
          rootExit = exit
          currentName = exit.name
        } else {
          exited += 1
        }
      }
    }
    members = kept
    // Charge only reads that happened (members denied their maps read nothing).
    if detailRead { schedule.spent(tier, costs: costs, startedAt: sweepStart) }
    schedule.skipped(carried, at: now)
    if let rootName = readings.first(where: { $0.sample.pid == root.pid })?.name { currentName = rootName }
    memberSamples = readings
    if members.isEmpty {
      return .exited(rootExit ?? ProcessExit(identity: root, name: currentName, reason: .exited))
    }
    if let missed { return .missed(missed) }
    var sum = total(readings.map(\.sample), now: now)
    // PSS read this sweep must come from a tree that did not change while it ran; PSS carried
    // from an earlier sweep, from a tree that has not changed since that sweep.
    let readsPSS = tier.contains(.rollup) || (heapSource == .smaps && tier.contains(.heap))
    let pssMarks = readsPSS ? marks : pssSweepMarks
    if sum.pss != nil && treeUnchanged(since: pssMarks) {
      if readsPSS { pssSweepMarks = marks }
    } else if sum.pss != nil {
      // Not a tree total: some pages were counted for a process no longer there, or a
      // newcomer's share is missing. The members' own rows keep their readings.
      sum.pss = nil
      sum.uss = nil
      sum.swapPss = nil
      if readsPSS { pssSweepsSpoiled += 1 }
      // Its members' figures are no tree's: the next allowed sweep reads afresh.
      for member in members { member.sampler.forgetRollup() }
    }
    return .sample(sum)
  }

  /// Whether the tree still has exactly the members the sweep read: none has exited, become
  /// a zombie or reaped a child since `marks` were taken, and no process has joined.
  ///
  /// The scan for newcomers comes first, the members' marks after it: a child forked during
  /// the sweep (sharing a member's pages when they were read) is either still there when the
  /// scan passes (a newcomer) or was reaped before the marks are read (its faults added to
  /// its parent's). The other order let a child reaped between the two checks through: a
  /// 200 MiB master's total read 181 MiB on a busy machine.
  private func treeUnchanged(since marks: [ProcessIdentity: UInt64?]) -> Bool {
    let pids = Set(members.map(\.identity.pid))
    if scanner.newDescendants(of: pids).contains(where: { !ended.contains($0) }) { return false }
    for member in members {
      guard let before = marks[member.identity] ?? nil, let now = member.sampler.lifeMark(), now == before else {
        return false
      }
    }
    return true
  }

  /// The sum of the members' readings, marked as a tree total.
  private func total(_ samples: [MemorySample], now: Double) -> MemorySample {
    var sum = MemorySample(timeUnix: clock.wallSeconds(), elapsed: now - startMonotonic, pid: root.pid)
    sum.startTicks = root.startTimeTicks
    sum.processes = samples.count
    // The tree's detailed figures are as old as its oldest member's.
    sum.detailAge = samples.contains { $0.detailAge == nil } ? nil : samples.compactMap(\.detailAge).max()
    for metric in Metric.allCases where metric != .peakRSS && metric != .detailAge {
      var total: UInt64 = 0
      var complete = !samples.isEmpty
      for sample in samples {
        guard let value = sample[metric] else {
          complete = false
          break
        }
        total &+= value
      }
      sum[metric] = complete ? total : nil
    }
    return sum
  }

  private func addNewMembers(counting: Bool) {
    let pids = Set(members.map(\.identity.pid))
    let found = scanner.newDescendants(of: pids)
    // A member that ended as a zombie stays listed until reaped: it is not a new member.
    ended = ended.filter { scanner.entries[$0.pid]?.startTimeTicks == $0.startTimeTicks }
    for identity in found where !ended.contains(identity) {
      guard let handle = try? ProcessHandle(pid: identity.pid, procRoot: scanner.procRoot),
        handle.identity == identity
      else { continue }
      let sampler = Sampler(
        handle: handle, clock: clock, detailBudget: 0, startMonotonic: startMonotonic, detailMaxAge: detailMaxAge)
      members.append(Member(identity: identity, sampler: sampler))
      if counting { joined += 1 }
    }
  }
}
