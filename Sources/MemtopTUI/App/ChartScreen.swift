import MemtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// The chart view of one process, tree or recording: state that events change (samples, keys,
/// resizes, the launched command's end) and a frame drawn from it.
///
/// Samples come from one ``SampleSource``; a replay has none and is loaded once.
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
  private let watchesTree: Bool
  private(set) var ui = UIState()
  private let recorder: LiveRecorder?
  /// Warnings and notices waiting for the status bar, one at a time.
  private var warnings: [(text: String, isError: Bool)] = []
  /// A replayed recording's verdict, the one `memtop analyze` gives on the file.
  private var replayVerdict: VerdictModel?
  /// A replay playing: elapsed seconds of the app at the last step, and recording seconds per second.
  private(set) var playback: (last: Double, speed: Double)?
  /// How the launched command ended, once reaped.
  private(set) var childTermination: ChildTermination?

  init(source: (any SampleSource)?, session: SessionInfo, config: MonitorConfiguration, recordWriter: CSVFileWriter?) {
    self.source = source
    self.session = session
    watchesTree = config.children
    if config.children && session.tree == nil { self.session.tree = TreeView(processes: 1) }
    recorder = recordWriter.map(LiveRecorder.init)
  }

  var nextDue: Double? { source?.nextDue }

  func poll(now: Double) -> [AppEvent] { source?.take(now: now) ?? [] }

  func finish() -> [String] {
    var messages: [String] = []
    if let recorder {
      if let error = recorder.finish() { messages.append(error) }
      messages.append("recorded \(total.timeline.count) samples to \(session.recordPath ?? "")")
    }
    if let output = session.childOutput { messages.append("the command's output is in \(output)") }
    return messages
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
      return .redraw
    case .tick:
      // Everything on screen moves with samples; a tick only redraws to drop an old message,
      // or to move a replay that plays.
      recorder?.flushIfDue(now: context.clock.monotonicSeconds())
      let expired = ui.expireMessage(now: context.elapsed)
      return stepPlayback(now: context.elapsed) || expired ? .redraw : .none
    case .resize: return .redraw
    case .key(let key): return handleKey(key, context: context)
    case .signal, .refresh: return .none
    }
  }

  private func handleSample(_ report: SampleReport, now: Double) {
    switch report.outcome {
    case .sample(let sample):
      total.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      recorder?.append(sample)
      if let name = report.name { session.name = name }
      if let cadences = report.cadences {
        session.heapCadence = cadences.heap
        session.rollupCadence = cadences.pss
      }
      session.stopped = report.stopped
      if session.pid != sample.pid && session.pid != 0 {
        // A followed service restarted: a new segment, marked on the charts.
        total.timeline.markLatest("restart: PID \(sample.pid)")
        recorder?.markLatest("restart: PID \(sample.pid)")
        session.ageAtStart = nil
      }
      session.pid = sample.pid
      if watchesTree { addMemberSamples(sample, readings: report.members) }
    case .missed:
      session.missed += 1
    case .exited(let exit):
      session.stopped = false
      session.state = .exited(exit.summary)
      total.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      for i in members.indices {
        members[i].gone = true
        members[i].series.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      }
      recorder?.flushIfDue(now: .infinity)
    }
    if case .exited = report.outcome {} else {
      warnings += report.warnings.map { (text: "warning: " + $0, isError: true) }
      warnings += report.notices.map { (text: $0, isError: false) }
      // Per lifetime: a followed service's next process may be readable again.
      session.heapUnavailable = report.detailUnavailable?.unavailableReason
      session.heapFix = report.detailUnavailable == .permissionDenied ? ProcReadError.detailPermissionFix : nil
    }
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
        let name = text.isEmpty ? Exporter.defaultFileName(pid: session.pid, wallSeconds: context.clock.wallSeconds()) : text
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
        recorder?.hold = false
        ui.show("\(prompt.label) kept without a label", now: now, seconds: 3)
      case .backspace: ui.markerPrompt?.text = String(prompt.text.dropLast())
      case .character(let c) where prompt.text.count < UIState.markerLabelLimit: ui.markerPrompt?.text = prompt.text + String(c)
      default: break
      }
      return .redraw
    }
    if ui.showHelp {
      ui.showHelp = false
      if KeyMap.action(for: key) != .quit { return .redraw }
    }
    guard let action = KeyMap.action(for: key) else { return .none }
    let latest = shown.timeline.elapsed.last ?? 0
    let dataSpan = latest - (shown.timeline.elapsed.first ?? 0)
    switch action {
    case .quit: return .quit(status: 0, messages: [])
    case .togglePause:
      guard replayVerdict == nil else {
        togglePlayback(now: now, dataSpan: dataSpan)
        return .redraw
      }
      ui.togglePause(latest: latest)
    case .zoomIn:
      ui.show(ui.zoomIn(dataSpan: dataSpan) ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the shortest)", now: now, seconds: 2)
    case .zoomOut:
      // Live, a window longer than the data still means something (the data moves into it).
      ui.show(ui.zoomOut(dataSpan: replayVerdict != nil ? dataSpan : .infinity) ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the whole recording)", now: now, seconds: 2)
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
    case .cycleProcess: cycleProcess(now: now)
    case .back:
      if opensFromOverview { return .pop }
      return .none
    case .sortByMemory, .sortByGrowth, .filter, .selectUp, .selectDown, .open: return .none
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
    recorder?.markLatest(label)
    recorder?.hold = true
    return label
  }

  /// Gives the marker `label` the text typed (kept as it is when none was).
  private func relabelMarker(_ label: String, to text: String, now: Double) {
    recorder?.hold = false
    let typed = text.trimmingCharacters(in: .whitespaces)
    let final = typed.isEmpty ? label : typed
    if !typed.isEmpty {
      total.timeline.relabel(label, to: typed)
      for i in members.indices { members[i].series.timeline.relabel(label, to: typed) }
      recorder?.relabel(label, to: typed)
    }
    let at = total.timeline.markers.first { $0.value == final }.map { total.timeline.elapsed[$0.key] }
    let hint = replayVerdict != nil ? " (e exports it with the window)" : ""
    ui.show("\(Sanitizer.terminalSafe(final, maxLength: 40)) at \(ChartWidget.clock(at ?? 0))\(hint)", now: now, seconds: 3)
  }

  private func export(to path: String, now: Double, context: AppContext) {
    do {
      if replayVerdict != nil {
        // A replay exports what is on screen: the visible time window.
        let window = ui.window(latest: shown.timeline.elapsed.last ?? 0)
        let rows = try Exporter.export(shown.timeline, to: path, from: window.start, to: window.end)
        let span = ChartWidget.clock(window.start) + context.mode.rangeDash + ChartWidget.clock(window.end)
        ui.show("exported \(rows) samples (\(span)) to \(Exporter.absolute(path))", now: now, seconds: 30)
        return
      }
      let rows = try Exporter.export(shown.timeline, to: path)
      ui.show("exported \(rows) samples to \(Exporter.absolute(path))", now: now, seconds: 30)
    } catch {
      ui.show("export failed: \(error)", isError: true, now: now, seconds: 30)
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
      ui.show("stopped at \(ChartWidget.clock(ui.window(latest: total.timeline.elapsed.last ?? 0).end)) (space plays on)", now: now, seconds: 3)
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
    for (n, sample) in samples.enumerated() {
      if n & 0x3FFF == 0x3FFF && interrupted() { return false }
      guard watchesTree, sample.processes == nil else {
        total.append(sample, limitBytes: nil)
        continue
      }
      let index = memberIndex(of: sample, name: "")
      members[index].series.analysis.evaluateEvery = .max
      members[index].series.append(sample, limitBytes: nil)
    }
    total.analysis.evaluateEvery = every
    total.analysis.evaluate(limitBytes: nil)
    for index in members.indices {
      members[index].series.analysis.evaluateEvery = every
      members[index].series.analysis.evaluate(limitBytes: nil)
    }
    let analysis = RecordingAnalysis(timeline: total.timeline, limit: limit)
    replayVerdict = VerdictModel(recording: analysis)
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
    if let index = members.firstIndex(where: { $0.pid == sample.pid && $0.startTicks == sample.startTicks }) { return index }
    members.append(MemberSeries(pid: sample.pid, startTicks: sample.startTicks, name: name))
    return members.count - 1
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
      ui.show("showing PID \(member.pid) (\(Sanitizer.terminalSafe(member.name, maxLength: 32))\(state)), \(i + 1) of \(members.count)", now: now, seconds: 3)
    } else {
      ui.show("showing the tree's total (RSS, heap and anon summed; PSS in the header)", now: now, seconds: 3)
    }
  }

  // MARK: - Drawing

  func draw(into buffer: inout CellBuffer, context: AppContext) {
    let series = shown
    var model = ScreenModel(
      timeline: series.timeline, session: shownSession, ui: ui, analysis: series.analysis, extremes: series.extremes,
      themeName: context.theme.name, mode: context.mode)
    if let replayVerdict { model.verdict = replayVerdict }
    Screen.draw(model, into: &buffer)
  }
}
