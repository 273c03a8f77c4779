import Foundation
import MemtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// Starts the monitor: checks and loads everything that can fail with a one-line error before
/// the screen is taken over, then runs the loop and restores the terminal on every exit path.
public enum MonitorApp {
  /// Runs the interactive view; returns the exit status.
  public static func run(_ config: MonitorConfiguration) throws(MonitorError) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let themes = try loadThemes(config, environment: environment)
    var recordWriter: CSVFileWriter?
    if let path = config.recordPath {
      do {
        recordWriter = try CSVFileWriter(path: path)
      } catch {
        throw MonitorError(message: error.description)
      }
    }
    StopSignals.install()
    if case .replay(let path, let samples) = config.target {
      return try replay(path: path, samples: samples, config: config, themes: themes)
    }
    if config.target == .overview {
      return try overview(config: config, themes: themes)
    }
    if case .follow(let name) = config.target {
      return try follow(name, config: config, themes: themes, recordWriter: recordWriter)
    }
    let (handle, child, childOutput) = try openTarget(config)
    var session = Self.session(for: handle, interval: config.interval, limitBytes: config.limitBytes)
    session.childOutput = childOutput
    session.recordPath = config.recordPath.map(Exporter.absolute)

    let status: Int32
    do {
      status = try onScreen(config, themes: themes) { context in
        let sampler = makeSampler(
          for: handle, tree: config.children, clock: context.clock, detailBudget: config.detailBudget,
          maxStall: config.maxStall, startMonotonic: context.start)
        let source = SamplerSource(
          sampler: sampler, handle: handle, child: child, clock: context.clock, start: context.start, interval: config.interval)
        return ChartScreen(source: source, session: session, config: config, recordWriter: recordWriter)
      }
    } catch {
      child?.signal(SIGTERM)
      throw error
    }
    if let child, child.poll() == nil { stop(child) }
    return status
  }

  /// Follows the processes named `name` one lifetime after another.
  static func follow(_ name: String, config: MonitorConfiguration, themes: [Theme], recordWriter: CSVFileWriter?) throws(MonitorError) -> Int32 {
    var session = SessionInfo(pid: 0, name: name, interval: config.interval)
    session.limitBytes = config.limitBytes
    session.recordPath = config.recordPath.map(Exporter.absolute)
    return try onScreen(config, themes: themes) { context in
      let clock = context.clock
      let start = context.start
      let sampler = FollowingSampler(name: name) { handle in
        makeSampler(
          for: handle, tree: config.children, clock: clock, detailBudget: config.detailBudget, maxStall: config.maxStall,
          startMonotonic: start)
      }
      let source = SamplerSource(sampler: sampler, handle: nil, child: nil, clock: clock, start: start, interval: config.interval)
      return ChartScreen(source: source, session: session, config: config, recordWriter: recordWriter)
    }
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
    // The terminal is back: now it is safe to print.
    for line in outcome.messages { Syscalls.writeStandardError("memtop: " + line + "\n") }
    return outcome.status
  }

  /// The header facts of a process about to be watched.
  static func session(for handle: ProcessHandle, interval: Double, limitBytes: UInt64? = nil) -> SessionInfo {
    var session = SessionInfo(pid: handle.identity.pid, name: handle.name, interval: interval)
    session.limitBytes = limitBytes ?? handle.readCgroupLimit()?.bytes
    session.ageAtStart = ProcessFacts.readAge(startTimeTicks: handle.identity.startTimeTicks)
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
  static func replay(path: String, samples: [MemorySample], config: MonitorConfiguration, themes: [Theme]) throws(MonitorError) -> Int32 {
    var config = config
    config.children = samples.contains { $0.processes != nil }
    let main = RecordingReader.mainSeries(samples)
    let last = main.last
    var session = SessionInfo(pid: last?.pid ?? 0, name: "", interval: Self.typicalInterval(main))
    session.state = .replay(URL(fileURLWithPath: path).lastPathComponent)
    // A --children recording: its totals are sums, and its per-process rows can be shown with p.
    if let processes = last?.processes { session.tree = TreeView(processes: processes, totalPSS: main.last { $0.pss != nil }?.pss) }
    return try onScreen(config, themes: themes) { _, terminal in
      let screen = ChartScreen(source: nil, session: session, config: config, recordWriter: nil)
      // A stop signal or q while a long file loads ends the replay at once.
      let loaded = screen.load(samples, limit: config.replayLimitBytes.map { MemoryLimit(bytes: $0, source: .user) }) {
        if StopSignals.received != nil { return true }
        return terminal.read(timeoutMilliseconds: 0) == .key(.character("q"))
      }
      return loaded ? screen : nil
    }
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
  static func loadThemes(_ config: MonitorConfiguration, environment: [String: String]) throws(MonitorError) -> [Theme] {
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

  /// Opens the process to watch, launching the command first in launch mode.
  static func openTarget(_ config: MonitorConfiguration) throws(MonitorError) -> (ProcessHandle, ChildProcess?, String?) {
    switch config.target {
    case .attach(let pid):
      do {
        return (try ProcessHandle(pid: pid), nil, nil)
      } catch {
        throw MonitorError(message: error.openMessage(pid: pid))
      }
    case .replay, .overview, .follow:
      throw MonitorError(message: "no single process to open")
    case .launch(let arguments):
      let output = config.childOutput ?? (NSTemporaryDirectory() + "memtop-child-\(getpid()).log")
      // Create the log first, so a bad path is reported as such rather than as a launch failure.
      guard FileManager.default.createFile(atPath: output, contents: nil) else {
        throw MonitorError(message: "cannot create the child output file '\(Sanitizer.terminalSafe(output))'; choose a writable --child-output path")
      }
      let child: ChildProcess
      do {
        child = try ChildProcess(arguments: arguments, outputPath: output)
      } catch {
        throw MonitorError(message: error.description, status: 127)
      }
      do {
        return (try ProcessHandle(pid: child.pid), child, Exporter.absolute(output))
      } catch {
        let termination = child.waitForExit()
        throw MonitorError(
          message: "'\(Sanitizer.terminalSafe(arguments[0]))' \(termination) before it could be sampled; its output is in \(output)",
          status: termination.shellStatus)
      }
    }
  }


  /// Ends a launched command that outlived the view, and the workers it started: SIGTERM,
  /// then SIGKILL after 2 s.
  static func stop(_ child: ChildProcess) {
    // Its workers are found first: once it dies they are reparented and no longer its own.
    let scanner = ProcessScanner()
    let workers = scanner.newDescendants(of: [child.pid])
    child.signal(SIGTERM)
    for worker in workers { kill(worker.pid, SIGTERM) }
    /// Workers still running (same pid and start time).
    func remaining() -> [ProcessIdentity] {
      scanner.scan()
      return workers.filter { scanner.entries[$0.pid]?.startTimeTicks == $0.startTimeTicks }
    }
    for _ in 0..<20 {
      if child.poll() != nil && remaining().isEmpty { return }
      usleep(100_000)
    }
    child.signal(SIGKILL)
    for worker in remaining() { kill(worker.pid, SIGKILL) }
    _ = child.waitForExit()
  }
}
