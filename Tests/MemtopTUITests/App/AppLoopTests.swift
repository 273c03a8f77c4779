import Foundation
import MemtopCore
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

@testable import MemtopTUI

#if canImport(Glibc)
import Glibc
#endif

/// The whole app — screens on a stack, one event at a time — driven through the in-memory
/// terminal and read back as text.
@Suite("App through the test terminal")
struct AppLoopTests {
  static let mib: UInt64 = 1024 * 1024

  /// A chart view fed `count` fabricated samples one second apart (no sampling source).
  static func chartApp(
    samples count: Int = 30, width: Int = 120, height: Int = 40, clock: ManualClock = ManualClock(),
    source: any SampleSource = FedSource()
  ) -> (AppLoop, TestTerminal, ChartScreen) {
    let config = MonitorConfiguration(target: .attach(4242), interval: 1)
    let terminal = TestTerminal(width: width, height: height)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let screen = ChartScreen(
      live: source, session: SessionInfo(pid: 4242, name: "python3", interval: 1), config: config)
    let app = AppLoop(root: screen, backend: terminal, context: context)
    for i in 0..<count { app.send(.sample(SampleReport(.sample(sample(i))))) }
    app.draw()
    return (app, terminal, screen)
  }

  static func sample(_ i: Int) -> MemorySample {
    var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 4242)
    sample.rss = 40 * mib + UInt64(i) * 64 * 1024
    sample.anon = 24 * mib + UInt64(i) * 64 * 1024
    sample.heap = 16 * mib
    return sample
  }

  static func type(_ text: String, into app: AppLoop) {
    for c in text { app.send(.key(.character(c))) }
  }

  @Test("q and F10 quit with status 0; keys after the end change nothing")
  func quitKeys() {
    for key in [Key.character("q"), .function(10)] {
      let (app, _, _) = Self.chartApp()
      app.send(.key(key))
      #expect(app.outcome == AppLoop.Outcome(status: 0, messages: []))
      app.send(.key(.character("?")))
      #expect(app.outcome?.status == 0)
    }
  }

  @Test(
    "?, h and F1 open the help overlay listing both quit keys; any key closes it",
    arguments: [Key.character("?"), .character("h"), .function(1)])
  func helpOverlay(key: Key) {
    let (app, terminal, _) = Self.chartApp()
    #expect(!terminal.text.contains("memtop keys"))
    app.send(.key(key))
    app.draw()
    #expect(terminal.text.contains("memtop keys"))
    #expect(terminal.text.contains("q F10"))
    #expect(terminal.text.contains("? h F1"))
    #expect(terminal.text.contains("stops a command memtop launched, and its workers"))
    app.send(.key(.character("x")))
    app.draw()
    #expect(!terminal.text.contains("memtop keys"))
    #expect(!app.isFinished)
  }

  @Test("a resize redraws at the new size, and small sizes degrade instead of refusing")
  func resize() {
    let (app, terminal, _) = Self.chartApp()
    #expect(terminal.lines.count == 40 && terminal.lines[0].count == 120)
    terminal.script = [.resize(width: 80, height: 16)]
    if case .resize(let w, let h) = terminal.read(timeoutMilliseconds: 0) { app.send(.resize(width: w, height: h)) }
    app.draw()
    #expect(terminal.lines.count == 16 && terminal.lines[0].count == 80)
    #expect(app.context.size.width == 80 && app.context.size.height == 16)
    #expect(!terminal.text.contains("too small"), "\(terminal.text)")
    #expect(
      terminal.text.contains("RSS  now") && !terminal.text.contains("heap  now"),
      "one chart at 80x16:\n\(terminal.text)")
    // Smaller still: the summary; back at full size every chart returns with its history.
    terminal.script = [.resize(width: 12, height: 4), .resize(width: 120, height: 40)]
    if case .resize(let w, let h) = terminal.read(timeoutMilliseconds: 0) { app.send(.resize(width: w, height: h)) }
    app.draw()
    #expect(terminal.lines[0] == "PID 4242 RSS", "\(terminal.lines)")
    if case .resize(let w, let h) = terminal.read(timeoutMilliseconds: 0) { app.send(.resize(width: w, height: h)) }
    app.draw()
    #expect(terminal.text.contains("anon  now") && terminal.lines[1].hasPrefix("30 samples"))
  }

  @Test("the target's exit shows in the header and the view stays open")
  func targetExit() throws {
    let sleeper = try TestProcess(["sleep", "60"])
    let pid = sleeper.pid
    let clock = SystemClock()
    let config = MonitorConfiguration(target: .attach(pid), interval: 0.2)
    let terminal = TestTerminal(width: 100, height: 30)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let watch = try WatchSession(plan: WatchPlan(target: .pid(pid), options: WatchOptions(interval: 0.2)), clock: clock)
    let source = WatchSource(watch)
    let app = AppLoop(
      root: ChartScreen(live: source, session: SessionInfo(pid: pid, name: "sleep", interval: 0.2), config: config),
      backend: terminal, context: context)
    func pump(until condition: () -> Bool) {
      let deadline = clock.monotonicSeconds() + 30
      while !condition() && clock.monotonicSeconds() < deadline {
        app.pump()
        app.draw()
        usleep(50_000)
      }
    }
    pump { terminal.text.contains("3 samples") }
    #expect(terminal.lines[0].contains("running"), "\(terminal.lines[0])")
    sleeper.stop()
    pump { terminal.lines[0].contains("target exited") }
    #expect(terminal.lines[0].contains("target exited"), "\(terminal.lines[0])")
    #expect(source.nextDue == nil)
    #expect(!app.isFinished)
  }

  @Test("a stopped target says stopped, not running")
  func stoppedTarget() {
    let (app, terminal, _) = Self.chartApp()
    var report = SampleReport(.sample(Self.sample(30)))
    report.stopped = true
    app.send(.sample(report))
    app.draw()
    #expect(terminal.lines[0].contains("stopped") && !terminal.lines[0].contains("running"), "\(terminal.lines[0])")
    app.send(.sample(SampleReport(.sample(Self.sample(31)))))
    app.draw()
    #expect(terminal.lines[0].contains("running"))
  }

  @Test("a stop signal ends the app with 128 + its number, and says so")
  func signal() {
    let (app, _, _) = Self.chartApp()
    app.pendingSignal = { SIGTERM }
    let outcome = app.run()
    #expect(outcome.status == 128 + SIGTERM)
    #expect(outcome.messages.first == "stopped by SIGTERM")
  }

  @Test("run reads scripted keys until q")
  func runScript() {
    let (app, terminal, _) = Self.chartApp()
    terminal.script = [.key(.character(" ")), .key(.character("q"))]
    app.pendingSignal = { nil }
    let outcome = app.run()
    #expect(outcome.status == 0)
    #expect(terminal.text.contains("PAUSED"))
  }

  @Test("the export prompt writes the typed file; esc cancels it")
  func exportPrompt() throws {
    let (app, terminal, _) = Self.chartApp(samples: 12)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-app-\(UUID()).csv").path
    defer { unlink(path) }
    app.send(.key(.character("e")))
    app.draw()
    #expect(terminal.text.contains("Export CSV to: memtop-4242-"))
    app.send(.key(.escape))
    app.draw()
    #expect(!terminal.text.contains("Export CSV to"))
    #expect(!FileManager.default.fileExists(atPath: path))

    app.send(.key(.character("e")))
    for _ in 0..<80 { app.send(.key(.backspace)) }
    Self.type(path, into: app)
    app.send(.key(.enter))
    app.draw()
    #expect(terminal.text.contains("exported 12 samples"), "\(terminal.lines.last ?? "")")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.split(separator: "\n").count == 13)
  }

  @Test("m opens a label prompt; the typed label is the marker's text in the export")
  func markerLabel() throws {
    let (app, terminal, _) = Self.chartApp(samples: 5)
    app.send(.key(.character("m")))
    app.draw()
    #expect(terminal.text.contains("Label for marker 1:"))
    Self.type("warm up", into: app)
    app.send(.key(.enter))
    app.draw()
    #expect(terminal.text.contains("warm up at"))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-mark-\(UUID()).csv").path
    defer { unlink(path) }
    app.send(.key(.character("e")))
    for _ in 0..<80 { app.send(.key(.backspace)) }
    Self.type(path, into: app)
    app.send(.key(.enter))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("warm up"))
    #expect(!text.contains("marker 1"))
  }

  @Test("a label typed while --record streams reaches the marked row")
  func markerLabelRecorded() throws {
    let child = try TestProcess(["sleep", "60"])
    defer { child.stop() }
    let pid = child.pid
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-rec-\(UUID()).csv").path
    defer { unlink(path) }
    // The real pipeline: a watch of a real process on a manual clock, streaming to the file.
    let clock = ManualClock(now: 100)
    let watch = try WatchSession(plan: WatchPlan(target: .pid(pid), options: WatchOptions(interval: 1)), clock: clock)
    watch.add(CSVSink(try CSVFileWriter(path: path)))
    let config = MonitorConfiguration(target: .attach(pid), interval: 1)
    let terminal = TestTerminal(width: 120, height: 40)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    var session = SessionInfo(pid: pid, name: "sleep", interval: 1)
    session.recordPath = path
    let app = AppLoop(
      root: ChartScreen(live: WatchSource(watch), session: session, config: config), backend: terminal,
      context: context)
    func tick() {
      app.pump()
      clock.now += 1
    }
    for _ in 0..<3 { tick() }
    app.send(.key(.character("m")))
    // Samples go on arriving while the label is typed.
    for _ in 3..<8 { tick() }
    Self.type("gc", into: app)
    app.send(.key(.enter))
    app.send(.key(.character("q")))
    let outcome = app.finish()
    #expect(outcome.messages.contains { $0.contains("recorded 8 samples") })
    let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 9)
    #expect(rows.filter { $0.contains("gc") }.count == 1)
    #expect(rows[3].contains("gc"), "the marker belongs to the third sample: \(rows)")
  }

  @Test("zoom: + from all on 20 s of data goes to 10 s; live, - keeps a window longer than the data; a fits all")
  func zoom() {
    let (app, terminal, screen) = Self.chartApp(samples: 21)
    app.send(.key(.character("a")))
    #expect(screen.ui.span == nil)
    app.send(.key(.character("+")))
    app.draw()
    #expect(screen.ui.span == 10)
    #expect(terminal.text.contains("window 10 s"))
    app.send(.key(.character("+")))
    #expect(screen.ui.span == 10)
    app.send(.key(.character("-")))
    #expect(screen.ui.span == 30, "live, the data moves into a longer window")
    app.send(.key(.character("a")))
    #expect(screen.ui.span == nil)
  }

  @Test("in a replay of 20 s, - from 10 s is the whole recording, and space plays it to its end")
  func replayZoomAndPlay() {
    let clock = ManualClock()
    let config = MonitorConfiguration(target: .replay(path: "r.csv", samples: []), interval: 1)
    let terminal = TestTerminal(width: 120, height: 40)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    var session = SessionInfo(pid: 4242, name: "", interval: 1)
    session.state = .replay("r.csv")
    let screen = ChartScreen(
      replay: ChartState(replaying: (0...20).map(Self.sample), session: session, tree: false, force: false, limit: nil)!
    )
    let app = AppLoop(root: screen, backend: terminal, context: context)
    #expect(screen.ui.span == nil)
    app.send(.key(.character("+")))
    #expect(screen.ui.span == 10)
    app.send(.key(.character("-")))
    #expect(screen.ui.span == nil)
    app.send(.key(.character(" ")))
    #expect(screen.state.playback != nil)
    #expect(screen.ui.span == 10)
    #expect(screen.ui.window(latest: 20) == (0, 10))
    clock.now += 4
    app.send(.tick)
    #expect(screen.ui.window(latest: 20) == (4, 14))
    clock.now += 30
    app.send(.tick)
    app.draw()
    #expect(screen.state.playback == nil)
    #expect(screen.ui.window(latest: 20) == (10, 20))
    #expect(terminal.text.contains("end of the recording"))
  }

  @Test("the launched command's end arrives as an event and is shown with its status")
  func childExit() throws {
    let clock = SystemClock()
    let config = MonitorConfiguration(target: .launch(["sh", "-c", "sleep 1; exit 3"]), interval: 0.2)
    var plan = WatchPlan(target: .launch(["sh", "-c", "sleep 1; exit 3"]), options: WatchOptions(interval: 0.2))
    plan.launchOutput = .log("/dev/null")
    let watch = try WatchSession(plan: plan, clock: clock)
    let terminal = TestTerminal(width: 100, height: 30)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let source = WatchSource(watch)
    let screen = ChartScreen(
      live: source, session: SessionInfo(pid: watch.pid, name: "sh", interval: 0.2), config: config)
    let app = AppLoop(root: screen, backend: terminal, context: context)
    let deadline = clock.monotonicSeconds() + 30
    while screen.state.childTermination == nil && clock.monotonicSeconds() < deadline {
      app.pump()
      app.draw()
      usleep(50_000)
    }
    #expect(screen.state.childTermination == .exited(3))
    #expect(terminal.lines[0].contains("exited with status 3"), "\(terminal.lines[0])")
    #expect(source.nextDue == nil)
  }

  @Test("process table → Enter opens a chart of the selected process → Esc comes back")
  func tableToChartAndBack() throws {
    let clock = SystemClock()
    var config = MonitorConfiguration(target: .overview, interval: 1)
    config.children = false
    let terminal = TestTerminal(width: 140, height: 30)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let table = TableScreen(config: config, start: context.start)
    let app = AppLoop(root: table, backend: terminal, context: context)
    for _ in 0..<3 {
      app.send(.refresh)
      usleep(20_000)
    }
    app.draw()
    #expect(terminal.lines[0].contains("all processes"))
    // Filter on our own pid, so Enter opens this test process.
    let me = String(getpid())
    app.send(.key(.character("/")))
    Self.type(me, into: app)
    app.send(.key(.enter))
    app.draw()
    #expect(terminal.text.contains(me))
    app.send(.key(.enter))
    #expect(app.stack.count == 2)
    // Before its first own sample, the chart already has the table's three readings.
    app.draw()
    #expect(terminal.lines[1].hasPrefix("3 samples"), "\(terminal.lines[1])")
    #expect(terminal.lines[2].hasPrefix("RSS  now") && !terminal.lines[2].contains("now n/a"), "\(terminal.lines[2])")
    let deadline = clock.monotonicSeconds() + 30
    while !terminal.lines[0].contains("PID \(me)") && clock.monotonicSeconds() < deadline {
      app.pump()
      app.draw()
      usleep(50_000)
    }
    #expect(terminal.lines[0].contains("PID \(me)"), "\(terminal.lines[0])")
    #expect(terminal.text.contains("RSS"))
    app.send(.key(.escape))
    app.draw()
    #expect(app.stack.count == 1)
    #expect(terminal.lines[0].contains("all processes"))
    #expect(!app.isFinished)
    app.send(.key(.character("q")))
    #expect(app.outcome?.status == 0)
  }
}
