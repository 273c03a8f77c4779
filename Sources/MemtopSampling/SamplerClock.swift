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
