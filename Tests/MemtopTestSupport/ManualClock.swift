import MemtopSampling

/// A clock that moves only when told to, so a sampler or a session runs on time a test sets.
package final class ManualClock: SamplerClock {
  /// The current monotonic reading, seconds.
  package var now: Double
  /// The wall clock at monotonic zero, seconds since the epoch.
  package var wallOrigin: Double
  /// Added to `now` by every monotonic read, to simulate time spent reading.
  package var advancePerRead: Double

  /// A clock reading `now`, whose wall clock is `wallOrigin` at monotonic zero and which moves
  /// on by `advancePerRead` at every monotonic read.
  package init(now: Double = 0, wallOrigin: Double = 1_764_000_000, advancePerRead: Double = 0) {
    self.now = now
    self.wallOrigin = wallOrigin
    self.advancePerRead = advancePerRead
  }

  /// The current reading; moves the clock on by `advancePerRead` afterwards.
  package func monotonicSeconds() -> Double {
    defer { now += advancePerRead }
    return now
  }

  /// The wall clock: `wallOrigin` plus the monotonic reading.
  package func wallSeconds() -> Double { wallOrigin + now }

  /// Moves the clock to `deadline` at once (never back); never interrupted.
  package func sleep(untilMonotonic deadline: Double) -> Bool {
    if deadline > now { now = deadline }
    return true
  }

  /// The time that passed, read without moving the clock on.
  package func threadCPUSeconds() -> Double { now }
}
