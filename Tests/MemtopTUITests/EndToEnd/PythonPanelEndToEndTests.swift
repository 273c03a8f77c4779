import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Python panel (`y`) in the real TUI: live over a launched `--python` program, then in
/// the replay of what `--record` wrote beside it.
@Suite("End to end in tmux: the Python panel", .serialized, .enabled(if: TmuxSession.isAvailable))
struct PythonPanelEndToEndTests {
  static let example = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples/python/agent_lru_cache.py").path

  @Test("y shows the cache, the collector and the share live; y hides it; the replay shows it again")
  func panel() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-pypanel-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let command =
      "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' --python --trace-lines --record rec.csv -- python3 '\(Self.example)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }

    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") && $0.contains("python3") }
    #expect(ok, "the live view did not appear:\n\(screen)")
    try tmux.send("y")
    // The panel fills in once the agent has sent a few samples and a snapshot of lines.
    (screen, ok) = tmux.waitFor(timeout: 90) { s in
      s.contains("Python · process") && s.contains("cache `__main__.price` (maxsize=None):")
        && s.contains("collector: enabled")
        && (s.contains("Python objects account for") || s.contains("traced Python memory is flat"))
    }
    #expect(ok, "the Python panel did not show the cache and the share:\n\(screen)")
    #expect(screen.contains("y closes"))
    // 40 rows: the panel shares the screen with the charts, under them.
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    let chartRow = lines.firstIndex { $0.contains("RSS  now") }
    let panelRow = lines.firstIndex { $0.contains("Python · process") }
    #expect(chartRow != nil && panelRow != nil && chartRow! < panelRow!, "not split:\n\(screen)")
    try tmux.send("y")
    (screen, ok) = tmux.waitFor { !$0.contains("Python · process") && $0.contains("RSS  now") }
    #expect(ok, "y did not hide the panel:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "memtop did not quit cleanly:\n\(screen)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rec.python.jsonl").path))
    let replay = try TmuxSession(
      width: 120, height: 40, directory: dir.path,
      command: "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' replay rec.csv; echo MEMTOP-EXIT=$?; sleep 600")
    defer { replay.kill() }
    (screen, ok) = replay.waitFor(timeout: 60) { $0.contains("replay rec.csv") }
    #expect(ok, "the replay did not open:\n\(screen)")
    try replay.send("y")
    (screen, ok) = replay.waitFor(timeout: 30) { $0.contains("cache `__main__.price` (maxsize=None):") }
    #expect(ok, "the replay's Python panel did not show the cache:\n\(screen)")
    try replay.send("q")
  }

  @Test("attaching --python says on the screen, first, that memtop injects code into the process")
  func injectionSaidOnScreen() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-pyattach-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // The interpreter itself (python3 on PATH may be a shim that forks it).
    let python = try TestProcess.run(["python3", "-c", "import sys; print(sys.executable)"]).output.trimmingCharacters(
      in: .whitespacesAndNewlines)
    try #require(python.hasPrefix("/"), "no python3 interpreter: \(python)")
    let targetProcess = try TestProcess([python, "-c", "import time\nwhile True: time.sleep(0.2)"])
    defer { targetProcess.stop() }
    let target = targetProcess.pid
    let command = "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' --pid \(target) --python; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 160, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    // Said on standard error first (seen before the view takes the screen), then in the view.
    var (screen, ok) = tmux.waitFor(timeout: 60) {
      $0.contains("memtop will inject code into process \(target)") && $0.contains("RSS  now")
    }
    #expect(ok, "the live view did not say it injects:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "memtop did not quit cleanly:\n\(screen)")
  }
}
