import MemtopCore
import MemtopSampling
import MemtopSystem

/// The process table (`memtop` with no target): every process refreshed on a drift-free
/// schedule; keys sort, filter and select; Enter pushes the selected process's chart view
/// on top, and Esc there comes back here.
final class TableScreen: AppScreen {
  private let config: MonitorConfiguration
  private let overview: ProcessOverview
  private var schedule: TickSchedule
  private(set) var nextDue: Double?
  private(set) var state = OverviewState()
  private var message: (text: String, until: Double)?
  private var showHelp = false
  /// Opens a row's process in a chart view (replaceable in tests).
  var opener: (ProcessOverview.Row, AppContext) -> Result<any AppScreen, MonitorError> = TableScreen.openChart

  init(config: MonitorConfiguration, start: Double, overview: ProcessOverview? = nil) {
    self.config = config
    self.overview = overview ?? ProcessOverview(window: max(60, config.interval * 60))
    // memtop reads its own /proc here: leave itself out of the table.
    state.hidden = overview == nil ? Syscalls.processID() : nil
    schedule = TickSchedule(start: start, interval: config.interval)
    nextDue = start
  }

  func poll(now: Double) -> [AppEvent] {
    guard let due = nextDue, now >= due else { return [] }
    nextDue = schedule.next(after: now)
    return [.refresh]
  }

  func finish() -> [String] { [] }

  /// The rows as shown (sorted and filtered).
  var rows: [ProcessOverview.Row] { OverviewModel.arrange(overview.rows, state: state) }

  func handle(_ event: AppEvent, in context: AppContext) -> Transition {
    switch event {
    case .refresh:
      overview.refresh(now: context.clock.monotonicSeconds())
      return .redraw
    case .tick:
      guard let message, message.until <= context.elapsed else { return .none }
      self.message = nil
      return .redraw
    case .resize: return .redraw
    case .key(let key): return handleKey(key, context: context)
    case .mouse(let mouse): return handleMouse(mouse, context: context)
    case .sample, .childExited, .signal, .suspend, .continued: return .none
    }
  }

  private func show(_ text: String, context: AppContext) {
    message = (text, context.elapsed + 4)
  }

  private func handleKey(_ key: Key, context: AppContext) -> Transition {
    if var prompt = state.filterPrompt {
      switch prompt.apply(key) {
      case .submitted(let text):
        state.filter = text
        state.filterPrompt = nil
        state.top = 0
      case .cancelled: state.filterPrompt = nil
      case .editing: state.filterPrompt = prompt
      }
      return .redraw
    }
    if showHelp {
      showHelp = false
      if KeyMap.action(for: key, in: .overview) != .quit { return .redraw }
    }
    guard let action = KeyMap.action(for: key, in: .overview) else { return .none }
    return perform(action, context: context)
  }

  /// A click selects a row, a click on the selected row (or a double click) opens it; the
  /// wheel moves the selection.
  private func handleMouse(_ mouse: MouseEvent, context: AppContext) -> Transition {
    guard state.filterPrompt == nil else { return .none }
    if showHelp {
      showHelp = false
      return .redraw
    }
    switch mouse.kind {
    case .wheelUp: return perform(.selectUp, context: context)
    case .wheelDown: return perform(.selectDown, context: context)
    case .click, .doubleClick:
      let rows = self.rows
      // The rows start on the third line and end above the status bar, as drawn.
      let (width, height) = context.size
      guard width >= Screen.minimumWidth, height >= 6, mouse.y >= 2, mouse.y < height - 1 else { return .none }
      let top = min(max(state.top, 0), max(rows.count - 1, 0))
      let index = top + mouse.y - 2
      guard index < rows.count else { return .none }
      let pid = rows[index].identity.pid
      if mouse.kind == .doubleClick || state.selected == pid {
        state.selected = pid
        return perform(.open, context: context)
      }
      state.selected = pid
      return .redraw
    }
  }

  /// Does what `action` asks in the table.
  private func perform(_ action: Action, context: AppContext) -> Transition {
    let rows = self.rows
    switch action {
    case .quit: return .quit(status: 0, messages: [])
    case .help: showHelp = true
    case .sortByMemory:
      state.sort = .memory
      state.top = 0
    case .sortByGrowth:
      state.sort = .growth
      state.top = 0
    case .filter: state.filterPrompt = LineEditor(state.filter)
    case .back:
      state.filter = ""
      state.top = 0
    case .selectUp, .selectDown:
      guard !rows.isEmpty else { return .none }
      let current = state.selected.flatMap { pid in rows.firstIndex { $0.identity.pid == pid } }
      let next = action == .selectUp ? max((current ?? 0) - 1, 0) : min((current ?? -1) + 1, rows.count - 1)
      state.selected = rows[next].identity.pid
      let visible = max(context.size.height - 3, 1)
      if next < state.top { state.top = next }
      if next >= state.top + visible { state.top = next - visible + 1 }
    case .open:
      let index =
        state.selected.flatMap { pid in rows.firstIndex { $0.identity.pid == pid } } ?? (rows.isEmpty ? nil : 0)
      guard let index else { return .none }
      state.selected = rows[index].identity.pid
      switch opener(rows[index], context) {
      case .success(let screen): return .push(screen)
      case .failure(let error): show(error.message, context: context)
      }
    default:
      let select = Key.up.label(context.mode) + Key.down.label(context.mode)
      show(
        "in the process table: M sort by memory, G by growth, / filter, \(select) select, enter open, q quit",
        context: context)
    }
    return .redraw
  }

  /// A chart view of `row`'s process: the RSS the table read in its window first, then live
  /// samples on the same time axis, so the verdict starts from what the table knew.
  static func openChart(_ row: ProcessOverview.Row, context: AppContext) -> Result<any AppScreen, MonitorError> {
    let config = context.config
    let now = context.clock.monotonicSeconds()
    let start = min(row.historyTimes.first ?? now, now)
    var options = config.watchOptions
    // The row chosen is the process wanted: no launcher is followed from here.
    options.followLaunchers = false
    options.elapsedOrigin = start
    let watch: WatchSession
    do {
      watch = try WatchSession(plan: WatchPlan(target: .pid(row.identity.pid), options: options), clock: context.clock)
    } catch {
      return .failure(error)
    }
    guard watch.pid == row.identity.pid, watch.startTicks == row.identity.startTimeTicks else {
      return .failure(
        MonitorError(message: "process \(row.identity.pid) has exited (its pid now belongs to another process)"))
    }
    var session = MonitorApp.session(for: watch, interval: config.interval)
    // Elapsed counts from the table's first reading: the age shown is the age then plus elapsed.
    session.ageAtStart = session.ageAtStart.map { max($0 - (now - start), 0) }
    let screen = ChartScreen(live: WatchSource(watch), session: session, config: config)
    let wallOffset = context.clock.wallSeconds() - now
    screen.seed(
      zip(row.historyTimes, row.history).compactMap { time, rss -> MemorySample? in
        // A failed reading stays a gap.
        guard rss.isFinite, rss >= 0, rss < 0x1p63 else { return nil }
        var sample = MemorySample(timeUnix: wallOffset + time, elapsed: time - start, pid: row.identity.pid)
        sample.rss = UInt64(rss)
        sample.startTicks = row.identity.startTimeTicks
        return sample
      })
    screen.opensFromOverview = true
    return .success(screen)
  }

  /// A flag padded to the legend's column.
  static func pad(_ flag: String) -> String { flag + String(repeating: " ", count: max(0, 9 - flag.count)) }

  func draw(into buffer: inout CellBuffer, context: AppContext) {
    let model = OverviewModel(
      rows: overview.rows, state: state, interval: config.interval, window: overview.window, message: message?.text,
      mode: context.mode)
    OverviewTable(model: model).draw(into: &buffer)
    if showHelp {
      HelpOverlay(
        mode: context.mode, themeName: context.theme.name, scope: .overview,
        details: OverviewTable.legend.map { Self.pad($0.flag) + "  " + $0.meaning }
      )
      .draw(into: &buffer, area: buffer.bounds.droppingTop(2).droppingBottom(1))
    }
  }
}
