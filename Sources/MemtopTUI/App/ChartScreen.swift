import MemtopAnalysis
import MemtopCore
import MemtopExport
import MemtopSampling

/// The chart view of one process, tree or recording: a ``ChartState`` that events change
/// through its reducer, the ``SampleSource`` its samples come from, and the frame drawn from
/// the state.
///
/// This adapter only runs the reducer's effects: against the source (marks, flushes, the
/// Python report), the app (theme, quit, back) and the files (export). Live, the source is
/// the ``WatchSession`` `memtop record` drives too; a replay's is the recording, loaded and
/// judged before the view opens.
final class ChartScreen: AppScreen {
  /// The view's state.
  var state: ChartState
  private let source: any SampleSource
  /// Lines said once the terminal is back (a replay's notes on what it left out).
  var closingNotes: [String] = []

  /// A live view of `source`'s samples.
  init(live source: any SampleSource, session: SessionInfo, config: MonitorConfiguration) {
    self.source = source
    // Said on standard error before the screen was taken (read only after quitting): said on
    // the screen too, first.
    state = ChartState(
      live: session, tree: source.watchesTree, force: config.force, announcements: source.announcements)
  }

  /// A replay of a recording loaded and judged in `state`.
  init(replay state: ChartState) {
    self.state = state
    source = RecordingSource(tree: state.watchesTree)
  }

  /// Whether Esc returns to the process table this view was opened from.
  var opensFromOverview: Bool {
    get { state.opensFromOverview }
    set { state.opensFromOverview = newValue }
  }

  /// Pause, zoom, prompts and messages.
  var ui: UIState { state.ui }

  var nextDue: Double? { source.nextDue }

  func poll(now: Double) -> [AppEvent] { source.take(now: now) }

  func finish() -> [String] {
    var messages = closingNotes
    let ended = source.finish(recordPath: state.session.recordPath)
    if let failure = state.outputFailure, !ended.contains(failure) { messages.append(failure) }
    messages += ended
    if let output = state.session.childOutput, !state.session.childOutputRemovedAtExit {
      messages.append("the command's output is in \(output)")
    }
    return messages
  }

  /// Puts readings taken before this view opened (the process table's) on the charts.
  func seed(_ samples: [MemorySample]) { state.seed(samples) }

  // MARK: - Events

  func handle(_ event: AppEvent, in context: AppContext) -> Transition {
    let now = context.elapsed
    let effects = state.reduce(event, now: now, wallSeconds: context.clock.wallSeconds())
    var transition = Transition.none
    for effect in effects {
      switch effect {
      case .redraw: transition = .redraw
      case .quit(let status): return .quit(status: status, messages: [])
      case .pop: return .pop
      case .cycleTheme:
        context.themeIndex = (context.themeIndex + 1) % context.themes.count
        state.themeChanged(to: context.theme.name, now: now)
      case .export(let path, let window): export(to: path, window: window, now: now, context: context)
      case .mark(let label, let holdsRow): source.mark(label, holdsRow: holdsRow)
      case .relabel(let label, let text): source.relabel(label, to: text)
      case .flush(let force): for failure in source.flush(force: force) { state.outputFailed(failure) }
      case .refreshPython:
        // The report of the process the verdict names: its evidence's, else the leaking member's.
        state.pythonReport = source.pythonReport(for: state.sessionVerdict, watched: state.session.pid)
      }
    }
    state.showNextWarning(now: now)
    return transition
  }

  private func export(to path: String, window: TimeWindow?, now: Double, context: AppContext) {
    let timeline = state.shown.timeline
    do {
      let rows =
        if let window {
          try Exporter.export(
            timeline, to: path, from: window.start, to: window.end, replaceExisting: state.force)
        } else {
          try Exporter.export(timeline, to: path, replaceExisting: state.force)
        }
      state.exported(rows: rows, to: path, window: window, error: nil, rangeDash: context.mode.rangeDash, now: now)
    } catch {
      state.exported(rows: nil, to: path, window: window, error: error, rangeDash: context.mode.rangeDash, now: now)
    }
  }

  // MARK: - Drawing

  func draw(into buffer: inout CellBuffer, context: AppContext) {
    let series = state.shown
    let regions = series.regions.assessment(detail: state.shownMember == nil ? source.regionDetail : nil)
    var model = ScreenModel(
      timeline: series.timeline, session: state.shownSession, ui: state.ui, analysis: series.analysis,
      extremes: series.extremes, themeName: context.theme.name, mode: context.mode, regions: regions)
    if state.showsWhere {
      let judged = state.replayAssessment
      model.whereView = WhereModel(
        regions: judged?.regions ?? regions, assessment: judged ?? series.analysis.assessment().withRegions(regions),
        timeline: series.timeline, points: max(buffer.bounds.width - WhereScreen.columns.reduce(0, +), 0))
    }
    model.verdict = state.banner(over: model.verdict)
    let banner = Screen.verdictRows(model.verdict, width: buffer.bounds.width, height: buffer.bounds.height)
    let body = buffer.bounds.droppingTop(Screen.headerHeight).droppingBottom(1 + banner)
    // On a tall terminal the panel shares the screen with the charts (they keep the top
    // half); on a small one it covers them until `y` again.
    let showsPanel = state.showPython && !state.ui.showHelp
    let split = showsPanel && body.height >= ChartState.splitMinimumRows
    if split { model.panelRows = body.height / 2 }
    Screen.draw(model, into: &buffer)
    if showsPanel {
      let area = split ? body.bottom(model.panelRows) : body
      let maximum = PythonPanel(report: state.pythonReport, empty: state.pythonEmpty, mode: context.mode)
        .draw(into: &buffer, area: area, scroll: state.pythonScroll)
      state.limitPythonScroll(to: maximum)
    }
  }
}
