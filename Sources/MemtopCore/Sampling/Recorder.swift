/// Why a recording ended.
public enum RecordingEnd: Sendable, Equatable {
  /// The requested duration elapsed.
  case durationReached
  /// A stop signal (SIGINT, SIGTERM, SIGHUP) arrived.
  case signal(Int32)
  /// The process ended; for a launched command, with how it ended.
  case targetExited(ProcessExit, ChildTermination?)
}

/// What a finished recording produced.
public struct RecordingSummary: Sendable {
  /// Why it ended.
  public var end: RecordingEnd
  /// Samples taken.
  public var samples: Int
  /// Ticks that produced no sample (late wakeups or transient read errors): gaps.
  public var missed: Int
  /// Seconds from start to the last sample.
  public var duration: Double
  /// The highest peak RSS (`VmHWM`) seen, bytes.
  public var peakRSS: UInt64?
  /// What was kept in memory for the verdict (bounded; every sample is in the file).
  public var digest: RecordingDigest
}

/// Runs the sampling loop: one sample per tick of a drift-free schedule, each row streamed to
/// the sink, flushed at least every `flushInterval` seconds, until the duration elapses, the
/// target exits or a stop signal arrives.
public struct Recorder {
  /// Seconds between samples.
  public var interval: Double
  /// Seconds to record, or `nil` for "until the target exits or a signal arrives".
  public var duration: Double?
  /// Longest time rows may wait in memory before being written, seconds.
  public var flushInterval: Double = 1
  /// Returns the stop signal, if one arrived (polled every tick and after every wakeup).
  public var stopRequested: () -> Int32? = { StopSignals.received }
  /// Called after every sample, e.g. to draw a live status line.
  public var onSample: (MemorySample, Int) -> Void = { _, _ in }
  /// Samples the in-memory digest keeps at full resolution (see ``RecordingDigest``).
  public var fullResolutionCapacity = 1 << 17
  /// Called after every sample with it and the digest that now holds it, e.g. to analyse live.
  public var onDigest: (MemorySample, RecordingDigest) -> Void = { _, _ in }
  /// Called with one-time warnings from the sampler.
  public var onWarning: (String) -> Void = { _ in }
  /// Called with the sampler's other news (e.g. a followed service restarted).
  public var onNotice: (String) -> Void = { _ in }
  /// Whether each member of a process tree also gets its own row after the total's.
  public var perProcess = false

  public init(interval: Double, duration: Double?) {
    self.interval = interval
    self.duration = duration
  }

  /// Records from `sampler` into `writer` (and the returned digest).
  ///
  /// - Parameter child: the launched command, if memtop started the target; it is reaped when
  ///   it exits so its status can be passed on.
  public func run(
    sampler: any MemorySampling, clock: any SamplerClock, writer: CSVFileWriter?, child: ChildProcess? = nil,
    start: Double
  ) throws(CSVWriteError) -> RecordingSummary {
    var schedule = TickSchedule(start: start, interval: interval)
    var digest = RecordingDigest(fullResolutionCapacity: fullResolutionCapacity)
    var lastFlush = start
    var missed = 0
    var peak: UInt64?
    var end: RecordingEnd?

    while end == nil {
      if let signo = stopRequested() {
        end = .signal(signo)
        break
      }
      switch sampler.sample() {
      case .sample(let sample):
        digest.append(sample)
        writer?.append(sample)
        if perProcess {
          for member in sampler.memberSamples { writer?.append(member.sample) }
        }
        if let hwm = sample.peakRSS { peak = max(peak ?? 0, hwm) }
        onSample(sample, digest.totalCount)
        onDigest(sample, digest)
      case .missed:
        missed += 1
      case .exited(let exit):
        end = .targetExited(exit, child?.waitForExit())
      }
      for warning in sampler.takeWarnings() { onWarning(warning) }
      for notice in sampler.takeNotices() { onNotice(notice) }
      if end != nil { break }

      let now = clock.monotonicSeconds()
      if now - lastFlush >= flushInterval {
        try writer?.flush()
        lastFlush = now
      }
      if let duration, now - start >= duration - interval * 1e-3 {
        end = .durationReached
        break
      }
      var due = schedule.next(after: now)
      if let duration { due = min(due, start + duration) }
      // Sleep to the next tick; a signal cuts the sleep short and is handled at the loop top.
      _ = clock.sleep(untilMonotonic: due)
    }
    try writer?.finish()
    missed += schedule.skipped
    let duration = digest.lastElapsed ?? 0
    return RecordingSummary(
      end: end ?? .durationReached, samples: digest.totalCount, missed: missed, duration: duration,
      peakRSS: peak, digest: digest)
  }
}
