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
  }

  /// Longest wait for input, milliseconds: keys end it at once, so this only bounds how late
  /// a stop signal or the once-a-second tick is noticed when idle.
  static let maxWaitMilliseconds = 200

  private let terminal: NCursesTerminal
  private var sampler: Sampler?
  private let child: ChildProcess?
  private let clock = SystemClock()
  private let start: Double
  private var schedule: TickSchedule
  private var nextDue: Double
  private var session: SessionInfo
  private var timeline = Timeline()
  private var analysis = LiveAnalysis()
  private var extremes = Extremes()
  private var ui = UIState()
  private let themes: [Theme]
  private let mode: GlyphMode
  private let recorder: LiveRecorder?
  private var warnings: [String] = []
  private var dirty = true
  private var quit: Outcome?

  init(
    terminal: NCursesTerminal, handle: ProcessHandle, child: ChildProcess?, session: SessionInfo, themes: [Theme],
    mode: GlyphMode, config: MonitorConfiguration, recordWriter: CSVFileWriter?
  ) {
    self.terminal = terminal
    self.child = child
    self.session = session
    self.themes = themes.isEmpty ? [.fallback] : themes
    self.mode = mode
    start = clock.monotonicSeconds()
    sampler = Sampler(handle: handle, clock: clock, detailBudget: config.detailBudget, startMonotonic: start)
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
      outcome.messages.append("recorded \(timeline.count) samples to \(session.recordPath ?? "")")
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
      timeline.append(sample)
      extremes.add(sample)
      analysis.append(sample, limitBytes: session.limitBytes.map { Double($0) })
      recorder?.append(sample)
      if let name = sampler?.currentName { session.name = name }
    case .missed:
      session.missed += 1
    case .exited(let exit):
      sampler = nil
      let how = child.map { "\($0.waitForExit())" } ?? exit.summary
      session.state = .exited(how)
      analysis.evaluate(limitBytes: session.limitBytes.map { Double($0) })
      recorder?.flushIfDue(now: .infinity)
    }
    if let sampler {
      warnings += sampler.takeWarnings()
      if let reason = sampler.detailUnavailable?.unavailableReason, session.heapUnavailable == nil {
        session.heapUnavailable = reason
        session.heapFix = sampler.detailUnavailable == .permissionDenied
          ? "heap needs smaps: run memtop as the process's user, or grant CAP_SYS_PTRACE (CAP_PERFMON on 6.15+)" : nil
      }
    }
    if let warning = warnings.first, ui.message == nil {
      warnings.removeFirst()
      ui.show("warning: " + warning, isError: true, now: clock.monotonicSeconds() - start)
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
    let latest = timeline.elapsed.last ?? 0
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
      guard !timeline.isEmpty else {
        ui.show("no sample to mark yet", isError: true, now: now)
        return
      }
      let label = "marker \(timeline.markers.count + 1)"
      timeline.markLatest(label)
      recorder?.markLatest(label)
      ui.show("\(label) at \(ChartWidget.clock(latest))", now: now, seconds: 3)
    case .cycleTheme:
      ui.themeIndex = (ui.themeIndex + 1) % themes.count
      terminal.apply(themes[ui.themeIndex])
      ui.show("theme \(themes[ui.themeIndex].name)", now: now, seconds: 3)
    case .help: ui.showHelp = true
    case .resetMinMax:
      extremes.reset()
      if !timeline.isEmpty { extremes.add(timeline[timeline.count - 1]) }
      ui.show("min/max reset", now: now, seconds: 3)
    }
  }

  private func export(to path: String) {
    let now = clock.monotonicSeconds() - start
    do {
      let rows = try Exporter.export(timeline, to: path)
      ui.show("exported \(rows) samples to \(Exporter.absolute(path))", now: now, seconds: 30)
    } catch {
      ui.show("export failed: \(error)", isError: true, now: now, seconds: 30)
    }
  }

  // MARK: - Drawing

  private func render() {
    dirty = false
    let size = terminal.size
    var buffer = CellBuffer(width: size.width, height: size.height)
    let model = ScreenModel(
      timeline: timeline, session: session, ui: ui, analysis: analysis, extremes: extremes,
      themeName: themes[ui.themeIndex].name, mode: mode)
    Screen.draw(model, into: &buffer)
    terminal.flush(buffer)
  }
}
