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
  /// Smoothed time between the starts of two reads, seconds: the cadence the budget settled on.
  public private(set) var averageInterval: Double?
  /// Start of the latest read (monotonic seconds).
  public private(set) var lastStart: Double?

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
    if let lastStart, start > lastStart {
      let interval = start - lastStart
      averageInterval = averageInterval.map { 0.7 * $0 + 0.3 * interval } ?? interval
    }
    lastStart = start
    guard fraction > 0 else { return }
    nextAllowed = start + cost / fraction
  }
}
