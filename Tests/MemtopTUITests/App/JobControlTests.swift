import Testing

@testable import MemtopTUI

/// Ctrl-z and SIGCONT through the test terminal: the terminal is given back before memtop
/// stops, and taken back with every cell drawn again when it continues.
@Suite("job control through the test terminal")
struct JobControlTests {
  @Test("continued (SIGCONT): the terminal is taken back and every cell drawn again, though nothing changed")
  func continueRepaintsAll() {
    let (app, terminal, _) = AppLoopTests.chartApp()
    #expect(terminal.fullRepaints == 1)
    let flushes = terminal.flushes
    let screen = terminal.text
    // Nothing changed: no frame goes out.
    app.draw()
    #expect(terminal.flushes == flushes)
    app.send(.continued)
    #expect(terminal.resumes == 1)
    app.draw()
    #expect(terminal.flushes == flushes + 1)
    #expect(terminal.fullRepaints == 2)
    #expect(terminal.text == screen)
    #expect(app.outcome == nil)
  }

  @Test("ctrl-z (SIGTSTP): the terminal is given back before memtop stops, and taken back and repainted after")
  func suspendThenContinue() {
    let (app, terminal, _) = AppLoopTests.chartApp()
    var signals = [(suspend: true, continued: false)]
    app.pendingSignal = { nil }
    app.pendingJobControl = { signals.isEmpty ? (false, false) : signals.removeFirst() }
    var stops: [(suspends: Int, resumes: Int)] = []
    app.stopSelf = { stops.append((terminal.suspends, terminal.resumes)) }
    terminal.script = [.key(.character("q"))]
    let outcome = app.run()
    #expect(outcome.status == 0)
    // Stopped once, with the terminal given back and not yet taken back.
    #expect(stops.count == 1)
    #expect(stops.first?.suspends == 1 && stops.first?.resumes == 0)
    #expect(terminal.resumes == 1)
    #expect(terminal.fullRepaints == 2)
    #expect(terminal.lines[0].hasPrefix("memtop"), "\(terminal.lines[0])")
  }
}
