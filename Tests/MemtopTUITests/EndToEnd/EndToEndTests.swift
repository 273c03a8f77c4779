import Foundation
import MemtopExport
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the real binary in tmux against a real python3 and drives it with keys.
///
/// Every wait is generous (tens of seconds) and polls the screen, so a loaded 2-core machine
/// only makes it slower, never flaky.
@Suite("End to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct EndToEndTests {
  static func samples(_ screen: String) -> Int? {
    guard
      let line = screen.split(separator: "\n").first(where: { $0.contains(" samples  ·") || $0.contains(" samples  -") }
      )
    else { return nil }
    return Int(line.split(separator: " ").first ?? "")
  }

  @Test("attach to python3 at 120x40: charts, keys, export, marker, resize, quit")
  func attachAndDrive() throws {
    let child = try PythonChild()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-e2e-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let command = "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' --pid \(child.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }

    // Three labelled charts, pid and name, axes and a verdict area.
    var (screen, ok) = tmux.waitFor(timeout: 30) { s in
      s.contains("RSS  now") && s.contains("heap  now") && s.contains("anon  now") && s.contains("PID \(child.pid)")
        && s.contains("python3") && s.contains("MiB │") && (Self.samples(s) ?? 0) >= 3
    }
    #expect(ok, "main screen did not appear:\n\(screen)")
    #expect(screen.contains("gathering evidence") || screen.contains("leak") || screen.contains("LEAK"))

    try tmux.send("?")
    (screen, ok) = tmux.waitFor { $0.contains("memtop keys") }
    #expect(ok, "help did not open:\n\(screen)")
    try tmux.send("?")
    (screen, ok) = tmux.waitFor { !$0.contains("memtop keys") }
    #expect(ok, "help did not close")

    try tmux.send("Space")
    (screen, ok) = tmux.waitFor { $0.contains("PAUSED") }
    #expect(ok, "space did not pause:\n\(screen)")
    try tmux.send("Left")
    try tmux.send("Space")
    (screen, ok) = tmux.waitFor { $0.contains("running") && !$0.contains("PAUSED") }
    #expect(ok, "space did not resume")

    try tmux.send("-")
    (screen, ok) = tmux.waitFor { $0.contains("window 5 min") }
    #expect(ok, "- did not zoom out:\n\(screen)")
    try tmux.send("+")
    (screen, ok) = tmux.waitFor { $0.contains("window 1 min") }
    #expect(ok, "+ did not zoom in")

    try tmux.send("c")
    // The first theme depends on NO_COLOR in the test's environment; any switch will do.
    (screen, ok) = tmux.waitFor { s in
      ["theme light", "theme default"].contains { s.split(separator: "\n").last?.hasPrefix(" " + $0) == true }
    }
    #expect(ok, "c did not cycle the theme:\n\(screen)")
    try tmux.send("r")
    (screen, ok) = tmux.waitFor { $0.contains("min/max reset") }
    #expect(ok, "r did not reset min/max:\n\(screen)")

    try tmux.send("m")
    (screen, ok) = tmux.waitFor { $0.contains("Label for marker 1:") }
    #expect(ok, "m did not ask for a label:\n\(screen)")
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("marker 1 at") }
    #expect(ok, "m did not add a marker:\n\(screen)")

    try tmux.send("e")
    (screen, ok) = tmux.waitFor { $0.contains("Export CSV to: memtop-\(child.pid)-") }
    #expect(ok, "e did not prompt:\n\(screen)")
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("exported ") && $0.contains(dir.lastPathComponent) }
    #expect(ok, "export did not report its path:\n\(screen)")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
      $0.hasPrefix("memtop-\(child.pid)-") && $0.hasSuffix(".csv")
    }
    #expect(files.count == 1)
    if let file = files.first {
      let csv = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
      #expect(csv.hasPrefix(CSVFormat.headerLine))
      #expect(csv.contains(",marker 1,"))
      #expect(csv.split(separator: "\n").count >= 4)
    }

    let before = Self.samples(tmux.capture()) ?? 0
    try tmux.resize(width: 20, height: 6)
    (screen, ok) = tmux.waitFor { $0.hasPrefix("PID \(child.pid) RSS") }
    #expect(ok, "no summary at 20x6:\n\(screen)")
    try tmux.resize(width: 120, height: 40)
    (screen, ok) = tmux.waitFor { s in s.contains("RSS  now") && (Self.samples(s) ?? 0) > before }
    #expect(ok, "history lost or view not back after resize (had \(before)):\n\(screen)")

    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop with status 0:\n\(screen)")
  }

  @Test("launch mode: the command's output goes to the log shown in the header; ASCII glyphs with --ascii")
  func launchMode() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-e2e-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = dir.appendingPathComponent("child.log").path
    let python = "import time\\nprint(\\\"hello from the child\\\", flush=True)\\ntime.sleep(4)"
    let record = dir.appendingPathComponent("rec.csv").path
    let command =
      "'\(BuiltBinary.memtop)' --ascii --record '\(record)' --child-output '\(log)' -- python3 -c \"$(printf '\(python)')\"; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("child output: \(log)") && $0.contains("MiB |") }
    #expect(ok, "launch mode screen:\n\(screen)")
    (screen, ok) = tmux.waitFor { $0.contains("target exited with status 0") }
    #expect(ok, "the exit was not shown:\n\(screen)")
    #expect(screen.contains("RSS  now"), "charts must stay after the target exits")
    #expect((try? String(contentsOfFile: log, encoding: .utf8))?.contains("hello from the child") == true)
    // Export still works after the target is gone.
    try tmux.send("e")
    (screen, ok) = tmux.waitFor { $0.contains("Export CSV to:") }
    #expect(ok, "e after exit did not prompt:\n\(screen)")
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("exported ") }
    #expect(ok, "export after exit failed:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q after the target exited:\n\(screen)")
    // --record streamed the same CSV contract as memtop record.
    let csv = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
    #expect(csv.hasPrefix(CSVFormat.headerLine))
    #expect(csv.split(separator: "\n").count >= 3, "recorded:\n\(csv)")
  }

  @Test(
    "SIGINT (ctrl-c), SIGTERM and SIGHUP restore the terminal and exit with 128 + the signal",
    arguments: [SIGINT, SIGTERM, SIGHUP])
  func stopSignals(signo: Int32) throws {
    let child = try PythonChild()
    let dir = FileManager.default.temporaryDirectory.path
    let command = "'\(BuiltBinary.memtop)' --pid \(child.pid); echo MEMTOP-EXIT=$?; tput cup 0 0 >/dev/null; sleep 600"
    let tmux = try TmuxSession(width: 100, height: 30, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && $0.contains("PID \(child.pid)") }
    #expect(ok, "main screen did not appear:\n\(screen)")
    if signo == SIGINT {
      try tmux.send("C-c")
    } else {
      let shell = Int32(try tmux.run(["display-message", "-p", "#{pane_pid}"]).split(separator: "\n").first ?? "") ?? 0
      let memtop = try #require(Self.children(of: shell).first)
      kill(memtop, signo)
    }
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=\(128 + signo)") }
    #expect(ok, "memtop did not stop on signal \(signo):\n\(screen)")
    // Restored: the shell's output is on the normal screen, the charts are gone.
    #expect(!screen.contains("RSS  now"))
  }

  /// Process ids whose parent is `pid`, from /proc.
  static func children(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> Int32? in
      guard let candidate = Int32(entry),
        let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && Int32(fields[1]) == pid ? candidate : nil
    }
  }

  @Test("stdout not a terminal: one line pointing to memtop record, status 64")
  func notATerminal() throws {
    let err = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-notty-\(UUID())").path
    defer { unlink(err) }
    let memtop = try TestProcess([BuiltBinary.memtop, "--pid", "\(getpid())"], stdout: .file(err))
    let status = memtop.wait(timeout: 60)
    let message = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    #expect(status == 64)
    #expect(message.split(separator: "\n").count == 1)
    #expect(message.contains("memtop record"))
  }
}
