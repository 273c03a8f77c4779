import MemtopCore

/// The process table's loop: refreshes every process on a drift-free schedule, reacts to keys
/// (sort, filter, select), and opens the selected process in a ``MonitorLoop`` on the same
/// terminal; Esc there comes back here.
final class OverviewLoop {
  private let terminal: NCursesTerminal
  private let themes: [Theme]
  private let mode: GlyphMode
  private let config: MonitorConfiguration
  private let clock = SystemClock()
  private let overview: ProcessOverview
  private var state = OverviewState()
  private var message: (text: String, until: Double)?
  private var quit: MonitorLoop.Outcome?
  private var dirty = true

  init(terminal: NCursesTerminal, themes: [Theme], mode: GlyphMode, config: MonitorConfiguration) {
    self.terminal = terminal
    self.themes = themes.isEmpty ? [.fallback] : themes
    self.mode = mode
    self.config = config
    overview = ProcessOverview(window: max(60, config.interval * 60))
  }

  /// Runs until `q` or a stop signal; the caller restores the terminal.
  func run() -> MonitorLoop.Outcome {
    terminal.apply(themes[0])
    var schedule = TickSchedule(start: clock.monotonicSeconds(), interval: config.interval)
    var nextDue = clock.monotonicSeconds()
    while quit == nil {
      if let signo = StopSignals.received {
        return MonitorLoop.Outcome(status: 128 + signo, messages: ["stopped by \(StopSignals.name(signo))"])
      }
      var now = clock.monotonicSeconds()
      if now >= nextDue {
        overview.refresh(now: now)
        dirty = true
        now = clock.monotonicSeconds()
        nextDue = schedule.next(after: now)
      }
      if let message, message.until <= now {
        self.message = nil
        dirty = true
      }
      if dirty { render() }
      let wait = min(max(Int(((nextDue - now) * 1000).rounded(.up)), 0), MonitorLoop.maxWaitMilliseconds)
      switch terminal.read(timeoutMilliseconds: wait) {
      case .key(let key): handleKey(key)
      case .resize: dirty = true
      case nil: break
      }
    }
    return quit ?? MonitorLoop.Outcome(status: 0, messages: [])
  }

  private var model: OverviewModel {
    OverviewModel(rows: overview.rows, state: state, interval: config.interval, window: overview.window, message: message?.text, mode: mode)
  }

  private func show(_ text: String) {
    message = (text, clock.monotonicSeconds() + 4)
  }

  private func handleKey(_ key: Key) {
    dirty = true
    if let text = state.filterPrompt {
      switch key {
      case .enter:
        state.filter = text
        state.filterPrompt = nil
        state.top = 0
      case .escape: state.filterPrompt = nil
      case .backspace: state.filterPrompt = String(text.dropLast())
      case .character(let c): state.filterPrompt = text + String(c)
      default: break
      }
      return
    }
    guard let action = KeyMap.action(for: key, in: .overview) else { return }
    let rows = model.rows
    switch action {
    case .quit: quit = MonitorLoop.Outcome(status: 0, messages: [])
    case .sortByMemory:
      state.sort = .memory
      state.top = 0
    case .sortByGrowth:
      state.sort = .growth
      state.top = 0
    case .filter: state.filterPrompt = state.filter
    case .back:
      state.filter = ""
      state.top = 0
    case .selectUp, .selectDown:
      guard !rows.isEmpty else { return }
      let current = state.selected.flatMap { pid in rows.firstIndex { $0.identity.pid == pid } }
      let next = action == .selectUp ? max((current ?? 0) - 1, 0) : min((current ?? -1) + 1, rows.count - 1)
      state.selected = rows[next].identity.pid
      let visible = max(terminal.size.height - 3, 1)
      if next < state.top { state.top = next }
      if next >= state.top + visible { state.top = next - visible + 1 }
    case .open:
      let index = state.selected.flatMap { pid in rows.firstIndex { $0.identity.pid == pid } } ?? (rows.isEmpty ? nil : 0)
      guard let index else { return }
      open(rows[index])
    default:
      show("in the process table: M sort by memory, G by growth, / filter, ↑↓ select, enter open, q quit")
    }
  }

  /// Opens `row` in the chart view until Esc (back here), `q` or a signal (the end).
  private func open(_ row: ProcessOverview.Row) {
    var options = WatchOptions(interval: config.interval)
    options.detailBudget = config.detailBudget
    options.maxStall = config.maxStall
    // The row chosen is the process wanted: no launcher is followed from here.
    options.followLaunchers = false
    let watch: WatchSession
    do {
      watch = try WatchSession(target: .pid(row.identity.pid), options: options)
    } catch {
      show(error.message)
      return
    }
    guard watch.pid == row.identity.pid, watch.startTicks == row.identity.startTimeTicks else {
      show("process \(row.identity.pid) has exited (its pid now belongs to another process)")
      return
    }
    state.selected = row.identity.pid
    let session = MonitorApp.session(for: watch, interval: config.interval)
    let loop = MonitorLoop(terminal: terminal, watch: watch, session: session, themes: themes, mode: mode, config: config)
    loop.opensFromOverview = true
    let outcome = loop.run()
    if !outcome.backToOverview { quit = outcome }
    terminal.apply(themes[0])
    dirty = true
  }

  private func render() {
    dirty = false
    let size = terminal.size
    var buffer = CellBuffer(width: size.width, height: size.height)
    OverviewTable(model: model).draw(into: &buffer)
    terminal.flush(buffer)
  }
}
