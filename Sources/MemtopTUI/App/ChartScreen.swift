import MemtopAnalysis
import MemtopCore
import MemtopFormat
import MemtopSampling
import MemtopSystem

#if canImport(Glibc)
import Glibc
import MemtopStore
import MemtopExport
#endif

/// The chart view of one process, tree or recording: state that events change (samples, keys,
/// resizes, the launched command's end) and a frame drawn from it.
///
/// Samples come from one ``SampleSource`` (live: the ``WatchSession`` `memtop record` drives
/// too); a replay has none and is loaded once. The screen launches and samples nothing itself.
final class ChartScreen: AppScreen {
  /// Whether Esc returns to the process table this view was opened from.
  var opensFromOverview = false

  private var source: (any SampleSource)?
  private var session: SessionInfo
  /// The watched process, or with `--children` the tree's total.
  private var total = ChartedSeries()
  /// With `--children`: each process of the tree, in order of appearance.
  private var members: [MemberSeries] = []
  /// The member the charts show, or `nil` for ``total``.
  private var shownMember: Int?
  /// Whether a replayed recording is a tree's.
  private let replaysTree: Bool
  /// Whether the view shows a tree (a launcher's work spread over a tree counts too).
  private var watchesTree: Bool { watch?.watchesTree ?? replaysTree }
  /// The watch behind a live view (nil in a replay).
  private var watch: WatchSession? { (source as? WatchSource)?.watch }
  /// The `--record` file's sink, if any.
  private var csvSink: CSVSink? { watch?.sinks.lazy.compactMap { $0 as? CSVSink }.first }
  /// Replace existing files on export (`--force`).
  private let force: Bool
  private(set) var ui = UIState()
  /// What the banner says once the target ended before any verdict could be given.
  private var exitVerdict: VerdictModel?
  /// The watch session's latest verdict (live): what the banner shows for the total.
  private var sessionVerdict: SessionVerdict?
  /// An output that failed while watching, for the end.
  private var outputFailure: String?
  /// Warnings and notices waiting for the status bar, one at a time.
  private var warnings: [(text: String, isError: Bool)] = []
  /// A replayed recording's verdict, the one `memtop analyze` gives on the file.
  private var replayVerdict: VerdictModel?
  /// A replayed recording's assessment, memory by kind included: the where screen's.
  private var replayAssessment: Assessment?
  /// Whether the where screen (memory by kind) replaces the charts.
  private(set) var showsWhere = false
  /// A replay playing: elapsed seconds of the app at the last step, and recording seconds per second.
  private(set) var playback: (last: Double, speed: Double)?
  /// How the launched command ended, once reaped.
  private(set) var childTermination: ChildTermination?
  /// Whether the Python panel (key `y`) is shown.
  private(set) var showPython = false
  /// Rows between the header and the banner from which the Python panel is drawn under the
  /// charts rather than over them (a 40-row terminal has 35).
  static let splitMinimumRows = 30
  /// The Python report shown: a replay's, loaded once; live, refreshed from the watch.
  var pythonReport: PythonReport?
  /// A replay's Python history and observer-free RSS points: its report is chosen, and its
  /// evidence joined, with the recording's verdict when it loads.
  var pythonHistory: (history: PythonHistory, rss: [(time: Double, bytes: Double)])?
  /// What the panel says without a report.
  var pythonEmpty = "no Python data: start memtop with --python to load its agent into a Python program"
  /// Lines said once the terminal is back (a replay's notes on what it left out).
  var closingNotes: [String] = []
  private var pythonRefreshed = -Double.infinity
  private var pythonAnnounced = false

  init(source: (any SampleSource)?, session: SessionInfo, config: MonitorConfiguration) {
    self.source = source
    self.session = session
    replaysTree = config.children
    force = config.force
    // Live, the charts keep a bounded history (thinned evenly past it); a replay keeps all.
    if watch != nil { total = ChartedSeries(capacity: ChartedSeries.liveCapacity) }
    if watchesTree && session.tree == nil { self.session.tree = TreeView(processes: 1) }
    if watchesTree { total.analysis = LiveAnalysis(tree: true) }
    // Said on standard error before the screen was taken (read only after quitting): said on
    // the screen too, first.
    if let plan = watch?.python?.plan { warnings.append((text: plan.announcement, isError: false)) }
  }

  var nextDue: Double? { source?.nextDue }

  func poll(now: Double) -> [AppEvent] { source?.take(now: now) ?? [] }

  func finish() -> [String] {
    var messages = closingNotes
    if let watch {
      // The watch ends with the view: a launched command still running is stopped, its group too.
      let rows = csvSink
      let summary = watch.finish(.stopped)
      if let failure = summary.outputFailure?.description ?? outputFailure { messages.append(failure) }
      if let path = session.recordPath {
        messages.append("recorded \(rows?.rows ?? summary.samples) samples to \(path)")
      }
      if summary.stoppedCommand { messages.append("stopped the command (and its workers) on quitting") }
      if let termination = summary.termination, !summary.stoppedCommand, termination != .exited(0) {
        messages.append("the command \(termination)")
      }
    }
    if let output = session.childOutput, !session.childOutputRemovedAtExit {
      messages.append("the command's output is in \(output)")
    }
    return messages
  }

  /// The status memtop ends with when quit: a launched command's own, once it has ended on
  /// its own (as `memtop record` passes it on), else 0.
  private var quitStatus: Int32 {
    guard let childTermination, childTermination != .exited(0) else { return 0 }
    return childTermination.shellStatus
  }

  // MARK: - Events

  func handle(_ event: AppEvent, in context: AppContext) -> Transition {
    switch event {
    case .sample(let report):
      handleSample(report, now: context.elapsed)
      return .redraw
    case .childExited(let termination):
      childTermination = termination
      session.state = .exited("\(termination)")
      // The banner names how the command ended (its status or signal) too.
      if exitVerdict != nil { exitVerdict = tooFewVerdict(how: "\(termination)") }
      return .redraw
    case .tick:
      // Everything on screen moves with samples; a tick only redraws to drop an old message,
      // or to move a replay that plays.
      for event in watch?.flush(force: false) ?? [] {
        if case .outputFailed(let error) = event { noteOutputFailure(error.description, now: context.elapsed) }
      }
      let expired = ui.expireMessage(now: context.elapsed)
      return stepPlayback(now: context.elapsed) || expired ? .redraw : .none
    case .resize: return .redraw
    case .key(let key): return handleKey(key, context: context)
    case .mouse(let mouse): return handleMouse(mouse, context: context)
    case .signal, .refresh, .suspend, .continued: return .none
    }
  }

  private func noteOutputFailure(_ text: String, now: Double) {
    outputFailure = text
    warnings.append((text: "recording stopped: " + text, isError: true))
  }

  private func handleSample(_ report: SampleReport, now: Double) {
    switch report.outcome {
    case .sample(let sample)?:
      total.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      if let name = report.name { session.name = name }
      if let cadences = report.cadences {
        session.heapCadence = cadences.heap
        session.rollupCadence = cadences.pss
      }
      session.stopped = report.stopped
      if session.pid != sample.pid && session.pid != 0 && total.timeline.count > 1 {
        // A followed service restarted: a new segment, marked on the charts.
        total.timeline.markLatest("restart: PID \(sample.pid)")
        watch?.markLatest("restart: PID \(sample.pid)")
        session.ageAtStart = nil
      }
      session.pid = sample.pid
      if watchesTree {
        if session.tree == nil { session.tree = TreeView(processes: 1) }
        if !total.analysis.isTree && total.timeline.count <= 1 { total.analysis = LiveAnalysis(tree: true) }
        addMemberSamples(sample, readings: report.members)
      }
    case .missed?:
      session.missed += 1
    case .exited(let exit)?:
      session.stopped = false
      session.state = .exited(exit.summary)
      total.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      for i in members.indices {
        members[i].gone = true
        members[i].series.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      }
      for event in watch?.flush(force: true) ?? [] {
        if case .outputFailed(let error) = event { noteOutputFailure(error.description, now: now) }
      }
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
    refreshPython(now: now)
    if let next = warnings.first, ui.message == nil {
      warnings.removeFirst()
      ui.show(next.text, isError: next.isError, now: now, seconds: next.isError ? 10 : 5)
    }
  }

  private func handleKey(_ key: Key, context: AppContext) -> Transition {
    let now = context.elapsed
    if let text = ui.exportPrompt {
      switch key {
      case .enter:
        ui.exportPrompt = nil
        let name =
          text.isEmpty ? Exporter.defaultFileName(pid: session.pid, wallSeconds: context.clock.wallSeconds()) : text
        export(to: name, now: now, context: context)
      case .escape: ui.exportPrompt = nil
      case .backspace: ui.exportPrompt = String(text.dropLast())
      case .character(let c): ui.exportPrompt = text + String(c)
      default: break
      }
      return .redraw
    }
    if let prompt = ui.markerPrompt {
      switch key {
      case .enter:
        ui.markerPrompt = nil
        relabelMarker(prompt.label, to: prompt.text, now: now)
      case .escape:
        ui.markerPrompt = nil
        csvSink?.hold = false
        ui.show("\(prompt.label) kept without a label", now: now, seconds: 3)
      case .backspace: ui.markerPrompt?.text = String(prompt.text.dropLast())
      case .character(let c) where prompt.text.count < UIState.markerLabelLimit:
        ui.markerPrompt?.text = prompt.text + String(c)
      default: break
      }
      return .redraw
    }
    if ui.showHelp {
      ui.showHelp = false
      if KeyMap.action(for: key) != .quit { return .redraw }
    }
    guard let action = KeyMap.action(for: key) else { return .none }
    return perform(action, context: context)
  }

  /// The wheel zooms (away from the user: in), or scrolls in time while paused (away: back).
  private func handleMouse(_ mouse: MouseEvent, context: AppContext) -> Transition {
    guard ui.exportPrompt == nil, ui.markerPrompt == nil else { return .none }
    if ui.showHelp {
      ui.showHelp = false
      return .redraw
    }
    switch mouse.kind {
    case .wheelUp: return perform(ui.paused ? .scrollBack : .zoomIn, context: context)
    case .wheelDown: return perform(ui.paused ? .scrollForward : .zoomOut, context: context)
    case .click, .doubleClick: return .none
    }
  }

  /// Does what `action` asks in the view.
  private func perform(_ action: Action, context: AppContext) -> Transition {
    let now = context.elapsed
    let latest = shown.timeline.elapsed.last ?? 0
    let dataSpan = latest - (shown.timeline.elapsed.first ?? 0)
    switch action {
    case .quit: return .quit(status: quitStatus, messages: [])
    case .togglePause:
      guard replayVerdict == nil else {
        togglePlayback(now: now, dataSpan: dataSpan)
        return .redraw
      }
      ui.togglePause(latest: latest)
    case .zoomIn:
      ui.show(
        ui.zoomIn(dataSpan: dataSpan) ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the shortest)", now: now,
        seconds: 2)
    case .zoomOut:
      // Live, a window longer than the data still means something (the data moves into it).
      ui.show(
        ui.zoomOut(dataSpan: replayVerdict != nil ? dataSpan : .infinity)
          ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the whole recording)", now: now, seconds: 2)
    case .fitAll:
      ui.fitAll()
      ui.show("window all: the whole recording", now: now, seconds: 2)
    case .scrollBack, .scrollForward:
      guard ui.paused else {
        ui.show("pause with space to scroll back in time", now: now, seconds: 3)
        return .redraw
      }
      ui.scroll(action == .scrollBack ? -1 : 1, latest: latest)
    case .export: ui.exportPrompt = Exporter.defaultFileName(pid: session.pid, wallSeconds: context.clock.wallSeconds())
    case .marker:
      guard !total.timeline.isEmpty else {
        ui.show("no sample to mark yet", isError: true, now: now)
        return .redraw
      }
      let label = replayVerdict != nil ? markWindowEnd() : markLatest()
      ui.markerPrompt = (label: label, text: "")
    case .cycleTheme:
      context.themeIndex = (context.themeIndex + 1) % context.themes.count
      ui.show("theme \(context.theme.name)", now: now, seconds: 3)
    case .help: ui.showHelp = true
    case .showWhere:
      showsWhere.toggle()
      ui.show(showsWhere ? "where memory grows: w shows the charts again" : "charts", now: now, seconds: 2)
    case .cycleProcess: cycleProcess(now: now)
    case .back:
      if opensFromOverview { return .pop }
      return .none
    case .sortByMemory, .sortByGrowth, .filter, .selectUp, .selectDown, .open: return .none
    case .pythonPanel:
      showPython.toggle()
      if showPython { refreshPython(now: now, force: true) }
    case .resetMinMax:
      if let shownMember { members[shownMember].series.resetExtremes() } else { total.resetExtremes() }
      ui.show("min/max reset", now: now, seconds: 3)
    }
    return .redraw
  }

  /// Marks the latest sample `marker N` (relabelled when the prompt is answered); the
  /// recording holds the row back until then.
  private func markLatest() -> String {
    let label = "marker \(total.timeline.markers.count + 1)"
    total.timeline.markLatest(label)
    if let shownMember { members[shownMember].series.timeline.markLatest(label) }
    watch?.markLatest(label)
    csvSink?.hold = true
    return label
  }

  /// Gives the marker `label` the text typed (kept as it is when none was).
  private func relabelMarker(_ label: String, to text: String, now: Double) {
    csvSink?.hold = false
    let typed = text.trimmingCharacters(in: .whitespaces)
    let final = typed.isEmpty ? label : typed
    if !typed.isEmpty {
      total.timeline.relabel(label, to: typed)
      for i in members.indices { members[i].series.timeline.relabel(label, to: typed) }
      csvSink?.relabel(label, to: typed)
    }
    let at = total.timeline.markers.first { $0.value == final }.map { total.timeline.elapsed[$0.key] }
    let hint = replayVerdict != nil ? " (e exports it with the window)" : ""
    ui.show(
      "\(Sanitizer.terminalSafe(final, maxLength: 40)) at \(ChartWidget.clock(at ?? 0))\(hint)", now: now, seconds: 3)
  }

  private func export(to path: String, now: Double, context: AppContext) {
    guard path != "-" else {
      ui.show("export needs a file name: '-' (standard output) is this screen", isError: true, now: now, seconds: 10)
      return
    }
    do {
      if replayVerdict != nil {
        // A replay exports what is on screen: the visible time window.
        let window = ui.window(latest: shown.timeline.elapsed.last ?? 0)
        let rows = try Exporter.export(
          shown.timeline, to: path, from: window.start, to: window.end, replaceExisting: force)
        let span = ChartWidget.clock(window.start) + context.mode.rangeDash + ChartWidget.clock(window.end)
        ui.show("exported \(rows) samples (\(span)) to \(Exporter.absolute(path))", now: now, seconds: 30)
        return
      }
      let rows = try Exporter.export(shown.timeline, to: path, replaceExisting: force)
      ui.show("exported \(rows) samples to \(Exporter.absolute(path))", now: now, seconds: 30)
    } catch {
      // Here the fix is another name (--force is for the command line).
      let text =
        error.fileExists
        ? "'\(Sanitizer.terminalSafe(path, maxLength: 60))' already exists; type another name (memtop --force replaces files)"
        : "\(error)"
      ui.show("export failed: " + text, isError: true, now: now, seconds: 30)
    }
  }

  // MARK: - Replay

  /// Puts readings taken before this view opened (the process table's) on the charts.
  func seed(_ samples: [MemorySample]) {
    for sample in samples { total.append(sample, limitBytes: session.limitBytes.map { Double($0) }) }
  }

  /// Space in a replay: plays the recording forward in a moving window, or stops it there.
  private func togglePlayback(now: Double, dataSpan: Double) {
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
  private func stepPlayback(now: Double) -> Bool {
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

  /// Loads a recording to replay: paused on the whole of it, with the verdict of
  /// `memtop analyze` (same analyzer, same lifetime rule, same limit).
  ///
  /// In a process tree's file the total rows make the main series and the per-process rows
  /// (empty `processes`) each process's own, shown with p.
  ///
  /// Loaded in bulk: the live analyzer is not re-run while the samples go in, only once at
  /// the end, so the first frame of a 10⁶-row file comes in seconds, not minutes.
  /// `interrupted` is asked every 16,384 samples; returns false when it said stop.
  @discardableResult
  func load(_ samples: [MemorySample], limit: MemoryLimit?, interrupted: () -> Bool = { false }) -> Bool {
    let every = total.analysis.evaluateEvery
    total.analysis.evaluateEvery = .max
    total.regions.holdsEvaluations = true
    for (n, sample) in samples.enumerated() {
      if n & 0x3FFF == 0x3FFF && interrupted() { return false }
      guard watchesTree, sample.processes == nil else {
        total.append(sample, limitBytes: nil)
        continue
      }
      let index = memberIndex(of: sample, name: "")
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
    if let python = pythonHistory {
      // Python evidence joins the verdict, and the report shown is the leaking member's.
      let watched = samples.last(where: { $0.processes != nil })?.pid ?? samples.last?.pid
      let judged = python.history.judged(verdict, rss: python.rss, watched: watched)
      verdict = judged.verdict
      pythonReport = judged.report
    }
    replayVerdict = VerdictModel(recording: verdict)
    replayAssessment = verdict.analysis.assessment
    ui.zoomIndex = UIState.zoomLevels.count - 1
    ui.togglePause(latest: total.timeline.elapsed.last ?? 0)
    return true
  }

  /// In a replay, `m` marks the last sample inside the visible window.
  private func markWindowEnd() -> String {
    let window = ui.window(latest: total.timeline.elapsed.last ?? 0)
    let label = "marker \(total.timeline.markers.count + 1)"
    guard let index = total.timeline.elapsed.lastIndex(where: { $0 <= window.end }) else { return label }
    total.timeline.mark(index, label)
    return label
  }

  // MARK: - Process trees

  /// The series the charts show.
  private var shown: ChartedSeries { shownMember.map { members[$0].series } ?? total }

  /// The session as the header shows it: a tree member's own pid and name when one is shown.
  private var shownSession: SessionInfo {
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

  /// Files the members' readings of the latest tick under their (pid, start time).
  private func addMemberSamples(_ totalSample: MemorySample, readings: [MemberSample]) {
    var present = Set<Int>()
    for reading in readings {
      let sample = reading.sample
      let index = memberIndex(of: sample, name: reading.name)
      members[index].name = reading.name
      members[index].series.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      present.insert(index)
    }
    for i in members.indices where !present.contains(i) { members[i].gone = true }
    session.tree?.processes = totalSample.processes ?? readings.count
    if let pss = totalSample.pss { session.tree?.totalPSS = pss }
  }

  /// The index of the member `sample` belongs to (by pid and start time), added if new.
  private func memberIndex(of sample: MemorySample, name: String) -> Int {
    if let index = members.firstIndex(where: { $0.pid == sample.pid && $0.startTicks == sample.startTicks }) {
      return index
    }
    members.append(
      MemberSeries(
        pid: sample.pid, startTicks: sample.startTicks, name: name,
        capacity: watch == nil ? nil : ChartedSeries.memberCapacity))
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

  private func cycleProcess(now: Double) {
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

  /// Rebuilds the live Python report (every 2 s while the panel shows; its slopes cost);
  /// the first data from an agent is announced with the key that shows it.
  private func refreshPython(now: Double, force: Bool = false) {
    guard let python = watch?.python else { return }
    if !pythonAnnounced && python.greeted {
      pythonAnnounced = true
      warnings.append((text: "Python agent connected: y shows the Python panel", isError: false))
    }
    if python.greeted {
      pythonEmpty = "the Python agent is connected; its first readings come within seconds"
    } else {
      pythonEmpty =
        "waiting for the Python agent to say hello (launched: through sitecustomize; attached: once injected)"
    }
    guard showPython, force || now - pythonRefreshed >= 2 else { return }
    pythonRefreshed = now
    // The report of the process the verdict names: its evidence's, else the leaking member's.
    pythonReport = python.report(for: sessionVerdict, watched: session.pid)
  }

  // MARK: - Drawing

  func draw(into buffer: inout CellBuffer, context: AppContext) {
    let series = shown
    let regions = series.regions.assessment(detail: shownMember == nil ? watch?.regionDetail : nil)
    var model = ScreenModel(
      timeline: series.timeline, session: shownSession, ui: ui, analysis: series.analysis, extremes: series.extremes,
      themeName: context.theme.name, mode: context.mode, regions: regions)
    if showsWhere {
      let assessment = replayAssessment ?? series.analysis.assessment().withRegions(regions)
      model.whereView = WhereModel(
        regions: replayAssessment?.regions ?? regions, assessment: assessment, timeline: series.timeline,
        points: max(buffer.bounds.width - WhereScreen.columns.reduce(0, +), 0))
    }
    if let replayVerdict {
      model.verdict = replayVerdict
    } else if shownMember == nil {
      // The session's one verdict: the total's alerts, and a member leaking on its own, named.
      if let sessionVerdict { model.verdict = VerdictModel(session: sessionVerdict) }
      if let exitVerdict, model.verdict.role == .verdictPending { model.verdict = exitVerdict }
    }
    let body = buffer.bounds.droppingTop(Screen.headerHeight).droppingBottom(1 + Screen.verdictHeight)
    // On a tall terminal the panel shares the screen with the charts (they keep the top
    // half); on a small one it covers them until `y` again.
    let split = showPython && !ui.showHelp && body.height >= Self.splitMinimumRows
    if split { model.panelRows = body.height / 2 }
    Screen.draw(model, into: &buffer)
    if showPython && !ui.showHelp {
      let area = split ? body.bottom(model.panelRows) : body
      PythonPanel(report: pythonReport, empty: pythonEmpty, mode: context.mode).draw(into: &buffer, area: area)
    }
  }
}
