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
  /// Every sample, for analysis after the run (empty unless the recorder kept them).
  public var timeline: Timeline
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
  /// Called with one-time warnings from the sampler.
  public var onWarning: (String) -> Void = { _ in }
  /// Whether to keep every sample in memory for the summary's timeline. A recording streamed
  /// to a file can be read back instead, so its memory stays flat however long it runs
  /// (a kept timeline costs about 110–220 bytes per sample).
  public var keepsTimeline = true

  public init(interval: Double, duration: Double?) {
    self.interval = interval
    self.duration = duration
  }

  /// Records from `sampler` into `writer` (and the returned timeline).
  ///
  /// - Parameter child: the launched command, if memtop started the target; it is reaped when
  ///   it exits so its status can be passed on.
  public func run(
    sampler: Sampler, clock: any SamplerClock, writer: CSVFileWriter?, child: ChildProcess? = nil,
    start: Double
  ) throws(CSVWriteError) -> RecordingSummary {
    var schedule = TickSchedule(start: start, interval: interval)
    var timeline = Timeline()
    var count = 0
    var lastElapsed = 0.0
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
        if keepsTimeline { timeline.append(sample) }
        count += 1
        lastElapsed = sample.elapsed
        writer?.append(sample)
        if let hwm = sample.peakRSS { peak = max(peak ?? 0, hwm) }
        onSample(sample, count)
      case .missed:
        missed += 1
      case .exited(let exit):
        end = .targetExited(exit, child?.waitForExit())
      }
      for warning in sampler.takeWarnings() { onWarning(warning) }
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
    return RecordingSummary(
      end: end ?? .durationReached, samples: count, missed: missed, duration: lastElapsed,
      peakRSS: peak, timeline: timeline)
  }
}
