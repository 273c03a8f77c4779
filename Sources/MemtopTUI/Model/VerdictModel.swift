import MemtopAnalysis
import MemtopCore
import MemtopFormat
import MemtopSystem
import MemtopTrend

/// The verdict banner's content: the live or recorded ``Assessment``, told in two lines.
package struct VerdictModel: Sendable, Equatable {
  /// The headline, e.g. `LEAK  anon +1.20 MiB/min (95 % +0.90 MiB/min to +1.50 MiB/min)`.
  package var headline: String
  /// The leading metric's sentence, or what the analyzer is waiting for.
  package var detail: String
  /// The banner's colour role.
  package var role: ColorRole

  package init(headline: String, detail: String, role: ColorRole) {
    self.headline = headline
    self.detail = detail
    self.role = role
  }

  /// Samples the analyzer needs before it gives any verdict, at most (floor points × the
  /// young bin size); a strong trend needs no more.
  package static var samplesNeeded: Int {
    let config = TrendConfiguration()
    return config.minPoints * config.youngSamplesPerBin
  }

  /// Builds the banner from the live analysis; `summed` labels a tree total's figures as sums.
  /// With `regions` (memory by kind, judged live), a leak's detail line leads with the where
  /// sentence, and growth that is reclaimable page cache alone raises no LEAK.
  package init(analysis: LiveAnalysis, summed: Bool = false, regions: RegionAssessment? = nil) {
    self.init(live: analysis.assessment(summed: summed).withRegions(regions), samples: analysis.samples)
  }

  /// Builds the live banner from the watch session's verdict: the total's assessment with its
  /// alerts, and a member of a tree whose own leak alert is raised, named.
  package init(session verdict: SessionVerdict) {
    self.init(live: verdict.assessment, samples: verdict.analysis.samples)
    if let python = verdict.python, applyPython(python, verdict: verdict, prefix: "") { return }
    let raisedMembers = verdict.members.filter(\.alertRaised)
    let confirming = verdict.leakingMembers
    guard let worst = Self.worst(raisedMembers) ?? Self.worst(confirming) else { return }
    let others = confirming.count > 1 ? " (and \(confirming.count - 1) more)" : ""
    guard role != .verdictLeak else {
      // The total leaks too: its rate leads, the member is named first below it.
      detail = worst.sentence + others + " · " + detail
      return
    }
    detail = "judged on its own series; p shows each process of the tree"
    if raisedMembers.isEmpty {
      headline = "possible leak, confirming: " + worst.sentence + others
      role = .verdictGrowth
    } else {
      headline = "LEAK  " + worst.sentence + others
      role = .verdictLeak
    }
  }

  /// Says what the Python evidence changed: a leak its container accounts for (LEAK, the where
  /// sentence leading), or a bounded cache filling (amber, not LEAK); returns whether it did.
  private mutating func applyPython(_ python: PythonEvidence, verdict: SessionVerdict, prefix: String) -> Bool {
    let rate = verdict.assessment.rateText.map { "  " + $0 } ?? ""
    if python.kind == .leak {
      headline = prefix + "LEAK" + rate
      detail = "where: " + python.sentence + " · " + detail
      role = .verdictLeak
      return true
    }
    guard verdict.cacheFilling else { return false }
    headline = prefix + "cache filling, not a leak" + rate
    detail = python.sentence + " · " + detail
    role = .verdictGrowth
    return true
  }

  /// The amber headline's start while a leak is being confirmed: before the growth has lasted
  /// ``LeakAlert/liveConfirmSeconds`` it may still be a bounded cache filling, and it says so
  /// with the time left ("growing for 45 s: a leak, or a cache still filling —
  /// confirm in ~1 min: ").
  static func confirming(_ result: TrendResult) -> String {
    let lasted = result.window.duration
    let left = LeakAlert.liveConfirmSeconds - lasted
    guard lasted.isFinite, left > 0 else { return "possible leak, confirming: " }
    let wait =
      left >= 90 ? "~\(Int((left / 60).rounded())) min" : left >= 45 ? "~1 min" : "~\(Int(left.rounded(.up))) s"
    let span = lasted < 60 ? "\(Int(lasted.rounded())) s" : ByteFormat.duration(lasted)
    return "growing for \(span): a leak, or a cache still filling — confirm in \(wait): "
  }

  /// The leaking member with the steepest growth.
  private static func worst(_ members: [MemberVerdict]) -> MemberVerdict? {
    members.max { $0.slopeBytesPerSecond.isNaN || $0.slopeBytesPerSecond < $1.slopeBytesPerSecond }
  }

  /// The live banner from an assessment (alerts in ``Assessment/raised``) of `samples` samples.
  init(live assessment: Assessment, samples: Int) {
    guard assessment.verdict != .insufficientData || !assessment.raised.isEmpty, let lead = assessment.leading else {
      // Past the usual count the wait is for points after a step (or through gaps): say so
      // rather than count samples that are already more than "needed".
      headline =
        samples < Self.samplesNeeded
        ? "gathering evidence: \(samples) of ~\(Self.samplesNeeded) samples before a verdict"
        : "gathering evidence: too few points since the last change to judge yet (\(samples) samples in all)"
      detail = assessment.leading?.result.explanation ?? "no verdict yet: too few samples to tell growth from noise"
      role = .verdictPending
      return
    }
    guard lead.result.slopeBytesPerSecond.isFinite else {
      // An alert stays raised while its metric has too few points since a change to fit a
      // rate again: say what is known, never `-n/a`.
      let known = assessment.raised.isEmpty ? "" : "LEAK (alert raised)  "
      headline = known + "gathering: the rate is not known yet (\(samples) samples)"
      detail = lead.result.explanation
      role = assessment.raised.isEmpty ? .verdictPending : .verdictLeak
      return
    }
    let rate = Self.rate(lead)
    detail = Self.detail(assessment, lead)
    if !assessment.raised.isEmpty {
      headline = "LEAK  \(rate)" + Self.limit(lead.result)
      role = .verdictLeak
      return
    }
    switch assessment.verdict {
    case .leak:
      headline = Self.confirming(lead.result) + rate + Self.limit(lead.result)
      role = .verdictGrowth
    case .plateau:
      headline = "plateau: " + Self.plateau(lead)
      role = .verdictGrowth
    case .inconclusive:
      headline = "inconclusive: \(rate)"
      role = .verdictPending
    case .shrinking:
      headline = "shrinking: \(rate)"
      role = .verdictOK
    case .stable, .insufficientData:
      let names = assessment.entries.filter { $0.result.verdict == .stable }.map(\.label)
      headline = "no leak: " + names.joined(separator: ", ") + " stable; \(rate)"
      role = .verdictOK
    }
  }

  /// Builds the banner from a recording's verdict, the one `memtop analyze` gives on the file:
  /// a member of a tree leaking on its own rows is named.
  public init(recording verdict: SessionVerdict) {
    self.init(recording: verdict.analysis)
    if let python = verdict.python, applyPython(python, verdict: verdict, prefix: "recording verdict: ") { return }
    guard verdict.analysis.verdict != .leak, let worst = verdict.worstMember else { return }
    let others = verdict.leakingMembers.count > 1 ? " (and \(verdict.leakingMembers.count - 1) more)" : ""
    headline = "recording verdict: LEAK  " + worst.sentence + others
    detail = "judged on its own rows; p shows each process of the tree"
    role = .verdictLeak
  }

  /// Builds the banner from a whole recording's analysis: the verdict `memtop analyze` gives.
  package init(recording: RecordingAnalysis) {
    let assessment = recording.assessment
    guard let lead = assessment.leading else {
      headline = "recording verdict: insufficient-data"
      detail = "no samples to judge"
      role = .verdictPending
      return
    }
    detail = Self.detail(assessment, lead)
    let verdict = assessment.verdict
    var text = "recording verdict: \(verdict.rawValue.uppercased())"
    if lead.result.slopeBytesPerSecond.isFinite { text += "  " + Self.rate(lead) }
    headline = text + Self.limit(lead.result)
    switch verdict {
    case .leak: role = .verdictLeak
    case .plateau: role = .verdictGrowth
    case .insufficientData, .inconclusive: role = .verdictPending
    case .stable, .shrinking: role = .verdictOK
    }
  }

  /// The leading sentence, after the where sentence when something leaks.
  static func detail(_ assessment: Assessment, _ lead: Assessment.Entry) -> String {
    let explained = lead.result.explanation + (assessment.basis.map { " · " + $0 } ?? "")
    guard let place = assessment.whereSentence else { return explained }
    return "where: \(place) · \(explained)"
  }

  /// `RSS +1.20 MiB/min (95 % +0.90 MiB/min to +1.50 MiB/min)`: the rate every surface shows.
  static func rate(_ entry: Assessment.Entry) -> String {
    "\(entry.label) \(entry.result.rateWithInterval)"
  }

  /// `RSS grew 40.0 MiB over 1 m 20 s, then held at 120 MiB` or the rate while levelling.
  static func plateau(_ entry: Assessment.Entry) -> String {
    guard let p = entry.result.plateau else { return rate(entry) + ", levelling off" }
    return "\(entry.label) grew \(ByteFormat.bytes(p.riseBytes)) over \(ByteFormat.duration(p.growthSeconds)), "
      + "then held at \(ByteFormat.bytes(p.levelBytes)) (\(entry.result.rateWithInterval))"
  }

  /// `; limit 2.00 GiB in ~3 h 10 m (earliest 2 h 05 m)` when the analyzer projected one.
  static func limit(_ result: TrendResult) -> String {
    guard let ttl = result.timeToLimit else { return "" }
    return "; limit \(ByteFormat.bytes(ttl.limitBytes)) in ~\(ByteFormat.duration(ttl.estimateSeconds))"
      + " (earliest \(ByteFormat.duration(ttl.earliestSeconds)))"
  }
}
