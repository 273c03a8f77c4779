import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The mouse in a real memtop in tmux. `tmux send-keys -M` forwards only a real mouse event,
/// so the tests type what a terminal sends for one (xterm's X10 report, `ESC [ M` and three
/// bytes: button + 32, column + 33, row + 33) with `send-keys -H`: ncurses in memtop decodes
/// it as from a terminal. tmux reports whether the program in the pane asked for the mouse
/// (`#{mouse_any_flag}`), which shows mouse reporting is turned off again at the end.
@Suite(
  "Mouse end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct MouseEndToEndTests {
  /// The bytes, in hex, of a report of `button` (0 left press, 3 release, 64 wheel up, 65
  /// wheel down) at column `x`, row `y` (from 0).
  static func report(_ button: Int, x: Int, y: Int) -> [String] {
    [0x1B, 0x5B, 0x4D, 32 + button, 33 + x, 33 + y].map { String($0, radix: 16) }
  }

  static func click(x: Int, y: Int) -> [String] {
    report(0, x: x, y: y) + report(3, x: x, y: y)
  }

  static func mouseFlag(_ tmux: TmuxSession) -> String {
    ((try? tmux.run(["display-message", "-p", "#{mouse_any_flag}"])) ?? "").trimmingCharacters(
      in: .whitespacesAndNewlines)
  }

  /// The table filtered to one python of a unique name, in tmux; the python and the session.
  static func filteredTable(in dir: String, extraShell: String = "") throws -> (TestProcess, TmuxSession) {
    let (tag, alias) = try PythonAlias.make(in: dir)
    let python = try TestProcess([alias, "-c", "import time\ntime.sleep(300)\n"])
    let pid = python.pid
    let command = "\(extraShell)'\(BuiltBinary.memtop)' --ascii; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 150, height: 30, directory: dir, command: command)
    var (screen, ok) = tmux.waitFor { $0.contains("all processes") && $0.contains("PID COMMAND") }
    #expect(ok, "the process table did not appear:\n\(screen)")
    try tmux.send("/")
    for c in tag { try tmux.send(String(c)) }
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("filter '\(tag)': 1 shown") && $0.contains(" \(pid) ") }
    #expect(ok, "the filter did not leave our python alone:\n\(screen)")
    return (python, tmux)
  }

  /// Runs `body` with a process table filtered to a sleeping python of our own, then kills
  /// both and removes the scratch folder.
  static func withFilteredTable(
    extraShell: String = "", _ body: (pid_t, TmuxSession) throws -> Void
  ) throws {
    let dir = try Scratch.directory("memtop-mouse")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (python, tmux) = try filteredTable(in: dir, extraShell: extraShell)
    defer {
      tmux.kill()
      python.stop()
    }
    try body(python.pid, tmux)
  }

  @Test("click selects the row, a click on it opens it, the wheel zooms the chart; mouse reporting off after q")
  func clickOpenWheelQuit() throws {
    try Self.withFilteredTable { pid, tmux in
      #expect(Self.mouseFlag(tmux) == "1", "memtop asked tmux for the mouse")
      // The only row is the third line (y = 2). First click: selected (the table stays).
      try tmux.run(["send-keys", "-H"] + Self.click(x: 20, y: 2))
      usleep(500_000)
      #expect(tmux.capture().contains("all processes"))
      // Second click on the selected row: its chart opens.
      try tmux.run(["send-keys", "-H"] + Self.click(x: 20, y: 2))
      var (screen, ok) = tmux.waitFor { $0.contains("PID \(pid)") && $0.contains("RSS  now") }
      #expect(ok, "a click on the selected row did not open it:\n\(screen)")
      // The wheel turned away zooms in from the 1 min window.
      try tmux.run(["send-keys", "-H"] + Self.report(64, x: 60, y: 10))
      (screen, ok) = tmux.waitFor { $0.contains("window 30 s") }
      #expect(ok, "the wheel did not zoom in:\n\(screen)")
      try tmux.send("Escape")
      (screen, ok) = tmux.waitFor { $0.contains("all processes") }
      #expect(ok, "esc did not come back:\n\(screen)")
      try tmux.send("q")
      (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
      #expect(ok, "q did not end memtop:\n\(screen)")
      #expect(Self.mouseFlag(tmux) == "0", "mouse reporting is still on after memtop ended")
    }
  }

  @Test("a double click opens the row at once")
  func doubleClick() throws {
    try Self.withFilteredTable { pid, tmux in
      // Both clicks in one write: well inside ncurses' 200 ms double-click interval.
      try tmux.run(["send-keys", "-H"] + Self.click(x: 30, y: 2) + Self.click(x: 30, y: 2))
      let (screen, ok) = tmux.waitFor { $0.contains("PID \(pid)") && $0.contains("RSS  now") }
      #expect(ok, "a double click did not open the row:\n\(screen)")
    }
  }

  @Test("a crash inside the view turns mouse reporting off too")
  func crashRestoresMouse() throws {
    try Self.withFilteredTable { pid, tmux in
      #expect(Self.mouseFlag(tmux) == "1")
      let shell = Int32(try tmux.run(["display-message", "-p", "#{pane_pid}"]).split(separator: "\n").first ?? "") ?? 0
      let memtop = try #require(EndToEndTests.children(of: shell).first)
      kill(memtop, SIGSEGV)
      let (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=\(128 + SIGSEGV)") }
      #expect(ok, "memtop did not die of the signal:\n\(screen)")
      #expect(Self.mouseFlag(tmux) == "0", "mouse reporting is still on after the crash")
    }
  }

  @Test("on a terminal without mouse support (TERM=vt100) the view asks for none and the keys work")
  func noMouseTerminal() throws {
    try Self.withFilteredTable(extraShell: "TERM=vt100 ") { pid, tmux in
      #expect(Self.mouseFlag(tmux) == "0", "memtop asked a vt100 for the mouse")
      try tmux.send("Enter")
      var (screen, ok) = tmux.waitFor { $0.contains("PID \(pid)") && $0.contains("RSS  now") }
      #expect(ok, "enter did not open the row:\n\(screen)")
      try tmux.send("q")
      (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
      #expect(ok, "q did not end memtop:\n\(screen)")
      #expect(!screen.contains("mouse"), "nothing said about the mouse:\n\(screen)")
    }
  }
}
