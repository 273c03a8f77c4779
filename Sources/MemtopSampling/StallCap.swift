/// Caps how long memtop may stall its target per second.
///
/// `smaps_rollup`, `smaps` and the pagemap scan walk the target's page tables under its memory
/// lock: while they run, the target cannot map or unmap memory. The cap is a token bucket
/// shared by every such read: it fills at `secondsPerSecond` and holds at most one second's
/// worth, and a read may start only while it is not empty. Over any stretch of time the target
/// is stalled at most `secondsPerSecond` per second plus one read; a single read that costs more
/// than the cap is followed by a pause long enough to pay it back.
package struct StallCap: Sendable, Equatable {
  /// Seconds of stall allowed per second of wall time, e.g. 0.005 for 5 ms/s. Zero: no cap.
  package let secondsPerSecond: Double
  private var credit: Double
  private var updated: Double?

  public init(secondsPerSecond: Double) {
    self.secondsPerSecond = max(0, secondsPerSecond)
    credit = self.secondsPerSecond
  }

  /// Whether a stalling read may start at `now`.
  public func allows(at now: Double) -> Bool {
    secondsPerSecond <= 0 || credit(at: now) > 0
  }

  /// Records a stalling read that started at `start` and took `cost` seconds.
  package mutating func spent(_ cost: Double, startedAt start: Double) {
    guard secondsPerSecond > 0 else { return }
    credit = credit(at: start) - max(cost, 0)
    updated = max(start, updated ?? start)
  }

  /// The credit at `now`, seconds of stall: refilled since the last read, never above one
  /// second's worth.
  package func credit(at now: Double) -> Double {
    guard let updated, now > updated else { return credit }
    return min(secondsPerSecond, credit + (now - updated) * secondsPerSecond)
  }
}
