import Foundation
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopSystem

/// Starts the monitor: checks and loads everything that can fail with a one-line error before
/// the screen is taken over, then runs the loop and restores the terminal on every exit path.
public enum MonitorApp {
  /// Runs the interactive view; returns the exit status.
  public static func run(_ config: MonitorConfiguration) throws(MonitorError) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let themes = try loadThemes(config, environment: environment)
    StopSignals.install()
    if case .replay(let path, let samples) = config.target {
      return try replay(path: path, samples: samples, config: config, themes: themes)
    }
    if config.target == .overview {
      return try overview(config: config, themes: themes)
    }
    let watch = try startWatch(config)
    // A default log of the command's output goes with memtop; one the user chose stays.
    defer { watch.childLog?.removeIfDefault() }
    // Said before the injection (the first tick), while the terminal is still the user's.
    if let said = watch.python?.announcement { Syscalls.writeStandardError("memtop: " + said + "\n") }
    var session = Self.session(for: watch, interval: config.interval)
    if case .follow(let name) = config.target {
      session = SessionInfo(pid: 0, name: name, interval: config.interval)
      session.limitBytes = config.limitBytes
    }
    session.childOutput = watch.childLog.map { Exporter.absolute($0.path) }
    session.childOutputRemovedAtExit = watch.childLog?.isRemovedAtExit ?? false
    session.recordPath = config.recordPath.map(Exporter.absolute)
    do {
      return try onScreen(config, themes: themes) { _ in
        ChartScreen(live: WatchSource(watch), session: session, config: config)
      }
    } catch {
      watch.finish(.stopped)
      throw error
    }
  }

  /// Starts the watch session for the target, from the plan the configuration makes: it stages
  /// the outputs, resolves, launches and samples; the view only shows what it reports.
  static func startWatch(_ config: MonitorConfiguration) throws(MonitorError) -> WatchSession {
    let target: WatchTarget
    switch config.target {
    case .attach(let pid): target = .pid(pid)
    case .follow(let name): target = .follow(name)
    case .launch(let arguments): target = .launch(arguments)
    case .replay, .overview: throw MonitorError(message: "no single process to watch")
    }
    var plan = WatchPlan(target: target, options: config.watchOptions)
    plan.csv = config.recordPath
    plan.replaceExisting = config.force
    plan.launchOutput = .log(config.childOutput)
    if let path = config.recordPath, plan.leavesOutPythonFile {
      Syscalls.writeStandardError(
        "memtop: --python: the recording goes to \(Sanitizer.terminalSafe(path)), so no Python file is written beside it\n"
      )
    }
    return try WatchSession(plan: plan)
  }

  /// Takes over the terminal, runs the app on the screen `root` makes, restores the terminal,
  /// then prints the outcome's messages; returns its exit status.
  static func onScreen(
    _ config: MonitorConfiguration, themes: [Theme], _ root: (AppContext) -> any AppScreen
  ) throws(MonitorError) -> Int32 {
    try onScreen(config, themes: themes) { context, _ in root(context) }
  }

  /// Takes over the terminal, builds the first screen (which may read input while it loads;
  /// nil when it was asked to stop meanwhile), runs the app, restores the terminal, then prints
  /// the outcome's messages; returns its exit status.
  static func onScreen(
    _ config: MonitorConfiguration, themes: [Theme], _ root: (AppContext, any TerminalBackend) -> (any AppScreen)?
  ) throws(MonitorError) -> Int32 {
    let utf8 = NCursesTerminal.prepareLocale()
    let mode: GlyphMode = config.ascii || !utf8 ? .ascii : .braille
    let terminal = NCursesTerminal()
    do {
      try terminal.start()
    } catch {
      throw MonitorError(message: error.message)
    }
    // After ncurses' own set-up, which installs a SIGTSTP handler that cannot repaint memtop.
    JobControlSignals.install()
    let context = AppContext(clock: SystemClock(), mode: mode, themes: themes, config: config, size: terminal.size)
    let outcome: AppLoop.Outcome
    if let screen = root(context, terminal) {
      outcome = AppLoop(root: screen, backend: terminal, context: context).run()
    } else if let signo = StopSignals.received {
      outcome = AppLoop.Outcome(status: 128 + signo, messages: ["stopped by \(StopSignals.name(signo))"])
    } else {
      outcome = AppLoop.Outcome(status: 0, messages: [])
    }
    terminal.stop()
    JobControlSignals.uninstall()
    // The terminal is back: now it is safe to print.
    for line in outcome.messages { Syscalls.writeStandardError("memtop: " + line + "\n") }
    return outcome.status
  }

  /// The header facts of the process a watch starts on.
  static func session(for watch: WatchSession, interval: Double) -> SessionInfo {
    var session = SessionInfo(pid: watch.pid, name: watch.name, interval: interval)
    session.limitBytes = watch.cgroupLimit?.bytes
    session.ageAtStart = watch.startTicks.flatMap { ProcessAge.read(startTimeTicks: $0) }
    return session
  }

  /// Shows the table of every process; Enter opens one in the chart view, Esc comes back.
  static func overview(config: MonitorConfiguration, themes: [Theme]) throws(MonitorError) -> Int32 {
    try onScreen(config, themes: themes) { context in
      TableScreen(config: config, start: context.start)
    }
  }

  /// Opens a recording in the same view, paused on the whole of it, with the verdict
  /// `memtop analyze` gives on the file.
  static func replay(path: String, samples: [MemorySample], config: MonitorConfiguration, themes: [Theme])
    throws(MonitorError) -> Int32
  {
    var config = config
    config.children = samples.contains { $0.processes != nil }
    let main = RecordingReader.mainSeries(samples)
    let last = main.last
    var session = SessionInfo(pid: last?.pid ?? 0, name: "", interval: Self.typicalInterval(main))
    session.state = .replay(URL(fileURLWithPath: path).lastPathComponent)
    // A --children recording: its totals are sums, and its per-process rows can be shown with p.
    if let processes = last?.processes {
      session.tree = TreeView(processes: processes, totalPSS: main.last { $0.pss != nil }?.pss)
    }
    return try onScreen(config, themes: themes) { _, terminal in
      // A stop signal or q while a long file loads ends the replay at once.
      let stopRequested = {
        if StopSignals.received != nil { return true }
        return terminal.read(timeoutMilliseconds: 0) == .key(.character("q"))
      }
      // The Python data recorded beside it (`NAME.python.jsonl`), for the panel; what was
      // left out of it is said in the panel and again once the terminal is back.
      guard let (python, notes) = pythonData(besideCSV: path, samples: main, stopRequested: stopRequested) else {
        return nil
      }
      // The report is chosen (the leaking member's) and joined with the verdict as it loads.
      guard
        var state = ChartState(
          replaying: samples, session: session, tree: config.children, force: config.force,
          limit: config.replayLimitBytes.map { MemoryLimit(bytes: $0, source: .user) }, python: python,
          interrupted: stopRequested)
      else { return nil }
      state.pythonEmpty =
        if python == nil, let note = notes.first {
          "no Python data: " + note
        } else {
          "no Python data: \(PythonJSONLWriter.path(besideCSV: URL(fileURLWithPath: path).lastPathComponent)) is not beside this recording (record --python writes it)"
        }
      let screen = ChartScreen(replay: state)
      screen.closingNotes = notes
      return screen
    }
  }

  /// The Python data beside a replayed recording with its observer-free RSS points (nil when
  /// there is none) and the notes on what was left out of it; nil when `stopRequested` said
  /// stop while it loaded.
  static func pythonData(
    besideCSV path: String, samples: [MemorySample], stopRequested: () -> Bool = { false }
  ) -> (data: (history: PythonHistory, rss: [(time: Double, bytes: Double)])?, notes: [String])? {
    let file = PythonJSONLWriter.path(besideCSV: path)
    let times = samples.map(\.timeUnix).filter(\.isFinite)
    let run = times.min().flatMap { low in times.max().map { low...$0 } }
    var stopped = false
    let read = PythonRecordingReader.read(file, run: run) {
      stopped = stopped || stopRequested()
      return stopped
    }
    guard let (history, notes) = read else { return stopped ? nil : (nil, []) }
    guard !history.agents.isEmpty else { return (nil, notes) }
    // Python's share is measured against RSS without the observer's own bytes.
    let rss = samples.compactMap { sample in
      sample.observerFree.rss.map { (time: sample.elapsed, bytes: Double($0)) }
    }
    return ((history, rss), notes)
  }

  /// The median step between samples, seconds (1 when there are too few).
  static func typicalInterval(_ samples: [MemorySample]) -> Double {
    guard samples.count > 1 else { return 1 }
    var steps = zip(samples.dropFirst(), samples).map { $0.elapsed - $1.elapsed }.filter { $0 > 0 }
    guard !steps.isEmpty else { return 1 }
    steps.sort()
    return max((steps[steps.count / 2] * 1000).rounded() / 1000, 0.001)
  }

  /// The themes `t` cycles through, the chosen one first: `--theme`, else monochrome under
  /// `NO_COLOR`, else the default.
  static func loadThemes(_ config: MonitorConfiguration, environment: [String: String]) throws(MonitorError) -> [Theme]
  {
    let catalog = ThemeCatalog(themesDir: config.themesDir, environment: environment)
    var names = ThemeCatalog.bundledNames
    let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
    let first = config.theme ?? (noColor ? "monochrome" : "default")
    var themes: [Theme] = []
    do {
      themes.append(try catalog.load(first))
      names.removeAll { $0 == first }
      for name in names { themes.append(try catalog.load(name)) }
    } catch {
      throw MonitorError(message: "theme error: \(error)", status: 64)
    }
    return themes
  }
}
