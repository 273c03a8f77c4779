/// A drift-free tick grid on the monotonic clock: tick k is due at `start + k · interval`.
///
/// Ticks are computed from the start, never by adding the interval to the last wakeup, so
/// lateness does not accumulate. When the sampler falls more than a tick behind, the missed
/// ticks are skipped (they become a gap), rather than sampled in a burst.
public struct TickSchedule: Sendable, Equatable {
  /// Monotonic seconds of tick 0.
  public let start: Double
  /// Seconds between ticks.
  public let interval: Double
  /// Index of the last tick handed out.
  public private(set) var tick: Int = 0
  /// Ticks skipped because the sampler was late.
  public private(set) var skipped: Int = 0

  public init(start: Double, interval: Double) {
    precondition(interval > 0, "interval must be positive")
    self.start = start
    self.interval = interval
  }

  /// Advances to the first tick strictly after `now` and returns its due time.
  public mutating func next(after now: Double) -> Double {
    let due = Int(((now - start) / interval).rounded(.down)) + 1
    let nextTick = max(tick + 1, due)
    skipped += nextTick - tick - 1
    tick = nextTick
    return start + Double(tick) * interval
  }
}
