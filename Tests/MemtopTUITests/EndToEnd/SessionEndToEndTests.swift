import Foundation
import MemtopExport
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The live view over the watch session, in tmux: a launched command's exit shown at once and
/// its status passed through, files never overwritten, `-` refused as an output.
@Suite(
  "End to end in tmux: the watch session", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable)
)
struct SessionEndToEndTests {
  @Test("a command that exits at once: its exit is shown, not 'gathering evidence', and q exits with its status")
  func immediateExitPassesStatus() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command = "'\(BuiltBinary.memtop)' -- python3 -c 'import sys; sys.exit(3)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 30) {
      $0.contains("exited with status 3") && $0.contains("too few for a verdict")
    }
    #expect(ok, "the exit was not shown:\n\(screen)")
    #expect(!screen.contains("gathering evidence"))
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=3") }
    #expect(ok, "the command's status was not passed through:\n\(screen)")
  }

  @Test("a command that cannot be run: status 127, one line, and no empty child log left behind")
  func failedLaunchLeavesNoLog() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "env TMPDIR='\(dir)/' '\(BuiltBinary.memtop)' -- memtop_no_such_command; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    let (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=127") }
    #expect(ok, "not refused with 127:\n\(screen)")
    #expect(screen.contains("command not found"))
    let logs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("memtop-") }
    #expect(logs.isEmpty, "left behind: \(logs)")
  }

  @Test("sh -c 'python3 hold.py; true' & then --pid $!: the view says it follows the launcher and watches python3")
  func liveFollowsLauncher() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let hold = "import time\nb = bytearray(b'\\x01') * (60 << 20)\ntime.sleep(60)\n"
    try hold.write(toFile: dir + "/hold.py", atomically: true, encoding: .utf8)
    let command =
      "sh -c 'python3 hold.py; true' & echo $! > shpid; '\(BuiltBinary.memtop)' --pid $!; echo MEMTOP-EXIT=$?; pkill -P $(cat shpid); kill $(cat shpid); sleep 600"
    let tmux = try TmuxSession(width: 160, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("is a launcher: watching the program it runs") }
    #expect(ok, "no launcher notice:\n\(screen)")
    let shell = try String(contentsOfFile: dir + "/shpid", encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    (screen, ok) = tmux.waitFor(timeout: 30) {
      $0.contains("python3") && $0.contains("MiB") && !$0.contains("PID \(shell) ")
    }
    #expect(ok, "the header still shows the launcher \(shell):\n\(screen)")
    #expect(!screen.contains("restart: PID"))
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok)
  }

  @Test("replay of a --per-process recording whose total is flat but one worker leaks: the banner names the worker")
  func replayNamesLeakingWorker() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var csv = CSVFormat.headerLine
    let tail = String(repeating: ",", count: CSVFormat.trailingMetricColumns.count) + "\n"
    for i in 0..<240 {
      let t = Double(i)
      let grow = UInt64(i) * 100 * 1024
      let total = UInt64(300 << 20)
      // The total, then worker 101 (growing) and worker 102 (giving back as much).
      csv += "\(1_764_000_000 + t),\(t),100,\(total),\(total),,,,,,,\(total),,,,5000,2,\(tail)"
      csv +=
        "\(1_764_000_000 + t),\(t),101,\((100 << 20) + grow),\((100 << 20) + grow),,,,,,,,,,,5001,,python3 app.py\(tail)"
      csv +=
        "\(1_764_000_000 + t),\(t),102,\((200 << 20) - grow),\((200 << 20) - grow),,,,,,,,,,,5002,,python3 app.py\(tail)"
    }
    try csv.write(toFile: dir + "/tree.csv", atomically: true, encoding: .utf8)
    let command = "'\(BuiltBinary.memtop)' replay tree.csv; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 160, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("worker 101 (python3 app.py) leaks +") }
    #expect(ok, "the leaking worker is not named:\n\(screen)")
    #expect(!screen.contains("worker 102"))
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok)
  }

  @Test("record of an interactive command on a terminal: it reads its input, and the terminal comes back after")
  func recordKeepsTheTerminalForTheCommand() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "'\(BuiltBinary.memtop)' record -i 0.1 -o r.csv -- python3 -c 'print(\"got\", input())'; echo MEMTOP-EXIT=$?; read -r line; echo SHELL-READ=$line; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    // Wait until the command runs (rows flow), then answer its prompt.
    let deadline = Date().addingTimeInterval(30)
    func rows() -> Int {
      ((try? String(contentsOfFile: dir + "/r.csv", encoding: .utf8)) ?? "").split(separator: "\n").count
    }
    while rows() < 3 && Date() < deadline { usleep(50_000) }
    #expect(rows() >= 3, "no rows:\n\(tmux.capture())")
    try tmux.send("-l", "hello")
    try tmux.send("Enter")
    var (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("got hello") && $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "the command did not read its input:\n\(screen)")
    // The shell reads the terminal again: it was given back.
    try tmux.send("-l", "back")
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("SHELL-READ=back") }
    #expect(ok, "the terminal was not given back:\n\(screen)")
  }

  @Test("--record onto an existing file is refused before the screen opens; the file is kept")
  func recordRefusesExisting() throws {
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let keep = dir + "/keep.csv"
    try "precious\n".write(toFile: keep, atomically: true, encoding: .utf8)
    let command = "'\(BuiltBinary.memtop)' --record '\(keep)' -- sleep 30; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    let (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=1") }
    #expect(ok, "not refused:\n\(screen)")
    #expect(screen.contains("already exists; add --force"))
    #expect(try String(contentsOfFile: keep, encoding: .utf8) == "precious\n")
  }

  @Test("e: export to '-' is refused, and to an existing file too; the file is kept")
  func exportRefusals() throws {
    let child = try PythonChild()
    let dir = try Scratch.directory("memtop-e2e-session")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "precious\n".write(toFile: dir + "/taken.csv", atomically: true, encoding: .utf8)
    let command = "'\(BuiltBinary.memtop)' --pid \(child.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("RSS  now") && $0.contains("PID \(child.pid)") }
    #expect(ok, "main screen did not appear:\n\(screen)")

    func export(_ name: String) throws {
      try tmux.send("e")
      (screen, ok) = tmux.waitFor { $0.contains("Export CSV to:") }
      #expect(ok, "e did not prompt:\n\(screen)")
      _ = try tmux.run(["send-keys"] + Array(repeating: "BSpace", count: 60))
      try tmux.send("-l", name)
      try tmux.send("Enter")
    }
    try export("-")
    (screen, ok) = tmux.waitFor { $0.contains("export needs a file name") }
    #expect(ok, "export to - was not refused:\n\(screen)")
    try export("taken.csv")
    (screen, ok) = tmux.waitFor { $0.contains("already exists") }
    #expect(ok, "export over a file was not refused:\n\(screen)")
    #expect(try String(contentsOfFile: dir + "/taken.csv", encoding: .utf8) == "precious\n")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok)
  }
}
