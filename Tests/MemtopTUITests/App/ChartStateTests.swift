import MemtopCore
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopSampling
@testable import MemtopTUI

/// The chart view's reducer, event by event, with no terminal, clock or watch: what each key
/// and sample changes, and which effects it asks the screen to run.
@Suite("chart state")
struct ChartStateTests {
  static let wall = 1_764_000_000.0

  static func live(samples: Int = 0, tree: Bool = false) -> ChartState {
    var state = ChartState(
      live: SessionInfo(pid: 4242, name: "python3", interval: 1), tree: tree, force: false)
    for i in 0..<samples {
      _ = state.reduce(.sample(SampleReport(.sample(AppLoopTests.sample(i)))), now: 0, wallSeconds: wall)
    }
    return state
  }

  static func keys(_ text: String, into state: inout ChartState, now: Double = 1) -> [ChartEffect] {
    text.flatMap { state.reduce(.key(.character($0)), now: now, wallSeconds: wall) }
  }

  @Test("m marks the latest sample and holds its row; the label typed relabels it, Esc keeps the name")
  func marker() {
    var state = Self.live()
    #expect(state.reduce(.key(.character("m")), now: 1, wallSeconds: Self.wall) == [.redraw])
    #expect(state.ui.message?.text == "no sample to mark yet")
    state = Self.live(samples: 5)
    #expect(Self.keys("m", into: &state) == [.mark("marker 1", holdsRow: true), .redraw])
    #expect(state.total.timeline.markers.values.contains("marker 1"))
    // Samples keep coming while the label is typed; the prompt stays open.
    #expect(
      state.reduce(.sample(SampleReport(.sample(AppLoopTests.sample(5)))), now: 2, wallSeconds: Self.wall) == [
        .redraw
      ])
    #expect(Self.keys("gc", into: &state) == [.redraw, .redraw])
    #expect(state.reduce(.key(.enter), now: 3, wallSeconds: Self.wall) == [.relabel("marker 1", to: "gc"), .redraw])
    #expect(state.total.timeline.markers.values.contains("gc"))
    #expect(state.ui.markerPrompt == nil)
    _ = Self.keys("m", into: &state)
    #expect(state.reduce(.key(.escape), now: 4, wallSeconds: Self.wall) == [.relabel("marker 2", to: nil), .redraw])
    #expect(state.ui.message?.text == "marker 2 kept without a label")
  }

  @Test("e proposes a file name; Enter asks for the export, '-' is refused with the reason")
  func export() {
    var state = Self.live(samples: 3)
    _ = Self.keys("e", into: &state)
    let proposed = Exporter.defaultFileName(pid: 4242, wallSeconds: Self.wall)
    #expect(state.ui.exportPrompt?.text == proposed)
    #expect(
      state.reduce(.key(.enter), now: 2, wallSeconds: Self.wall) == [.export(path: proposed, window: nil), .redraw])
    _ = Self.keys("e", into: &state)
    for _ in proposed { _ = state.reduce(.key(.backspace), now: 2, wallSeconds: Self.wall) }
    _ = Self.keys("-", into: &state)
    #expect(state.reduce(.key(.enter), now: 2, wallSeconds: Self.wall) == [.redraw])
    #expect(state.ui.message?.isError == true)
    #expect(state.ui.message?.text.contains("export needs a file name") == true)
  }

  @Test("a replay exports the window on screen, and its banner is the file's verdict")
  func replayExport() throws {
    var session = SessionInfo(pid: 4242, name: "", interval: 1)
    session.state = .replay("r.csv")
    var state = try #require(
      ChartState(
        replaying: (0...20).map(AppLoopTests.sample), session: session, tree: false, force: false, limit: nil))
    #expect(state.replays && state.ui.paused)
    _ = Self.keys("+e", into: &state)
    let proposed = Exporter.defaultFileName(pid: 4242, wallSeconds: Self.wall)
    #expect(
      state.reduce(.key(.enter), now: 2, wallSeconds: Self.wall) == [
        .export(path: proposed, window: TimeWindow(start: 10, end: 20)), .redraw,
      ])
    let pending = VerdictModel(headline: "gathering evidence", detail: "", role: .verdictPending)
    #expect(state.banner(over: pending) != pending)
    // m in a replay marks the window's last sample in the view only: nothing is recorded.
    #expect(!Self.keys("m", into: &state).contains { if case .mark = $0 { return true } else { return false } })
  }

  @Test("the launched command's status is the one q quits with; a tick flushes, the target's end flushes all")
  func quitAndFlush() {
    var state = Self.live(samples: 2)
    #expect(state.reduce(.tick, now: 1, wallSeconds: Self.wall) == [.flush(force: false)])
    #expect(Self.keys("q", into: &state) == [.quit(status: 0)])
    let exit = ProcessExit(identity: ProcessIdentity(pid: 4242, startTimeTicks: 1), name: "python3", reason: .exited)
    #expect(
      state.reduce(.sample(SampleReport(.exited(exit))), now: 2, wallSeconds: Self.wall).contains(.flush(force: true)))
    _ = state.reduce(.childExited(.exited(3)), now: 2, wallSeconds: Self.wall)
    #expect(Self.keys("q", into: &state) == [.quit(status: 3)])
  }

  @Test("a new pid under the same watch marks a restart in the recording too")
  func restart() {
    var state = Self.live(samples: 3)
    var sample = AppLoopTests.sample(3)
    sample.pid = 5151
    let effects = state.reduce(.sample(SampleReport(.sample(sample))), now: 3, wallSeconds: Self.wall)
    #expect(effects == [.mark("restart: PID 5151", holdsRow: false), .redraw])
    #expect(state.session.pid == 5151)
  }

  @Test("y asks for the Python report only when an agent was asked for; its hello is announced once")
  func python() {
    var state = Self.live(samples: 1)
    #expect(Self.keys("y", into: &state) == [.redraw])
    #expect(state.showPython)
    _ = Self.keys("y", into: &state)
    var report = SampleReport(.sample(AppLoopTests.sample(1)))
    report.pythonGreeted = false
    _ = state.reduce(.sample(report), now: 2, wallSeconds: Self.wall)
    #expect(state.pythonEmpty.hasPrefix("waiting for the Python agent"))
    report.pythonGreeted = true
    _ = state.reduce(.sample(report), now: 3, wallSeconds: Self.wall)
    #expect(state.ui.message?.text == "Python agent connected: y shows the Python panel")
    #expect(Self.keys("y", into: &state, now: 4) == [.refreshPython, .redraw])
    // While the panel shows, a sample asks again at most every 2 s.
    #expect(state.reduce(.sample(report), now: 5, wallSeconds: Self.wall) == [.redraw])
    #expect(state.reduce(.sample(report), now: 6.5, wallSeconds: Self.wall) == [.refreshPython, .redraw])
  }

  @Test("a watch that turns out to be a tree after the view opened (a launcher's work) shows its processes")
  func becomesTree() {
    var state = Self.live()
    #expect(!state.watchesTree)
    var report = SampleReport(.sample(AppLoopTests.sample(0)))
    report.watchesTree = true
    var member = AppLoopTests.sample(0)
    member.pid = 5151
    report.members = [MemberSample(sample: member, name: "worker")]
    _ = state.reduce(.sample(report), now: 1, wallSeconds: Self.wall)
    #expect(state.watchesTree)
    #expect(state.total.analysis.isTree)
    #expect(state.session.tree != nil)
    #expect(state.members.map(\.pid) == [5151])
    #expect(Self.keys("p", into: &state).contains(.redraw))
    #expect(state.shownMember == 0)
  }

  @Test("Esc goes back only from a view opened from the table")
  func back() {
    var state = Self.live(samples: 1)
    #expect(state.reduce(.key(.escape), now: 1, wallSeconds: Self.wall) == [])
    state.opensFromOverview = true
    #expect(state.reduce(.key(.escape), now: 1, wallSeconds: Self.wall) == [.pop])
  }

  @Test("the screen runs the effects against its source: the mark, the label and a failed output")
  func screenRunsEffects() {
    final class Spy: SampleSource {
      var calls: [String] = []
      var failures: [String] = []
      var nextDue: Double? { nil }
      func take(now: Double) -> [AppEvent] { [] }
      func mark(_ label: String, holdsRow: Bool) { calls.append("mark \(label) \(holdsRow)") }
      func relabel(_ label: String, to text: String?) { calls.append("relabel \(label) \(text ?? "-")") }
      func flush(force: Bool) -> [String] {
        defer { failures = [] }
        return failures
      }
    }
    let spy = Spy()
    let clock = ManualClock()
    let (app, terminal, _) = AppLoopTests.chartApp(samples: 5, width: 120, height: 40, clock: clock, source: spy)
    app.send(.key(.character("m")))
    AppLoopTests.type("gc", into: app)
    app.send(.key(.enter))
    #expect(spy.calls == ["mark marker 1 true", "relabel marker 1 gc"])
    // Once the label's message has gone, a tick's failed flush is said on the status bar.
    clock.now += 10
    spy.failures = ["disk full"]
    app.send(.tick)
    app.draw()
    #expect(terminal.text.contains("recording stopped: disk full"), "\(terminal.text)")
  }
}

@Suite("line editor")
struct LineEditorTests {
  @Test("characters are typed up to the limit, Backspace removes one, Enter submits and Esc cancels")
  func editing() {
    var editor = LineEditor("ab", limit: 3)
    #expect(editor.apply(.character("c")) == .editing)
    #expect(editor.apply(.character("d")) == .editing)
    #expect(editor.text == "abc")
    #expect(editor.apply(.backspace) == .editing && editor.text == "ab")
    #expect(editor.apply(.left) == .editing && editor.text == "ab")
    #expect(editor.apply(.enter) == .submitted("ab"))
    #expect(editor.apply(.escape) == .cancelled)
    var empty = LineEditor()
    #expect(empty.apply(.backspace) == .editing && empty.text.isEmpty)
    #expect(LineEditor("abcdef", limit: 4).text == "abcd")
  }
}
