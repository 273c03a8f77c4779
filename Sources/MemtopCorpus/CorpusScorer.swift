import Foundation
import MemtopTrend

/// How one series fared under live evaluation.
public struct SeriesOutcome: Sendable {
  package var id: String
  public var shape: String
  public var scale: TimeScale
  public var expectation: Expectation
  /// The leak deadline, series time.
  public var deadline: Double?
  /// First checkpoint time at which the live alert was raised (series time), if ever.
  public var detectedAt: Double?
  /// Detection time as a multiple of σ_noise / rate (leaks with a known rate).
  package var detectionInNoiseUnits: Double?
  /// Leak: alert raised at or before the deadline.
  public var detectedByDeadline: Bool
  /// Leak: alert raised at the deadline checkpoint itself.
  public var raisedAtDeadline: Bool
  /// Benign: the alert was raised at some checkpoint outside don't-care windows.
  public var everFlagged: Bool
  /// The single analysis at the end said `leak`.
  public var leakAtEnd: Bool
  /// The alert was raised at the final checkpoint.
  package var raisedAtEnd: Bool
  /// Leak with a known rate: relative rate error at the deadline, and whether the 95 % CI
  /// held the true rate.
  package var rateError: Double?
  package var ciCovers: Bool?
  /// Leak with a limit: whether the time-to-limit range held the true crossing at the
  /// deadline, and the relative error of the point estimate.
  package var ttlCovers: Bool?
  package var ttlError: Double?
  /// Verdict of the final evaluation.
  public var finalVerdict: TrendVerdict
}

/// Runs the analyzer over corpus series at regular checkpoints with the live alert rule.
public struct CorpusScorer: Sendable {
  public var analyzer: TrendAnalyzer
  /// Evaluations per series, evenly spaced up to its duration.
  public var checkpoints: Int

  public init(analyzer: TrendAnalyzer = TrendAnalyzer(), checkpoints: Int = 120) {
    self.analyzer = analyzer
    self.checkpoints = checkpoints
  }

  /// Scores one series.
  ///
  /// - Parameter trace: called after every evaluation with (checkpoint time, result, alert).
  public func score(
    _ item: LabelledSeries, trace: ((Double, TrendResult, Bool) -> Void)? = nil
  ) -> SeriesOutcome {
    let full = item.series
    var alert = LeakAlert()
    var detectedAt: Double?
    var everFlagged = false
    var raisedAtDeadline = false
    var rateError: Double?
    var ciCovers: Bool?
    var ttlCovers: Bool?
    var ttlError: Double?
    var last: TrendResult?
    var lifetimeStarted = false
    let step = item.duration / Double(checkpoints)
    var deadlineCheckpoint: Double?
    if let d = item.deadline {
      deadlineCheckpoint = (d / step).rounded(.down) * step
    }
    for k in 1...checkpoints {
      let now = Double(k) * step
      var end = full.firstIndex(atOrAfter: now + 1e-9)
      end = min(end, full.count)
      var view = full.prefix(end)
      if item.lifetimeStart > 0 && now >= item.lifetimeStart {
        if !lifetimeStarted {
          lifetimeStarted = true
          alert = LeakAlert()  // a new PID gets a fresh alert
        }
        view = view.suffix(fromTime: item.lifetimeStart)
      }
      let isDeadline = deadlineCheckpoint.map { abs($0 - now) < step / 2 } ?? false
      let result = analyzer.analyze(
        view, label: "rss", limitBytes: isDeadline ? item.limitBytes : nil)
      last = result
      let raised = alert.update(with: result)
      trace?(now, result, raised)
      if raised && detectedAt == nil { detectedAt = now }
      if raised && item.shape.expectation == .benign
        && !item.dontCare.contains(where: { $0.contains(now) })
      {
        everFlagged = true
      }
      if isDeadline {
        raisedAtDeadline = raised
        if let rate = item.trueRate, result.slopeBytesPerSecond.isFinite {
          rateError = abs(result.slopeBytesPerSecond - rate) / rate
          ciCovers = result.slopeCI.contains(rate)
        }
        if let crossing = item.trueCrossing, let limit = item.limitBytes {
          let truth = crossing - now
          if let ttl = result.timeToLimit, ttl.limitBytes == limit {
            ttlCovers = ttl.earliestSeconds <= truth && truth <= (ttl.latestSeconds ?? .infinity)
            ttlError = abs(ttl.estimateSeconds - truth) / max(truth, step)
          } else {
            ttlCovers = false
          }
        }
      }
    }
    let deadline = item.deadline ?? .infinity
    let noiseUnits: Double? = {
      guard let t = detectedAt, let rate = item.trueRate, rate > 0 else { return nil }
      return t * rate / item.noiseSigma
    }()
    return SeriesOutcome(
      id: item.id, shape: item.shape.name, scale: item.scale,
      expectation: item.shape.expectation, deadline: item.deadline, detectedAt: detectedAt,
      detectionInNoiseUnits: noiseUnits,
      detectedByDeadline: (detectedAt ?? .infinity) <= deadline + 1e-9,
      raisedAtDeadline: raisedAtDeadline, everFlagged: everFlagged,
      leakAtEnd: last?.verdict == .leak, raisedAtEnd: alert.isRaised, rateError: rateError,
      ciCovers: ciCovers, ttlCovers: ttlCovers, ttlError: ttlError,
      finalVerdict: last?.verdict ?? .insufficientData)
  }
}
