import MemtopSystem

/// Decides when the expensive reads (`smaps`, `smaps_rollup`) may run.
///
/// Each read walks the target's page tables under its memory lock, so its cost grows with the
/// target's size (≈10 ms for a 1 GiB Python process) and the target stalls while it runs.
/// The budget keeps the time spent in these reads under `fraction` of wall time: after a read
/// that used `c` seconds of CPU, the next is allowed `c / fraction` seconds later.
package struct DetailBudget: Sendable, Equatable {
  /// Share of one core the reads may use, e.g. 0.01 for 1 %. Zero disables them.
  public let fraction: Double
  /// Monotonic seconds before which no read may start.
  package private(set) var nextAllowed: Double = -.infinity
  /// Smoothed cost of one read, seconds.
  package private(set) var averageCost: Double?
  /// Smoothed time between the starts of two reads, seconds: the cadence the budget settled on.
  package private(set) var averageInterval: Double?
  /// Start of the latest read (monotonic seconds).
  package private(set) var lastStart: Double?
  /// Reads done.
  package private(set) var reads = 0
  /// Reads allowed but not done, the target's sizes not having moved (their rows carried the
  /// latest reading).
  package private(set) var skips = 0

  public init(fraction: Double) {
    self.fraction = max(0, fraction)
  }

  /// Whether a read may start at `now`.
  public func allows(at now: Double) -> Bool {
    fraction > 0 && now >= nextAllowed
  }

  /// Records that a read started at `start` and took `cost` seconds.
  package mutating func spent(_ cost: Double, startedAt start: Double) {
    let cost = max(cost, 0)
    reads += 1
    averageCost = averageCost.map { 0.7 * $0 + 0.3 * cost } ?? cost
    if let lastStart, start > lastStart {
      let interval = start - lastStart
      averageInterval = averageInterval.map { 0.7 * $0 + 0.3 * interval } ?? interval
    }
    lastStart = start
    guard fraction > 0 else { return }
    nextAllowed = start + cost / fraction
  }

  /// Records that a read allowed at `now` was not worth doing (the target's sizes had not
  /// moved): the next is allowed when it would have been after a read of the usual cost, so
  /// the rows that carry the latest reading come at the cadence reads would.
  package mutating func skipped(at now: Double) {
    skips += 1
    guard fraction > 0, let averageCost else { return }
    nextAllowed = now + averageCost / fraction
  }
}

/// Which detailed reads a tick does: none, heap, `smaps_rollup`, or both.
public struct DetailTier: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// Heap, brk heap and memory by kind, by the process's ``HeapSource``: the address-space
  /// ioctls, or the whole `smaps` walk (which gives PSS, USS and SwapPss too); and the count of
  /// open descriptors, timed and charged with them.
  public static let heap = DetailTier(rawValue: 1)
  /// `smaps_rollup`: PSS, USS, SwapPss.
  package static let rollup = DetailTier(rawValue: 2)
}

/// What the detailed reads of one tick cost, seconds, per kind of read: wall time (what the
/// target was stalled, for the stall cap) and CPU time (for the CPU budget; the wall time when
/// not measured).
package struct DetailCosts: Sendable, Equatable {
  public var heap = 0.0
  package var rollup = 0.0
  package var heapCPU: Double?
  package var rollupCPU: Double?
  public init() {}

  public static func += (lhs: inout DetailCosts, rhs: DetailCosts) {
    lhs.heapCPU = lhs.heapCPU.map { $0 + (rhs.heapCPU ?? rhs.heap) } ?? rhs.heapCPU.map { lhs.heap + $0 }
    lhs.rollupCPU = lhs.rollupCPU.map { $0 + (rhs.rollupCPU ?? rhs.rollup) } ?? rhs.rollupCPU.map { lhs.rollup + $0 }
    lhs.heap += rhs.heap
    lhs.rollup += rhs.rollup
  }
}

/// Two ``DetailBudget``s, one for the heap reads and one for `smaps_rollup` (PSS), sharing one
/// overall fraction: each gets half, or the heap read (then a `smaps` walk) all of it on
/// kernels without `smaps_rollup`; and one ``StallCap`` over both.
///
/// Used for one process and for a whole process tree, where one tier is read for every member
/// in the same tick and the cost of the whole sweep is charged at once.
package struct DetailSchedule: Sendable, Equatable {
  /// Budget of the heap reads.
  public private(set) var heap: DetailBudget
  /// Budget of the `smaps_rollup` reads.
  package private(set) var rollup: DetailBudget
  /// How long the reads may stall the target per second.
  public private(set) var stall: StallCap
  /// Whether the kernel offers `smaps_rollup`.
  package let hasRollup: Bool

  /// - Parameters:
  ///   - fraction: share of one core all detailed reads together may use; 0 disables them.
  ///   - maxStall: seconds per second the reads may stall the target; 0 leaves only the budget.
  ///   - hasRollup: whether the kernel offers `smaps_rollup`.
  ///   - readsRollup: whether `smaps_rollup` is wanted at all (the radar's detailed reads ask
  ///     only which kind of memory grows): when not, the walk has the whole budget.
  public init(fraction: Double, maxStall: Double = 0, hasRollup: Bool, readsRollup: Bool = true) {
    let splits = hasRollup && readsRollup
    heap = DetailBudget(fraction: splits ? fraction / 2 : fraction)
    rollup = DetailBudget(fraction: splits ? fraction / 2 : 0)
    stall = StallCap(secondsPerSecond: maxStall)
    self.hasRollup = hasRollup
  }

  /// The reads allowed at `now`: each whose own budget allows it, while the stall cap does.
  /// When both are due under a stall cap, both start only if the cap's credit covers their
  /// expected cost; otherwise the one that has waited longer goes first.
  public func tier(at now: Double) -> DetailTier {
    guard stall.allows(at: now) else { return [] }
    switch (heap.allows(at: now), rollup.allows(at: now)) {
    case (true, true) where stall.secondsPerSecond > 0:
      let expected = (heap.averageCost ?? 0) + (rollup.averageCost ?? 0)
      if stall.credit(at: now) >= expected { return [.heap, .rollup] }
      return heap.nextAllowed <= rollup.nextAllowed ? .heap : .rollup
    case (true, true): return [.heap, .rollup]
    case (true, false): return .heap
    case (false, true): return .rollup
    case (false, false): return []
    }
  }

  /// Records that the reads of `tier`, allowed at `now`, were not worth doing: the budgets and
  /// the stall cap move on as after reads of the usual cost, so carried rows keep the cadence.
  package mutating func skipped(_ tier: DetailTier, at now: Double) {
    guard !tier.isEmpty else { return }
    if tier.contains(.heap) { heap.skipped(at: now) }
    if tier.contains(.rollup) { rollup.skipped(at: now) }
    stall.spent(averageStall ?? 0, startedAt: now)
  }

  /// Records that the reads of `tier` started at `start` and cost `costs` in all.
  package mutating func spent(_ tier: DetailTier, costs: DetailCosts, startedAt start: Double) {
    if tier.contains(.heap) { heap.spent(costs.heapCPU ?? costs.heap, startedAt: start) }
    if tier.contains(.rollup) { rollup.spent(costs.rollupCPU ?? costs.rollup, startedAt: start) }
    if !tier.isEmpty {
      let stalled = costs.heap + costs.rollup
      stall.spent(stalled, startedAt: start)
      averageStall = averageStall.map { 0.7 * $0 + 0.3 * stalled } ?? stalled
    }
  }

  /// Smoothed wall time of one tick's detailed reads, seconds: what a skipped tick would
  /// have stalled the target.
  private var averageStall: Double?
}

extension DetailSchedule {
  /// Source and cadence of the heap figures, read from `source`.
  public func heapCadence(source: HeapSource) -> DetailCadence {
    DetailCadence(
      source: source.label, interval: heap.averageInterval, cost: heap.averageCost, reads: heap.reads,
      carried: heap.skips)
  }

  /// Source and cadence of PSS, USS and SwapPss: `smaps_rollup`, or the heap's `smaps` walk on
  /// kernels without it.
  public func rollupCadence(heapSource: HeapSource) -> DetailCadence {
    guard hasRollup else { return heapCadence(source: heapSource) }
    return DetailCadence(
      source: "smaps_rollup", interval: rollup.averageInterval, cost: rollup.averageCost, reads: rollup.reads,
      carried: rollup.skips)
  }
}

/// Where heap and PSS come from and how often each is read: for headers and manuals.
public struct DetailCadences: Sendable, Equatable {
  public var heap: DetailCadence
  public var pss: DetailCadence

  public init(heap: DetailCadence, pss: DetailCadence) {
    self.heap = heap
    self.pss = pss
  }
}
