import MemtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// The interactive loop: one ``AppEvent`` at a time — a key, a resize, a once-a-second tick, or
/// a sample taken on the same drift-free ``TickSchedule`` as `memtop record`. Input is read with
/// a timeout up to the next sample (≤ 200 ms), so a key is handled the moment it arrives while
/// sampling stays on schedule and an idle view wakes only a few times a second.
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
  private var sampler: (any MemorySampling)?
  private let child: ChildProcess?
  private let clock = SystemClock()
  private let start: Double
  private var schedule: TickSchedule
  private var nextDue: Double
  private var session: SessionInfo
  /// The watched process, or with `--children` the tree's total.
  private var total = ChartedSeries()
  /// With `--children`: each process of the tree, in order of appearance.
  private var members: [MemberSeries] = []
  /// The member the charts show, or `nil` for ``total``.
  private var shownMember: Int?
  private let watchesTree: Bool
  private var ui = UIState()
  private let themes: [Theme]
  private let mode: GlyphMode
  private let recorder: LiveRecorder?
  /// Warnings and notices waiting for the status bar, one at a time.
  private var warnings: [(text: String, isError: Bool)] = []
  /// A replayed recording's verdict, the one `memtop analyze` gives on the file.
  private var replayVerdict: VerdictModel?
  private var dirty = true
  private var quit: Outcome?

  init(
    terminal: NCursesTerminal, handle: ProcessHandle?, child: ChildProcess?, session: SessionInfo, themes: [Theme],
    mode: GlyphMode, config: MonitorConfiguration, recordWriter: CSVFileWriter?
  ) {
    self.terminal = terminal
    self.child = child
    self.session = session
    self.themes = themes.isEmpty ? [.fallback] : themes
    self.mode = mode
    start = clock.monotonicSeconds()
    watchesTree = config.children
    if let handle {
      sampler = makeSampler(
        for: handle, tree: config.children, clock: clock, detailBudget: config.detailBudget, maxStall: config.maxStall,
        startMonotonic: start)
    }
    if config.children && session.tree == nil { self.session.tree = TreeView(processes: 1) }
    schedule = TickSchedule(start: start, interval: config.interval)
    nextDue = start
    recorder = recordWriter.map(LiveRecorder.init)
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
      if let sampler, now >= nextDue {
        handle(.sample(sampler.sample()))
        now = clock.monotonicSeconds()
        nextDue = schedule.next(after: now)
      }
      if now - lastTick >= 1 {
        lastTick = now
        handle(.tick)
      }
      if dirty { render() }
      // A key ends the wait at once; the cap only bounds how late a stop signal is noticed.
      let untilSample = sampler == nil ? Self.maxWaitMilliseconds : Int(((nextDue - now) * 1000).rounded(.up))
      switch terminal.read(timeoutMilliseconds: min(max(untilSample, 0), Self.maxWaitMilliseconds)) {
      case .key(let key): handle(.key(key))
      case .resize(let width, let height): handle(.resize(width: width, height: height))
      case nil: break
      }
    }
    var outcome = quit ?? Outcome(status: 0, messages: [])
    if let recorder {
      if let error = recorder.finish() { outcome.messages.append(error) }
      outcome.messages.append("recorded \(total.timeline.count) samples to \(session.recordPath ?? "")")
    }
    if let output = session.childOutput { outcome.messages.append("the command's output is in \(output)") }
    return outcome
  }

  // MARK: - Events

  func handle(_ event: AppEvent) {
    switch event {
    case .sample(let outcome): handleSample(outcome)
    case .tick:
      // Everything on screen moves with samples; a tick only redraws to drop an old message.
      if ui.expireMessage(now: clock.monotonicSeconds() - start) { dirty = true }
      recorder?.flushIfDue(now: clock.monotonicSeconds())
    case .resize: dirty = true
    case .key(let key): handleKey(key)
    }
  }

  private func handleSample(_ outcome: SampleOutcome) {
    switch outcome {
    case .sample(let sample):
      total.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      recorder?.append(sample)
      if let sampler {
        session.name = sampler.currentName
        let cadences = sampler.detailCadences
        session.heapCadence = cadences?.heap
        session.rollupCadence = cadences?.pss
      }
      if session.pid != sample.pid && session.pid != 0 {
        // A followed service restarted: a new segment, marked on the charts.
        total.timeline.markLatest("restart: PID \(sample.pid)")
        recorder?.markLatest("restart: PID \(sample.pid)")
        session.ageAtStart = nil
      }
      session.pid = sample.pid
      if watchesTree { addMemberSamples(sample) }
    case .missed:
      session.missed += 1
    case .exited(let exit):
      sampler = nil
      let how = child.map { "\($0.waitForExit())" } ?? exit.summary
      session.state = .exited(how)
      total.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      for i in members.indices {
        members[i].gone = true
        members[i].series.analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      }
      recorder?.flushIfDue(now: .infinity)
    }
    if let sampler {
      warnings += sampler.takeWarnings().map { (text: "warning: " + $0, isError: true) }
      warnings += sampler.takeNotices().map { (text: $0, isError: false) }
      // Per lifetime: a followed service's next process may be readable again.
      session.heapUnavailable = sampler.detailUnavailable?.unavailableReason
      session.heapFix = sampler.detailUnavailable == .permissionDenied ? ProcReadError.detailPermissionFix : nil
    }
    if let next = warnings.first, ui.message == nil {
      warnings.removeFirst()
      ui.show(next.text, isError: next.isError, now: clock.monotonicSeconds() - start, seconds: next.isError ? 10 : 5)
    }
    dirty = true
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
      recorder?.markLatest(label)
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
    do {
      if replayVerdict != nil {
        // A replay exports what is on screen: the visible time window.
        let window = ui.window(latest: shown.timeline.elapsed.last ?? 0)
        let rows = try Exporter.export(shown.timeline, to: path, from: window.start, to: window.end)
        let span = "\(ChartWidget.clock(window.start))–\(ChartWidget.clock(window.end))"
        ui.show("exported \(rows) samples (\(span)) to \(Exporter.absolute(path))", now: now, seconds: 30)
        return
      }
      let rows = try Exporter.export(shown.timeline, to: path)
      ui.show("exported \(rows) samples to \(Exporter.absolute(path))", now: now, seconds: 30)
    } catch {
      ui.show("export failed: \(error)", isError: true, now: now, seconds: 30)
    }
  }

  // MARK: - Following a service

  /// Samples the processes named `name` one lifetime after another (`--follow-name`).
  func follow(_ name: String, config: MonitorConfiguration) {
    let clock = self.clock
    let start = self.start
    sampler = FollowingSampler(name: name) { handle in
      makeSampler(
        for: handle, tree: config.children, clock: clock, detailBudget: config.detailBudget, maxStall: config.maxStall,
        startMonotonic: start)
    }
  }

  // MARK: - Replay

  /// Loads a recording to replay: paused on the whole of it, with the verdict of
  /// `memtop analyze` (same analyzer, same lifetime rule, same limit).
  ///
  /// In a process tree's file the total rows make the main series and the per-process rows
  /// (empty `processes`) each process's own, shown with p.
  /// Loaded in bulk: the live analyzer is not re-run while the samples go in, only once at
  /// the end, so the first frame of a 10⁶-row file comes in seconds, not minutes.
  func load(_ samples: [MemorySample], limit: MemoryLimit?) {
    let every = total.analysis.evaluateEvery
    total.analysis.evaluateEvery = .max
    for (n, sample) in samples.enumerated() {
      // A stop signal or q while a long file loads ends the replay at once.
      if n & 0x3FFF == 0x3FFF && loadInterrupted() { return }
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
  }

  /// Whether a stop signal or `q` came while loading; sets how the replay ends.
  private func loadInterrupted() -> Bool {
    if StopSignals.received != nil { return true }  // run() turns it into the outcome
    switch terminal.read(timeoutMilliseconds: 0) {
    case .key(.character("q")):
      quit = Outcome(status: 0, messages: [])
      return true
    default:
      return false
    }
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
    let readings = sampler?.memberSamples ?? []
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

  private func render() {
    dirty = false
    let size = terminal.size
    var buffer = CellBuffer(width: size.width, height: size.height)
    let series = shown
    var model = ScreenModel(
      timeline: series.timeline, session: shownSession, ui: ui, analysis: series.analysis, extremes: series.extremes,
      themeName: themes[ui.themeIndex].name, mode: mode)
    if let replayVerdict { model.verdict = replayVerdict }
    Screen.draw(model, into: &buffer)
    terminal.flush(buffer)
  }
}
