import Foundation
import MemtopSampling
import Testing

@testable import MemtopTUI

#if canImport(Glibc)
import Glibc
#endif

/// The mouse through the test terminal: clicks and the wheel arrive as ``TerminalInput/mouse(_:)``
/// and drive the same actions as the keys. (The real terminal's decoding of the mouse is
/// ncurses'; `MouseEndToEndTests` types xterm mouse reports into a real memtop in tmux.)
@Suite("Mouse through the test terminal")
struct MouseTests {
  @Test("the wheel zooms the chart view: away from the user in, towards out")
  func wheelZooms() {
    let (app, terminal, screen) = AppLoopTests.chartApp(samples: 200)
    #expect(screen.ui.span == 60)
    app.send(.mouse(MouseEvent(.wheelUp, x: 50, y: 10)))
    #expect(screen.ui.span == 30)
    app.draw()
    #expect(terminal.text.contains("window 30 s"))
    app.send(.mouse(MouseEvent(.wheelDown, x: 50, y: 10)))
    app.send(.mouse(MouseEvent(.wheelDown, x: 50, y: 10)))
    #expect(screen.ui.span == 300)
    // Clicks in the chart view do nothing.
    let before = screen.ui
    app.send(.mouse(MouseEvent(.click, x: 5, y: 5)))
    #expect(screen.ui == before)
  }

  @Test("while paused the wheel scrolls in time instead: away from the user back, towards forward")
  func wheelScrollsWhilePaused() {
    let (app, _, screen) = AppLoopTests.chartApp(samples: 200)
    app.send(.key(.character(" ")))
    #expect(screen.ui.paused)
    let end = screen.ui.window(latest: 199).end
    app.send(.mouse(MouseEvent(.wheelUp, x: 50, y: 10)))
    #expect(screen.ui.span == 60, "no zoom while paused")
    #expect(screen.ui.window(latest: 199).end == end - 15)
    app.send(.mouse(MouseEvent(.wheelDown, x: 50, y: 10)))
    #expect(screen.ui.window(latest: 199).end == end)
  }

  @Test("the mouse closes the help, and leaves an open prompt alone")
  func helpAndPrompt() {
    let (app, _, screen) = AppLoopTests.chartApp(samples: 30)
    app.send(.key(.character("?")))
    #expect(screen.ui.showHelp)
    app.send(.mouse(MouseEvent(.wheelUp, x: 1, y: 1)))
    #expect(!screen.ui.showHelp)
    #expect(screen.ui.span == 60, "the wheel that closed the help did not zoom")
    app.send(.key(.character("e")))
    let prompt = screen.ui.exportPrompt
    #expect(prompt != nil)
    app.send(.mouse(MouseEvent(.wheelUp, x: 1, y: 1)))
    #expect(screen.ui.exportPrompt == prompt && screen.ui.span == 60)
  }

  @Test("the run loop reads mouse events from the terminal like keys")
  func runLoopReadsMouse() {
    let (app, terminal, screen) = AppLoopTests.chartApp(samples: 30)
    terminal.script = [.mouse(MouseEvent(.wheelUp, x: 3, y: 3)), .key(.character("q"))]
    let outcome = app.run()
    #expect(outcome.status == 0)
    #expect(screen.ui.span == 30)
  }

  /// The process table of this machine's processes, drawn at 140×30, with opening replaced by
  /// a stand-in that records the row.
  static func table() -> (AppLoop, TestTerminal, TableScreen, () -> [Int32]) {
    let clock = SystemClock()
    let config = MonitorConfiguration(target: .overview, interval: 1)
    let terminal = TestTerminal(width: 140, height: 30)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let table = TableScreen(config: config, start: context.start)
    let opened = Opened()
    table.opener = { row, context in
      opened.pids.append(row.identity.pid)
      let chart = ChartScreen(
        live: FedSource(), session: SessionInfo(pid: row.identity.pid, name: row.name, interval: 1), config: config)
      chart.opensFromOverview = true
      return .success(chart)
    }
    let app = AppLoop(root: table, backend: terminal, context: context)
    app.send(.refresh)
    app.draw()
    return (app, terminal, table, { opened.pids })
  }

  final class Opened {
    var pids: [Int32] = []
  }

  @Test("in the table a click selects the row under it, a second click opens it; esc comes back")
  func clickSelectsThenOpens() throws {
    let (app, terminal, table, opened) = Self.table()
    let rows = table.rows
    try #require(rows.count >= 3, "this machine lists at least three processes")
    // Rows start on the third line (y = 2): the third row is at y = 4.
    app.send(.mouse(MouseEvent(.click, x: 20, y: 4)))
    #expect(table.state.selected == rows[2].identity.pid)
    #expect(opened().isEmpty && app.stack.count == 1)
    app.draw()
    #expect(terminal.lines[4].contains(String(rows[2].identity.pid)))
    // Another row: selected, not opened.
    app.send(.mouse(MouseEvent(.click, x: 20, y: 3)))
    #expect(table.state.selected == rows[1].identity.pid)
    #expect(opened().isEmpty)
    // The selected row again: opened.
    app.send(.mouse(MouseEvent(.click, x: 20, y: 3)))
    #expect(opened() == [rows[1].identity.pid])
    #expect(app.stack.count == 2)
    app.send(.key(.escape))
    #expect(app.stack.count == 1)
  }

  @Test("in the table a double click opens the row under it at once")
  func doubleClickOpens() throws {
    let (app, _, table, opened) = Self.table()
    let rows = table.rows
    try #require(rows.count >= 2)
    app.send(.mouse(MouseEvent(.doubleClick, x: 10, y: 3)))
    #expect(opened() == [rows[1].identity.pid])
    #expect(table.state.selected == rows[1].identity.pid)
    #expect(app.stack.count == 2)
  }

  @Test("in the table clicks off the rows (header, status bar, below the last row) do nothing")
  func clicksOffRows() throws {
    let (app, _, table, opened) = Self.table()
    for y in [0, 1, 29, 100] {
      app.send(.mouse(MouseEvent(.click, x: 10, y: y)))
      app.send(.mouse(MouseEvent(.doubleClick, x: 10, y: y)))
    }
    #expect(table.state.selected == nil)
    #expect(opened().isEmpty)
  }

  @Test("in the table the wheel moves the selection, as the arrow keys do")
  func wheelMovesSelection() throws {
    let (app, _, table, opened) = Self.table()
    let rows = table.rows
    try #require(rows.count >= 3)
    app.send(.mouse(MouseEvent(.wheelDown, x: 10, y: 10)))
    #expect(table.state.selected == rows[0].identity.pid)
    app.send(.mouse(MouseEvent(.wheelDown, x: 10, y: 10)))
    app.send(.mouse(MouseEvent(.wheelDown, x: 10, y: 10)))
    #expect(table.state.selected == rows[2].identity.pid)
    app.send(.mouse(MouseEvent(.wheelUp, x: 10, y: 10)))
    #expect(table.state.selected == rows[1].identity.pid)
    #expect(opened().isEmpty)
  }

  @Test("the filter prompt takes no clicks")
  func filterPromptIgnoresMouse() throws {
    let (app, _, table, opened) = Self.table()
    try #require(table.rows.count >= 2)
    app.send(.key(.character("/")))
    app.send(.mouse(MouseEvent(.doubleClick, x: 10, y: 3)))
    #expect(opened().isEmpty && table.state.selected == nil)
    #expect(table.state.filterPrompt != nil)
  }
}
