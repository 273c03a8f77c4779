import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTrend

extension VerdictPolicy {
  /// The policy's live mode: when a watch judges, and the leak alerts it keeps between
  /// judgments (``LeakAlert``: raised after two consecutive `leak` judgments that each saw new
  /// data and once the growth has lasted ``LeakAlert/liveConfirmSeconds``, cleared with
  /// hysteresis), for each judged metric of the main series and for each member of a tree.
  ///
  /// Judgments fall every ``youngEvaluateEvery`` samples while the series is young (so a clear
  /// leak shows within a few dozen samples), then every ``evaluateEvery`` samples and at most
  /// once per ``minimumSeconds``. Pure: the caller passes the time.
  public struct Live: Sendable {
    /// Samples between judgments while the series is young.
    public static let youngEvaluateEvery = 2
    /// Samples between judgments once the series is no longer young.
    public var evaluateEvery: Int
    /// Seconds between judgments at least, once the series is no longer young (judging reads
    /// every sample kept, so a fast interval does not judge many times a second).
    public var minimumSeconds: Double

    private let youngSamples = TrendConfiguration().youngSampleCount
    private var samplesSinceJudgment = 0
    private var lastJudgment = -Double.infinity
    private var lifetime: Int32?
    private var alerts: [Metric: LeakAlert] = [:]
    private var memberAlerts: [MemberIdentity: LeakAlert] = [:]

    /// Seconds a steady growth must have lasted before its alert is raised (LEAK, in red).
    public static let confirmSeconds = LeakAlert.liveConfirmSeconds

    /// A fresh alert with the live wait.
    static func alert() -> LeakAlert { LeakAlert(minimumGrowthSeconds: LeakAlert.liveConfirmSeconds) }

    public init(evaluateEvery: Int = 5, minimumSeconds: Double = 1) {
      self.evaluateEvery = max(evaluateEvery, 1)
      self.minimumSeconds = max(minimumSeconds, 0)
    }

    /// Counts one sample of a series now `count` samples long, taken at monotonic `now`
    /// (seconds); returns whether a judgment is due.
    public mutating func sampleTaken(count: Int, now: Double) -> Bool {
      samplesSinceJudgment += 1
      if count < youngSamples { return samplesSinceJudgment >= Self.youngEvaluateEvery }
      return samplesSinceJudgment >= evaluateEvery && now - lastJudgment >= minimumSeconds
    }

    /// Judges a watch's stores with the one policy and updates the alerts; returns the verdict
    /// with the alerts raised.
    public mutating func judge(
      _ store: RecordingDigest, members: [MemberTrack], limit: MemoryLimit?, regions: RecordingDigest? = nil,
      detail: RegionDetail? = nil, now: Double
    ) -> SessionVerdict {
      samplesSinceJudgment = 0
      lastJudgment = now
      var verdict = VerdictPolicy.judge(store, members: members, limit: limit, regions: regions, detail: detail)
      // A new process lifetime (a followed service restarted) starts its alerts afresh.
      if lifetime != verdict.analysis.pid {
        lifetime = verdict.analysis.pid
        alerts = [:]
      }
      var raised: Set<Metric> = []
      for (metric, result) in verdict.analysis.results {
        if alerts[metric, default: Self.alert()].update(with: result) { raised.insert(metric) }
      }
      verdict.raised = raised
      for i in verdict.members.indices {
        guard let result = verdict.members[i].result else { continue }
        let key = MemberIdentity(pid: verdict.members[i].pid, startTicks: verdict.members[i].startTicks)
        verdict.members[i].alertRaised = memberAlerts[key, default: Self.alert()].update(with: result)
      }
      return verdict
    }
  }

  /// A member's identity for its alert.
  struct MemberIdentity: Hashable, Sendable {
    var pid: Int32
    var startTicks: UInt64?
  }
}
