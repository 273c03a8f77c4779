import MemtopAnalysis
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem

/// What the chart screen asks to have done after an event. ``ChartState/reduce(_:now:wallSeconds:)``
/// decides; ``ChartScreen`` runs each one against its source, the app and the files, and hands
/// the outcome back to the state.
package enum ChartEffect: Sendable, Equatable {
  /// Draw the frame again.
  case redraw
  /// End the app with this status.
  case quit(status: Int32)
  /// Back to the process table the view was opened from.
  case pop
  /// Show the next theme.
  case cycleTheme
  /// Write the shown series to `path` as CSV: the samples inside `window` (a replay exports
  /// what is on screen), else all.
  case export(path: String, window: TimeWindow?)
  /// Mark the latest sample in what is recorded; `holdsRow` keeps its row back until a
  /// ``relabel(_:to:)`` follows.
  case mark(String, holdsRow: Bool)
  /// Rename the mark (nil: keep its name) and let its row go.
  case relabel(String, to: String?)
  /// Write out what the outputs hold (`force`: everything, the target has gone).
  case flush(force: Bool)
  /// Fetch the Python report for the panel again.
  case refreshPython
}

/// A span of the recording's elapsed seconds, `start` ≤ `end`.
package struct TimeWindow: Sendable, Equatable {
  /// First second.
  package var start: Double
  /// Last second.
  package var end: Double
}

/// Whether the chart screen watches or replays.
package enum ChartKind: Sendable {
  /// A live watch: the banner shows the watch's verdicts as they come.
  case live
  /// A recording, judged once as `memtop analyze` judges it: its verdict for the banner and
  /// its assessment, memory by kind included, for the where screen.
  case replay(verdict: VerdictModel, assessment: Assessment)
}

/// The chart view's state: everything on screen and everything the keys change, as a value.
///
/// ``reduce(_:now:wallSeconds:)`` takes one event and returns the effects to run; nothing in
/// here reads a file, a clock or a process, so the view is tested event by event without a
/// terminal or a watch.
package struct ChartState: Sendable {
  /// Rows between the header and the banner from which the Python panel is drawn under the
  /// charts rather than over them (a 40-row terminal has 35).
  package static let splitMinimumRows = 30

  /// Watching or replaying.
  package let kind: ChartKind
  /// Whether the samples are a process tree's (live, a launcher found to spread its work over
  /// a tree makes it so after the view opened).
  package private(set) var watchesTree: Bool
  /// Replace existing files on export (`--force`).
  package let force: Bool
  /// Whether Esc returns to the process table this view was opened from.
  package var opensFromOverview = false
  /// The watched target as the header shows it.
  package private(set) var session: SessionInfo
  /// The watched process, or with `--children` the tree's total.
  package private(set) var total: ChartedSeries
  /// With `--children`: each process of the tree, in order of appearance.
  package private(set) var members: [MemberSeries] = []
  /// The member the charts show, or `nil` for ``total``.
  package private(set) var shownMember: Int?
  /// Pause, zoom, scroll, prompts and the status bar's message.
  package var ui = UIState()
  /// What the banner says once the target ended before any verdict could be given.
  private var exitVerdict: VerdictModel?
  /// The watch's latest verdict (live): what the banner shows for the total.
  package private(set) var sessionVerdict: SessionVerdict?
  /// An output that failed while watching, for the end.
  package private(set) var outputFailure: String?
  /// Warnings and notices waiting for the status bar, one at a time.
  private var warnings: [(text: String, isError: Bool)] = []
  /// Whether the where screen (memory by kind) replaces the charts.
  package private(set) var showsWhere = false
  /// A replay playing: elapsed seconds of the app at the last step, and recording seconds per second.
  package private(set) var playback: (last: Double, speed: Double)?
  /// How the launched command ended, once reaped.
  package private(set) var childTermination: ChildTermination?
  /// Whether the Python panel (key `y`) is shown.
  package private(set) var showPython = false
  /// The first line of the Python panel shown (↑/↓ move it; the panel keeps it in range).
  package private(set) var pythonScroll = 0
  /// The Python report shown: a replay's, chosen when it loads; live, refreshed from the watch.
  package var pythonReport: PythonReport?
  /// What the panel says without a report.
  package var pythonEmpty = "no Python data: start memtop with --python to load its agent into a Python program"
  /// With `--python`: whether the agent has said hello (nil: no agent asked for).
  private var pythonGreeted: Bool?
  /// When the live Python report was last asked for (app seconds).
  private var pythonRefreshed = -Double.infinity

  /// A live view of `session`; `announcements` are said on the status bar first.
  package init(live session: SessionInfo, tree: Bool, force: Bool, announcements: [String] = []) {
    kind = .live
    watchesTree = tree
    self.force = force
    self.session = session
    // Live, the charts keep a bounded history (thinned evenly past it).
    total = ChartedSeries(capacity: ChartedSeries.liveCapacity)
    if tree {
      if self.session.tree == nil { self.session.tree = TreeView(processes: 1) }
      total.analysis = LiveAnalysis(tree: true)
    }
    warnings = announcements.map { (text: $0, isError: false) }
  }

  /// A recording to replay, paused on the whole of it with the verdict of `memtop analyze`
  /// (same analyzer, same lifetime rule, same limit); nil when `interrupted` said stop.
  ///
  /// In a process tree's file (`tree`) the total rows make the main series and the
  /// per-process rows (empty `processes`) each process's own, shown with p. With the Python
  /// data recorded beside it, the evidence joins the verdict and the report shown is the
  /// leaking member's.
  ///
  /// Loaded in bulk: the live analyzer is not re-run while the samples go in, only once at
  /// the end, so the first frame of a 10⁶-row file comes in seconds, not minutes.
  /// `interrupted` is asked every 16,384 samples.
  package init?(
    replaying samples: [MemorySample], session: SessionInfo, tree: Bool, force: Bool, limit: MemoryLimit?,
    python: (history: PythonHistory, rss: [(time: Double, bytes: Double)])? = nil,
    interrupted: () -> Bool = { false }
  ) {
    var total = ChartedSeries()
    var members: [MemberSeries] = []
    let every = total.analysis.evaluateEvery
    total.analysis.evaluateEvery = .max
    total.regions.holdsEvaluations = true
    for (n, sample) in samples.enumerated() {
      if n & 0x3FFF == 0x3FFF && interrupted() { return nil }
      guard tree, sample.processes == nil else {
        total.append(sample, limitBytes: nil)
        continue
      }
      let index = Self.memberIndex(of: sample, name: "", in: &members, capacity: nil)
      members[index].series.analysis.evaluateEvery = .max
      members[index].series.regions.holdsEvaluations = true
      members[index].series.append(sample, limitBytes: nil)
    }
    total.analysis.evaluateEvery = every
    total.analysis.evaluate(limitBytes: nil)
    total.regions.holdsEvaluations = false
    total.regions.evaluate()
    for index in members.indices {
      members[index].series.analysis.evaluateEvery = every
      members[index].series.analysis.evaluate(limitBytes: nil)
    }
    // The one verdict policy, as `memtop analyze` gives it: a member leaking alone is named.
    var verdict = VerdictPolicy.judge(recording: samples, limit: limit)
    var report: PythonReport?
    if let python {
      let watched = samples.last(where: { $0.processes != nil })?.pid ?? samples.last?.pid
      let judged = python.history.judged(verdict, rss: python.rss, watched: watched)
      verdict = judged.verdict
      report = judged.report
    }
    kind = .replay(verdict: VerdictModel(recording: verdict), assessment: verdict.analysis.assessment)
    watchesTree = tree
    self.force = force
    self.session = session
    self.total = total
    self.members = members
    pythonReport = report
    ui.zoomIndex = UIState.zoomLevels.count - 1
    ui.togglePause(latest: total.timeline.elapsed.last ?? 0)
  }

  /// Whether this is a replay.
  package var replays: Bool {
    if case .replay = kind { return true }
    return false
  }

  /// The status memtop ends with when quit: a launched command's own, once it has ended on
  /// its own (as `memtop record` passes it on), else 0.
  package var quitStatus: Int32 {
    guard let childTermination, childTermination != .exited(0) else { return 0 }
    return childTermination.shellStatus
  }

  /// The series the charts show.
  package var shown: ChartedSeries { shownMember.map { members[$0].series } ?? total }

  /// The session as the header shows it: a tree member's own pid and name when one is shown.
  package var shownSession: SessionInfo {
    guard var tree = session.tree else { return session }
    var shown = session
    tree.member = shownMember.map { (index: $0 + 1, of: members.count) }
    if let i = shownMember {
      shown.pid = members[i].pid
      shown.name = members[i].name
      if members[i].gone, case .running = shown.state { shown.state = .exited("exited") }
    }
    shown.tree = tree
    return shown
  }

  /// The banner over `computed` (the shown series' own): a replay's verdict; live, the
  /// watch's one verdict for the total (its alerts, and a member leaking on its own, named),
  /// or how the target ended too soon.
  package func banner(over computed: VerdictModel) -> VerdictModel {
    if case .replay(let verdict, _) = kind { return verdict }
    guard shownMember == nil else { return computed }
    var model = sessionVerdict.map { VerdictModel(session: $0) } ?? computed
    if let exitVerdict, model.role == .verdictPending { model = exitVerdict }
    return model
  }

  /// A replay's judged assessment, memory by kind included (nil live).
  package var replayAssessment: Assessment? {
    if case .replay(_, let assessment) = kind { return assessment }
    return nil
  }

  // MARK: - Events

  /// Applies one event at app time `now` (seconds; `wallSeconds` names export files) and
  /// returns what is to be done.
  package mutating func reduce(_ event: AppEvent, now: Double, wallSeconds: Double) -> [ChartEffect] {
    switch event {
    case .sample(let report):
      return sample(report, now: now) + [.redraw]
    case .childExited(let termination):
      childTermination = termination
      session.state = .exited("\(termination)")
      // The banner names how the command ended (its status or signal) too.
      if exitVerdict != nil { exitVerdict = tooFewVerdict(how: "\(termination)") }
      return [.redraw]
    case .tick:
      // Everything on screen moves with samples; a tick only redraws to drop an old message,
      // or to move a replay that plays.
      let expired = ui.expireMessage(now: now)
      let moved = stepPlayback(now: now)
      return [.flush(force: false)] + (moved || expired ? [.redraw] : [])
    case .resize: return [.redraw]
    case .key(let key): return self.key(key, now: now, wallSeconds: wallSeconds)
    case .mouse(let mouse): return self.mouse(mouse, now: now, wallSeconds: wallSeconds)
    case .signal, .refresh, .suspend, .continued: return []
    }
  }

  /// An output failed while watching: said now, and again at the end.
  package mutating func outputFailed(_ text: String) {
    outputFailure = text
    warnings.append((text: "recording stopped: " + text, isError: true))
  }

  /// The export asked for ended: `rows` written to `path` (nil: it failed with `error`).
  package mutating func exported(
    rows: Int?, to path: String, window: TimeWindow?, error: CSVWriteError?, rangeDash: String, now: Double
  ) {
    guard let rows else {
      // Here the fix is another name (--force is for the command line).
      let text =
        error?.fileExists == true
        ? "'\(Sanitizer.terminalSafe(path, maxLength: 60))' already exists; type another name (memtop --force replaces files)"
        : error.map { "\($0)" } ?? "nothing written"
      ui.show("export failed: " + text, isError: true, now: now, seconds: 30)
      return
    }
    let span = window.map { " (\(ChartWidget.clock($0.start))\(rangeDash)\(ChartWidget.clock($0.end)))" } ?? ""
    ui.show("exported \(rows) samples\(span) to \(Exporter.absolute(path))", now: now, seconds: 30)
  }

  /// The theme `c` moved to, named on the status bar.
  package mutating func themeChanged(to name: String, now: Double) {
    ui.show("theme \(name)", now: now, seconds: 3)
  }

  /// Puts the next waiting warning or notice on the status bar when it is free.
  package mutating func showNextWarning(now: Double) {
    guard ui.message == nil, !warnings.isEmpty else { return }
    let next = warnings.removeFirst()
    ui.show(next.text, isError: next.isError, now: now, seconds: next.isError ? 10 : 5)
  }

  /// Puts readings taken before this view opened (the process table's) on the charts.
  package mutating func seed(_ samples: [MemorySample]) {
    for sample in samples { total.append(sample, limitBytes: limitBytes) }
  }

  private var limitBytes: Double? { session.limitBytes.map { Double($0) } }

  private mutating func sample(_ report: SampleReport, now: Double) -> [ChartEffect] {
    var effects: [ChartEffect] = []
    switch report.outcome {
    case .sample(let sample)?:
      total.append(sample, limitBytes: limitBytes)
      if let name = report.name { session.name = name }
      if let cadences = report.cadences {
        session.heapCadence = cadences.heap
        session.rollupCadence = cadences.pss
      }
      session.stopped = report.stopped
      if session.pid != sample.pid && session.pid != 0 && total.timeline.count > 1 {
        // A followed service restarted: a new segment, marked on the charts and the recording.
        total.timeline.markLatest("restart: PID \(sample.pid)")
        effects.append(.mark("restart: PID \(sample.pid)", holdsRow: false))
        session.ageAtStart = nil
      }
      session.pid = sample.pid
      if report.watchesTree == true { watchesTree = true }
      if watchesTree {
        if session.tree == nil { session.tree = TreeView(processes: 1) }
        // A tree found at the first sample is judged as one from the start.
        if !total.analysis.isTree && total.timeline.count <= 1 { total.analysis = LiveAnalysis(tree: true) }
        addMemberSamples(sample, readings: report.members)
      }
    case .missed?:
      session.missed += 1
    case .exited(let exit)?:
      session.stopped = false
      session.state = .exited(exit.summary)
      total.analysis.evaluate(limitBytes: limitBytes)
      for i in members.indices {
        members[i].gone = true
        members[i].series.analysis.evaluate(limitBytes: limitBytes)
      }
      effects.append(.flush(force: true))
      if total.analysis.results.allSatisfy({ $0 == nil || $0?.verdict == .insufficientData }) {
        exitVerdict = tooFewVerdict(how: exit.summary)
      }
    case nil: break
    }
    if let verdict = report.verdict { sessionVerdict = verdict }
    if case .exited? = report.outcome {
    } else {
      warnings += report.warnings.map { (text: "warning: " + $0, isError: true) }
      warnings += report.notices.map { (text: $0, isError: false) }
      // Per lifetime: a followed service's next process may be readable again.
      session.heapUnavailable = report.detailUnavailable?.unavailableReason
      session.heapFix = report.detailUnavailable == .permissionDenied ? ProcReadError.detailPermissionFix : nil
    }
    if let greeted = report.pythonGreeted { noteAgent(greeted: greeted) }
    if refreshesPython(now: now) { effects.append(.refreshPython) }
    showNextWarning(now: now)
    return effects
  }

  private mutating func key(_ key: Key, now: Double, wallSeconds: Double) -> [ChartEffect] {
    if var prompt = ui.exportPrompt {
      switch prompt.apply(key) {
      case .editing: ui.exportPrompt = prompt
      case .cancelled: ui.exportPrompt = nil
      case .submitted(let text):
        ui.exportPrompt = nil
        let name = text.isEmpty ? Exporter.defaultFileName(pid: session.pid, wallSeconds: wallSeconds) : text
        return [exportEffect(to: name, now: now), .redraw].compactMap { $0 }
      }
      return [.redraw]
    }
    if var prompt = ui.markerPrompt {
      switch prompt.editor.apply(key) {
      case .editing: ui.markerPrompt = prompt
      case .cancelled:
        ui.markerPrompt = nil
        ui.show("\(prompt.label) kept without a label", now: now, seconds: 3)
        return [.relabel(prompt.label, to: nil), .redraw]
      case .submitted(let text):
        ui.markerPrompt = nil
        return relabelMarker(prompt.label, to: text, now: now) + [.redraw]
      }
      return [.redraw]
    }
    if ui.showHelp {
      ui.showHelp = false
      if KeyMap.action(for: key) != .quit { return [.redraw] }
    }
    guard let action = KeyMap.action(for: key) else { return [] }
    return perform(action, now: now, wallSeconds: wallSeconds)
  }

  /// The wheel zooms (away from the user: in), or scrolls in time while paused (away: back).
  private mutating func mouse(_ mouse: MouseEvent, now: Double, wallSeconds: Double) -> [ChartEffect] {
    guard ui.exportPrompt == nil, ui.markerPrompt == nil else { return [] }
    if ui.showHelp {
      ui.showHelp = false
      return [.redraw]
    }
    switch mouse.kind {
    case .wheelUp: return perform(ui.paused ? .scrollBack : .zoomIn, now: now, wallSeconds: wallSeconds)
    case .wheelDown: return perform(ui.paused ? .scrollForward : .zoomOut, now: now, wallSeconds: wallSeconds)
    case .click, .doubleClick: return []
    }
  }

  /// Does what `action` asks in the view.
  private mutating func perform(_ action: Action, now: Double, wallSeconds: Double) -> [ChartEffect] {
    let latest = shown.timeline.elapsed.last ?? 0
    let dataSpan = latest - (shown.timeline.elapsed.first ?? 0)
    switch action {
    case .quit: return [.quit(status: quitStatus)]
    case .togglePause:
      if replays {
        togglePlayback(now: now, dataSpan: dataSpan)
      } else {
        ui.togglePause(latest: latest)
      }
    case .zoomIn:
      ui.show(
        ui.zoomIn(dataSpan: dataSpan) ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the shortest)", now: now,
        seconds: 2)
    case .zoomOut:
      // Live, a window longer than the data still means something (the data moves into it).
      ui.show(
        ui.zoomOut(dataSpan: replays ? dataSpan : .infinity)
          ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the whole recording)", now: now, seconds: 2)
    case .fitAll:
      ui.fitAll()
      ui.show("window all: the whole recording", now: now, seconds: 2)
    case .scrollBack, .scrollForward:
      guard ui.paused else {
        ui.show("pause with space to scroll back in time", now: now, seconds: 3)
        return [.redraw]
      }
      ui.scroll(action == .scrollBack ? -1 : 1, latest: latest)
    case .export:
      ui.exportPrompt = LineEditor(Exporter.defaultFileName(pid: session.pid, wallSeconds: wallSeconds))
    case .marker:
      guard !total.timeline.isEmpty else {
        ui.show("no sample to mark yet", isError: true, now: now)
        return [.redraw]
      }
      let label = "marker \(total.timeline.markers.count + 1)"
      ui.markerPrompt = (label: label, editor: LineEditor(limit: UIState.markerLabelLimit))
      if replays {
        markWindowEnd(label)
      } else {
        // The recording holds the row back until the prompt is answered.
        total.timeline.markLatest(label)
        if let shownMember { members[shownMember].series.timeline.markLatest(label) }
        return [.mark(label, holdsRow: true), .redraw]
      }
    case .cycleTheme: return [.cycleTheme, .redraw]
    case .help: ui.showHelp = true
    case .showWhere:
      showsWhere.toggle()
      ui.show(showsWhere ? "where memory grows: w shows the charts again" : "charts", now: now, seconds: 2)
    case .cycleProcess: cycleProcess(now: now)
    case .back: return opensFromOverview ? [.pop] : []
    case .selectUp, .selectDown:
      guard showPython else { return [] }
      pythonScroll = max(pythonScroll + (action == .selectUp ? -1 : 1), 0)
    case .sortByMemory, .sortByGrowth, .filter, .open: return []
    case .pythonPanel:
      showPython.toggle()
      if showPython && refreshesPython(now: now, force: true) { return [.refreshPython, .redraw] }
    case .resetMinMax:
      if let shownMember { members[shownMember].series.resetExtremes() } else { total.resetExtremes() }
      ui.show("min/max reset", now: now, seconds: 3)
    }
    return [.redraw]
  }

  /// The export of the shown series to `path`: a replay exports what is on screen, the
  /// visible time window; nil (and said why) when `path` names no file.
  private mutating func exportEffect(to path: String, now: Double) -> ChartEffect? {
    guard path != "-" else {
      ui.show("export needs a file name: '-' (standard output) is this screen", isError: true, now: now, seconds: 10)
      return nil
    }
    guard replays else { return .export(path: path, window: nil) }
    let window = ui.window(latest: shown.timeline.elapsed.last ?? 0)
    return .export(path: path, window: TimeWindow(start: window.start, end: window.end))
  }

  /// Gives the marker `label` the text typed (kept as it is when none was).
  private mutating func relabelMarker(_ label: String, to text: String, now: Double) -> [ChartEffect] {
    let typed = text.trimmingCharacters(in: .whitespaces)
    let final = typed.isEmpty ? label : typed
    if !typed.isEmpty {
      total.timeline.relabel(label, to: typed)
      for i in members.indices { members[i].series.timeline.relabel(label, to: typed) }
    }
    let at = total.timeline.markers.first { $0.value == final }.map { total.timeline.elapsed[$0.key] }
    let hint = replays ? " (e exports it with the window)" : ""
    ui.show(
      "\(Sanitizer.terminalSafe(final, maxLength: 40)) at \(ChartWidget.clock(at ?? 0))\(hint)", now: now, seconds: 3)
    return [.relabel(label, to: typed.isEmpty ? nil : typed)]
  }

  // MARK: - Replay

  /// Space in a replay: plays the recording forward in a moving window, or stops it there.
  private mutating func togglePlayback(now: Double, dataSpan: Double) {
    guard playback == nil else {
      playback = nil
      ui.show(
        "stopped at \(ChartWidget.clock(ui.window(latest: total.timeline.elapsed.last ?? 0).end)) (space plays on)",
        now: now, seconds: 3)
      return
    }
    let first = total.timeline.elapsed.first ?? 0
    let latest = total.timeline.elapsed.last ?? 0
    if ui.span == nil { ui.zoomIn(dataSpan: dataSpan) }
    let span = ui.span ?? max(dataSpan, 1)
    // At the end (or showing all): start over from the beginning.
    if ui.pausedEnd - ui.scrollBack >= latest {
      ui.pausedEnd = first + span
      ui.scrollBack = 0
    }
    // The whole recording plays in about a minute, never slower than real time.
    let speed = max(1, (dataSpan / 60).rounded(.up))
    playback = (now, speed)
    ui.show("playing at \(Int(speed))x in a \(ui.spanLabel) window (space stops)", now: now, seconds: 3)
  }

  /// Moves a playing replay's window on; returns whether it moved.
  private mutating func stepPlayback(now: Double) -> Bool {
    guard let playback else { return false }
    let latest = total.timeline.elapsed.last ?? 0
    ui.pausedEnd = min(ui.pausedEnd - ui.scrollBack + (now - playback.last) * playback.speed, latest)
    ui.scrollBack = 0
    self.playback?.last = now
    if ui.pausedEnd >= latest {
      self.playback = nil
      ui.show("end of the recording (space plays it again, a shows all)", now: now, seconds: 5)
    }
    return true
  }

  /// In a replay, `m` marks the last sample inside the visible window.
  private mutating func markWindowEnd(_ label: String) {
    let window = ui.window(latest: total.timeline.elapsed.last ?? 0)
    guard let index = total.timeline.elapsed.lastIndex(where: { $0 <= window.end }) else { return }
    total.timeline.mark(index, label)
  }

  // MARK: - Process trees

  /// Files the members' readings of the latest tick under their (pid, start time).
  private mutating func addMemberSamples(_ totalSample: MemorySample, readings: [MemberSample]) {
    var present = Set<Int>()
    for reading in readings {
      let sample = reading.sample
      let index = Self.memberIndex(
        of: sample, name: reading.name, in: &members, capacity: ChartedSeries.memberCapacity)
      members[index].name = reading.name
      members[index].series.append(sample, limitBytes: limitBytes)
      present.insert(index)
    }
    for i in members.indices where !present.contains(i) { members[i].gone = true }
    session.tree?.processes = totalSample.processes ?? readings.count
    if let pss = totalSample.pss { session.tree?.totalPSS = pss }
  }

  /// The index in `members` of the member `sample` belongs to (by pid and start time), added if new.
  private static func memberIndex(
    of sample: MemorySample, name: String, in members: inout [MemberSeries], capacity: Int?
  ) -> Int {
    if let index = members.firstIndex(where: { $0.pid == sample.pid && $0.startTicks == sample.startTicks }) {
      return index
    }
    members.append(MemberSeries(pid: sample.pid, startTicks: sample.startTicks, name: name, capacity: capacity))
    return members.count - 1
  }

  /// The banner for a target that ended before there was enough to judge: said at once,
  /// rather than "gathering evidence" for ever.
  private func tooFewVerdict(how: String) -> VerdictModel {
    let lasted = total.timeline.elapsed.last.map { " after \(ByteFormat.duration($0))" } ?? ""
    let count = total.timeline.count
    return VerdictModel(
      headline:
        "\(Sanitizer.terminalSafe(session.name, maxLength: 32)) \(how)\(lasted): \(count) \(count == 1 ? "sample" : "samples"), too few for a verdict",
      detail: "the process ended before there was enough to judge; q quits", role: .verdictPending)
  }

  private mutating func cycleProcess(now: Double) {
    guard watchesTree else {
      ui.show("p switches between the processes of a tree: start memtop with --children", now: now, seconds: 3)
      return
    }
    guard !members.isEmpty else { return }
    let next = shownMember.map { $0 + 1 } ?? 0
    shownMember = next < members.count ? next : nil
    if let i = shownMember {
      let member = members[i]
      let state = member.gone ? ", exited" : ""
      ui.show(
        "showing PID \(member.pid) (\(Sanitizer.terminalSafe(member.name, maxLength: 32))\(state)), \(i + 1) of \(members.count)",
        now: now, seconds: 3)
    } else {
      ui.show("showing the tree's total (RSS, heap and anon summed; PSS in the header)", now: now, seconds: 3)
    }
  }

  // MARK: - Python

  /// Keeps the panel's scroll within what it has to show (`maximum`: its last useful first line).
  package mutating func limitPythonScroll(to maximum: Int) {
    pythonScroll = min(pythonScroll, max(maximum, 0))
  }

  /// Notes whether the agent has said hello; the first hello is announced with the key that
  /// shows its data.
  private mutating func noteAgent(greeted: Bool) {
    if greeted && pythonGreeted != true {
      warnings.append((text: "Python agent connected: y shows the Python panel", isError: false))
    }
    pythonGreeted = greeted
    pythonEmpty =
      greeted
      ? "the Python agent is connected; its first readings come within seconds"
      : "waiting for the Python agent to say hello (launched: through sitecustomize; attached: once injected)"
  }

  /// Whether the live Python report is due again (every 2 s while the panel shows; its
  /// slopes cost), and if so notes it asked.
  private mutating func refreshesPython(now: Double, force: Bool = false) -> Bool {
    guard pythonGreeted != nil, showPython, force || now - pythonRefreshed >= 2 else { return false }
    pythonRefreshed = now
    return true
  }
}
