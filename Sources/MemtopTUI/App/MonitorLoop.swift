import MemtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// The interactive loop: one ``AppEvent`` at a time — a key, a resize, a once-a-second tick, or
/// what the ``WatchSession`` (the same one `memtop record` drives) reported on its schedule.
/// Input is read with a timeout up to the next sample (≤ 200 ms), so a key is handled the
/// moment it arrives while sampling stays on schedule and an idle view wakes only a few times a
/// second. The loop launches and samples nothing itself.
final class MonitorLoop {
  /// How the loop ended: the exit status and lines to print once the terminal is restored.
  struct Outcome {
    var status: Int32
    var messages: [String]
    /// Esc in a view opened from the process table: go back to the table.
    var backToOverview = false
  }

  /// Whether Esc returns to the process table this view was opened from.
  var opensFromOverview = false

  /// Longest wait for input, milliseconds: keys end it at once, so this only bounds how late
  /// a stop signal or the once-a-second tick is noticed when idle.
  static let maxWaitMilliseconds = 200

  private let terminal: NCursesTerminal
  /// The watch behind the view (nil in a replay).
  private let watch: WatchSession?
  private let clock: any SamplerClock
  private let start: Double
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
  private var ui = UIState()
  private let themes: [Theme]
  private let mode: GlyphMode
  /// Replace existing files on export (`--force`).
  private let force: Bool
  /// Warnings and notices waiting for the status bar, one at a time.
  private var warnings: [(text: String, isError: Bool)] = []
  /// A replayed recording's verdict, the one `memtop analyze` gives on the file.
  private var replayVerdict: VerdictModel?
  /// What the banner says once the target ended before any verdict could be given.
  private var exitVerdict: VerdictModel?
  /// A member the verdict policy found leaking: named in the banner.
  private var memberVerdict: VerdictModel?
  private var lastPolicyCheck = -Double.infinity
  /// An output that failed while watching, for the end.
  private var outputFailure: String?
  private var dirty = true
  private var quit: Outcome?

  init(
    terminal: NCursesTerminal, watch: WatchSession?, session: SessionInfo, themes: [Theme], mode: GlyphMode,
    config: MonitorConfiguration
  ) {
    self.terminal = terminal
    self.watch = watch
    self.session = session
    self.themes = themes.isEmpty ? [.fallback] : themes
    self.mode = mode
    clock = watch?.clock ?? SystemClock()
    start = watch?.start ?? clock.monotonicSeconds()
    replaysTree = config.children
    force = config.force
    if watch != nil { total = ChartedSeries(capacity: ChartedSeries.liveCapacity) }
    if watchesTree && session.tree == nil { self.session.tree = TreeView(processes: 1) }
    if watchesTree { total.analysis = LiveAnalysis(tree: true) }
  }

  /// Runs until `q`, a stop signal, or a fatal error; the caller restores the terminal.
  func run() -> Outcome {
    terminal.apply(themes[0])
    var lastTick = clock.monotonicSeconds()
    while quit == nil {
      if let signo = StopSignals.received {
        quit = Outcome(status: 128 + signo, messages: ["stopped by \(StopSignals.name(signo))"])
        break
      }
      var now = clock.monotonicSeconds()
      if let watch, let events = watch.tickIfDue() {
        for event in events { handle(.watch(event)) }
        now = clock.monotonicSeconds()
      }
      if now - lastTick >= 1 {
        lastTick = now
        handle(.tick)
      }
      if dirty { render() }
      // A key ends the wait at once; the cap only bounds how late a stop signal is noticed.
      let sampling = watch.map { $0.end == nil } ?? false
      let untilSample = sampling ? Int((((watch?.nextDue ?? now) - now) * 1000).rounded(.up)) : Self.maxWaitMilliseconds
      switch terminal.read(timeoutMilliseconds: min(max(untilSample, 0), Self.maxWaitMilliseconds)) {
      case .key(let key): handle(.key(key))
      case .resize(let width, let height): handle(.resize(width: width, height: height))
      case nil: break
      }
    }
    var outcome = quit ?? Outcome(status: 0, messages: [])
    if let watch {
      // The watch ends with the view: a launched command still running is stopped, its group too.
      let summary = watch.finish(.stopped)
      if let failure = summary.outputFailure?.description ?? outputFailure { outcome.messages.append(failure) }
      if let path = session.recordPath {
        let rows = watch.sinks.compactMap { $0 as? CSVSink }.first?.rows ?? summary.samples
        outcome.messages.append("recorded \(rows) samples to \(path)")
      }
      if let termination = summary.termination {
        if summary.stoppedCommand {
          outcome.messages.append("stopped the command (and its workers) on quitting")
        } else if termination != .exited(0) {
          outcome.messages.append("the command \(termination)")
          // The command's own status goes on, as `record` passes it.
          if outcome.status == 0 { outcome.status = termination.shellStatus }
        }
      }
    }
    if let output = session.childOutput { outcome.messages.append("the command's output is in \(output)") }
    return outcome
  }

  // MARK: - Events

  func handle(_ event: AppEvent) {
    switch event {
    case .watch(let event): handleWatch(event)
    case .tick:
      // Everything on screen moves with samples; a tick only redraws to drop an old message.
      if ui.expireMessage(now: clock.monotonicSeconds() - start) { dirty = true }
      for event in watch?.flush(force: false) ?? [] { handleWatch(event) }
    case .resize: dirty = true
    case .key(let key): handleKey(key)
    }
  }

  private func handleWatch(_ event: WatchEvent) {
    switch event {
    case .sample(let sample):
      total.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      if let watch {
        session.name = watch.name
        let cadences = watch.detailCadences
        session.heapCadence = cadences?.heap
        session.rollupCadence = cadences?.pss
        // Per lifetime: a followed service's next process may be readable again.
        session.heapUnavailable = watch.detailUnavailable?.unavailableReason
        session.heapFix = watch.detailUnavailable == .permissionDenied ? ProcReadError.detailPermissionFix : nil
      }
      if session.pid != sample.pid && session.pid != 0 && total.timeline.count > 1 {
        // A followed service restarted: a new segment, marked on the charts. (Before the
        // first sample the pid may still be a launcher's, followed to its program.)
        total.timeline.markLatest("restart: PID \(sample.pid)")
        watch?.markLatest("restart: PID \(sample.pid)")
        session.ageAtStart = nil
      }
      session.pid = sample.pid
      if watchesTree {
        if session.tree == nil { session.tree = TreeView(processes: 1) }
        if !total.analysis.isTree && total.timeline.count <= 1 { total.analysis = LiveAnalysis(tree: true) }
        addMemberSamples(sample)
        checkMembers()
      }
    case .missed:
      session.missed += 1
    case .targetExited(let exit, let termination):
      let how = termination.map { "\($0)" } ?? exit.summary
      session.state = .exited(how)
      total.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      for i in members.indices {
        members[i].gone = true
        members[i].series.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      }
      watch?.flush(force: true)
      checkMembers(force: true)
      if total.analysis.results.allSatisfy({ $0 == nil || $0?.verdict == .insufficientData }) {
        // Said at once, rather than "gathering evidence" for ever.
        let lasted = total.timeline.elapsed.last.map { " after \(ByteFormat.duration($0))" } ?? ""
        exitVerdict = VerdictModel(
          headline: "\(Sanitizer.terminalSafe(session.name, maxLength: 32)) \(how)\(lasted): \(total.timeline.count) \(total.timeline.count == 1 ? "sample" : "samples"), too few for a verdict",
          detail: "the process ended before there was enough to judge; q quits", role: .verdictPending)
      }
    case .warning(let text):
      warnings.append((text: "warning: " + text, isError: true))
    case .notice(let text):
      warnings.append((text: text, isError: false))
    case .outputFailed(let error):
      outputFailure = error.description
      warnings.append((text: "recording stopped: " + error.description, isError: true))
    }
    if let next = warnings.first, ui.message == nil {
      warnings.removeFirst()
      ui.show(next.text, isError: next.isError, now: clock.monotonicSeconds() - start, seconds: next.isError ? 10 : 5)
    }
    dirty = true
  }

  /// Runs the verdict policy over the members every few seconds: a member that leaks on its
  /// own is named in the banner, whatever the total does.
  private func checkMembers(force: Bool = false) {
    guard let watch else { return }
    let now = clock.monotonicSeconds()
    guard force || now - lastPolicyCheck >= 5 else { return }
    lastPolicyCheck = now
    let leaking = VerdictPolicy.judge(watch.store, members: watch.members, limit: nil).leakingMembers
    guard let worst = leaking.max(by: { $0.slopeBytesPerSecond < $1.slopeBytesPerSecond }) else {
      memberVerdict = nil
      return
    }
    let others = leaking.count > 1 ? " (and \(leaking.count - 1) more)" : ""
    memberVerdict = VerdictModel(
      headline: "LEAK  " + worst.sentence + others,
      detail: "judged on its own series; p shows each process of the tree", role: .verdictLeak)
  }

  private func handleKey(_ key: Key) {
    dirty = true
    let now = clock.monotonicSeconds() - start
    if let text = ui.exportPrompt {
      switch key {
      case .enter:
        ui.exportPrompt = nil
        export(to: text.isEmpty ? Exporter.defaultFileName(pid: session.pid, wallSeconds: clock.wallSeconds()) : text)
      case .escape: ui.exportPrompt = nil
      case .backspace: ui.exportPrompt = String(text.dropLast())
      case .character(let c): ui.exportPrompt = text + String(c)
      default: break
      }
      return
    }
    if ui.showHelp {
      ui.showHelp = false
      if KeyMap.action(for: key) != .quit { return }
    }
    guard let action = KeyMap.action(for: key) else { return }
    let latest = shown.timeline.elapsed.last ?? 0
    switch action {
    case .quit: quit = Outcome(status: 0, messages: [])
    case .togglePause: ui.togglePause(latest: latest)
    case .zoomIn:
      ui.show(ui.zoomIn() ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the shortest)", now: now, seconds: 2)
    case .zoomOut:
      ui.show(ui.zoomOut() ? "window \(ui.spanLabel)" : "window \(ui.spanLabel) (the whole recording)", now: now, seconds: 2)
    case .scrollBack, .scrollForward:
      guard ui.paused else {
        ui.show("pause with space to scroll back in time", now: now, seconds: 3)
        return
      }
      ui.scroll(action == .scrollBack ? -1 : 1, latest: latest)
    case .export: ui.exportPrompt = Exporter.defaultFileName(pid: session.pid, wallSeconds: clock.wallSeconds())
    case .marker:
      guard !total.timeline.isEmpty else {
        ui.show("no sample to mark yet", isError: true, now: now)
        return
      }
      if replayVerdict != nil {
        markWindowEnd(now: now)
        return
      }
      let label = "marker \(total.timeline.markers.count + 1)"
      total.timeline.markLatest(label)
      if let shownMember { members[shownMember].series.timeline.markLatest(label) }
      watch?.markLatest(label)
      ui.show("\(label) at \(ChartWidget.clock(latest))", now: now, seconds: 3)
    case .cycleTheme:
      ui.themeIndex = (ui.themeIndex + 1) % themes.count
      terminal.apply(themes[ui.themeIndex])
      ui.show("theme \(themes[ui.themeIndex].name)", now: now, seconds: 3)
    case .help: ui.showHelp = true
    case .cycleProcess: cycleProcess(now: now)
    case .back:
      if opensFromOverview { quit = Outcome(status: 0, messages: [], backToOverview: true) }
    case .sortByMemory, .sortByGrowth, .filter, .selectUp, .selectDown, .open: break
    case .resetMinMax:
      if let shownMember { members[shownMember].series.resetExtremes() } else { total.resetExtremes() }
      ui.show("min/max reset", now: now, seconds: 3)
    }
  }

  private func export(to path: String) {
    let now = clock.monotonicSeconds() - start
    guard path != "-" else {
      ui.show("export needs a file name: '-' (standard output) is this screen", isError: true, now: now, seconds: 10)
      return
    }
    do {
      if replayVerdict != nil {
        // A replay exports what is on screen: the visible time window.
        let window = ui.window(latest: shown.timeline.elapsed.last ?? 0)
        let rows = try Exporter.export(shown.timeline, to: path, from: window.start, to: window.end, replaceExisting: force)
        let span = "\(ChartWidget.clock(window.start))–\(ChartWidget.clock(window.end))"
        ui.show("exported \(rows) samples (\(span)) to \(Exporter.absolute(path))", now: now, seconds: 30)
        return
      }
      let rows = try Exporter.export(shown.timeline, to: path, replaceExisting: force)
      ui.show("exported \(rows) samples to \(Exporter.absolute(path))", now: now, seconds: 30)
    } catch {
      ui.show("export failed: \(error)", isError: true, now: now, seconds: 30)
    }
  }

  // MARK: - Replay

  /// Loads a recording to replay: paused on the whole of it, with the verdict of
  /// `memtop analyze` (same analyzer, same lifetime rule, same limit).
  ///
  /// In a process tree's file the total rows make the main series and the per-process rows
  /// (empty `processes`) each process's own, shown with p.
  func load(_ samples: [MemorySample], limit: MemoryLimit?) {
    for sample in samples {
      guard watchesTree, sample.processes == nil else {
        total.append(sample, limitBytes: nil)
        continue
      }
      members[memberIndex(of: sample, name: "")].series.append(sample, limitBytes: nil)
    }
    // The one verdict policy, as `memtop analyze` gives it: a member leaking alone is named.
    let verdict = VerdictPolicy.judge(recording: samples, limit: limit)
    replayVerdict = VerdictModel(recording: verdict.analysis)
    if verdict.analysis.verdict != .leak,
      let worst = verdict.leakingMembers.max(by: { $0.slopeBytesPerSecond < $1.slopeBytesPerSecond })
    {
      replayVerdict = VerdictModel(
        headline: "recording verdict: LEAK  " + worst.sentence,
        detail: "judged on its own rows; p shows each process of the tree", role: .verdictLeak)
    }
    ui.zoomIndex = UIState.zoomLevels.count - 1
    ui.togglePause(latest: total.timeline.elapsed.last ?? 0)
  }

  /// In a replay, `m` marks the last sample inside the visible window.
  private func markWindowEnd(now: Double) {
    let window = ui.window(latest: total.timeline.elapsed.last ?? 0)
    guard let index = total.timeline.elapsed.lastIndex(where: { $0 <= window.end }) else { return }
    let label = "marker \(total.timeline.markers.count + 1)"
    total.timeline.mark(index, label)
    ui.show("\(label) at \(ChartWidget.clock(total.timeline.elapsed[index])) (e exports it with the window)", now: now, seconds: 3)
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
  private func addMemberSamples(_ totalSample: MemorySample) {
    let readings = watch?.latestMembers ?? []
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
    members.append(
      MemberSeries(pid: sample.pid, startTicks: sample.startTicks, name: name, capacity: watch == nil ? nil : ChartedSeries.memberCapacity))
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

  private func render() {
    dirty = false
    let size = terminal.size
    var buffer = CellBuffer(width: size.width, height: size.height)
    let series = shown
    var model = ScreenModel(
      timeline: series.timeline, session: shownSession, ui: ui, analysis: series.analysis, extremes: series.extremes,
      themeName: themes[ui.themeIndex].name, mode: mode)
    if let replayVerdict {
      model.verdict = replayVerdict
    } else if shownMember == nil {
      // A member leaking on its own makes the tree's verdict a leak, named.
      if let memberVerdict, model.verdict.role != .verdictLeak { model.verdict = memberVerdict }
      if let exitVerdict, model.verdict.role == .verdictPending { model.verdict = exitVerdict }
    }
    Screen.draw(model, into: &buffer)
    terminal.flush(buffer)
  }
}
