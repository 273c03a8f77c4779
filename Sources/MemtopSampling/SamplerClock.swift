import MemtopSystem

/// The clocks the sampler reads, injectable so tests run on manual time.
public protocol SamplerClock: AnyObject {
  /// Monotonic seconds (arbitrary origin).
  func monotonicSeconds() -> Double
  /// Seconds since the Unix epoch.
  func wallSeconds() -> Double
  /// Sleeps until the monotonic clock reads `deadline`; returns false when interrupted by a signal.
  func sleep(untilMonotonic deadline: Double) -> Bool
  /// CPU seconds the calling thread has used (arbitrary origin): what the detailed reads are
  /// charged to their CPU budget by, so a busy machine that preempts them does not make them
  /// look dearer than they are.
  func threadCPUSeconds() -> Double
}

extension SamplerClock {
  /// Clocks of manual time charge CPU as the time that passed.
  public func threadCPUSeconds() -> Double { monotonicSeconds() }
}

/// The real clocks: `CLOCK_MONOTONIC`, `CLOCK_REALTIME` and `clock_nanosleep`.
public final class SystemClock: SamplerClock {
  public init() {}
  public func monotonicSeconds() -> Double { Syscalls.monotonicSeconds() }
  public func wallSeconds() -> Double { Syscalls.wallSeconds() }
  public func sleep(untilMonotonic deadline: Double) -> Bool { Syscalls.sleep(untilMonotonic: deadline) }
  public func threadCPUSeconds() -> Double { Syscalls.threadCPUSeconds() }
}

/// A clock that moves only when told to: for tests.
public final class ManualClock: SamplerClock {
  /// The current monotonic reading, seconds.
  public var now: Double
  /// The wall clock at monotonic zero, seconds since the epoch.
  package var wallOrigin: Double
  /// Added to `now` by every monotonic read, to simulate time spent reading.
  package var advancePerRead: Double

  public init(now: Double = 0, wallOrigin: Double = 1_764_000_000, advancePerRead: Double = 0) {
    self.now = now
    self.wallOrigin = wallOrigin
    self.advancePerRead = advancePerRead
  }

  public func monotonicSeconds() -> Double {
    defer { now += advancePerRead }
    return now
  }

  public func wallSeconds() -> Double { wallOrigin + now }

  public func sleep(untilMonotonic deadline: Double) -> Bool {
    if deadline > now { now = deadline }
    return true
  }

  /// The time that passed, read without moving the clock on.
  public func threadCPUSeconds() -> Double { now }
}
