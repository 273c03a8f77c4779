/// Decides when the expensive reads (`smaps`, `smaps_rollup`) may run.
///
/// Each read walks the target's page tables under its memory lock, so its cost grows with the
/// target's size (≈10 ms for a 1 GiB Python process) and the target stalls while it runs.
/// The budget keeps the time spent in these reads under `fraction` of wall time: after a read
/// that took `c` seconds, the next is allowed `c / fraction` seconds later.
public struct DetailBudget: Sendable, Equatable {
  /// Share of one core the reads may use, e.g. 0.01 for 1 %. Zero disables them.
  public let fraction: Double
  /// Monotonic seconds before which no read may start.
  public private(set) var nextAllowed: Double = -.infinity
  /// Smoothed cost of one read, seconds.
  public private(set) var averageCost: Double?

  public init(fraction: Double) {
    self.fraction = max(0, fraction)
  }

  /// Whether a read may start at `now`.
  public func allows(at now: Double) -> Bool {
    fraction > 0 && now >= nextAllowed
  }

  /// Records that a read started at `start` and took `cost` seconds.
  public mutating func spent(_ cost: Double, startedAt start: Double) {
    let cost = max(cost, 0)
    averageCost = averageCost.map { 0.7 * $0 + 0.3 * cost } ?? cost
    guard fraction > 0 else { return }
    nextAllowed = start + cost / fraction
  }
}

/// Which detailed read a tick does, if any.
public enum DetailTier: Sendable, Equatable {
  /// Only the cheap `status` read.
  case none
  /// The whole `smaps` walk: heap, brk heap, PSS, USS, SwapPss.
  case smaps
  /// `smaps_rollup`: PSS, USS, SwapPss.
  case rollup
}

/// Two ``DetailBudget``s, one for `smaps` (heap) and one for `smaps_rollup` (PSS), sharing one
/// overall fraction: each gets half, or `smaps` all of it on kernels without `smaps_rollup`.
///
/// Used for one process and for a whole process tree, where one tier is read for every member
/// in the same tick and the cost of the whole sweep is charged at once.
public struct DetailSchedule: Sendable, Equatable {
  /// Budget of the `smaps` reads.
  public private(set) var smaps: DetailBudget
  /// Budget of the `smaps_rollup` reads.
  public private(set) var rollup: DetailBudget

  /// - Parameters:
  ///   - fraction: share of one core all detailed reads together may use; 0 disables them.
  ///   - hasRollup: whether the kernel offers `smaps_rollup`.
  public init(fraction: Double, hasRollup: Bool) {
    smaps = DetailBudget(fraction: hasRollup ? fraction / 2 : fraction)
    rollup = DetailBudget(fraction: hasRollup ? fraction / 2 : 0)
  }

  /// The read allowed at `now`: `smaps` first, then `smaps_rollup`, else none.
  public func tier(at now: Double) -> DetailTier {
    if smaps.allows(at: now) { return .smaps }
    if rollup.allows(at: now) { return .rollup }
    return .none
  }

  /// Records that reads of `tier` started at `start` and took `cost` seconds in all.
  public mutating func spent(_ tier: DetailTier, cost: Double, startedAt start: Double) {
    switch tier {
    case .none: break
    case .smaps: smaps.spent(cost, startedAt: start)
    case .rollup: rollup.spent(cost, startedAt: start)
    }
  }
}
