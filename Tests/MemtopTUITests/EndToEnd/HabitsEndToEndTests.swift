import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What people coming from htop, top and mprof reach for, each tried on the real binary in
/// tmux. Waits poll the screen with generous deadlines, so a loaded machine is only slower.
@Suite(
  "Habits of htop, top and mprof users, end to end in tmux", .serialized,
  .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct HabitsEndToEndTests {
  /// Starts memtop with `arguments` (a shell fragment) in a `width`×`height` pane.
  static func memtop(_ arguments: String, in dir: URL, width: Int = 120, height: Int = 40, env: String = "LANG=C.UTF-8")
    throws -> TmuxSession
  {
    let command = "env \(env) '\(BuiltBinary.memtop)' \(arguments); echo MEMTOP-EXIT=$?; sleep 600"
    return try TmuxSession(width: width, height: height, directory: dir.path, command: command)
  }

  static func quit(_ tmux: TmuxSession, key: String = "q") throws {
    try tmux.send(key)
    let (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "\(key) did not end memtop with status 0:\n\(screen)")
  }

  @Test("F1 opens the help with where each figure comes from; any key closes it; F10 quits")
  func functionKeys() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--pid \(child.pid)", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && $0.contains("h: help, sources") }
    #expect(ok, "main screen:\n\(screen)")
    #expect(!screen.contains("PROCMAP_QUERY"), "internals are not in the header:\n\(screen)")
    try tmux.send("F1")
    (screen, ok) = tmux.waitFor { $0.contains("memtop keys") && $0.contains("RSS and anon: /proc/PID/status") }
    #expect(ok, "F1 did not open the help:\n\(screen)")
    #expect(screen.contains("q F10") && screen.contains("? h F1"))
    try tmux.send("x")
    (screen, ok) = tmux.waitFor { !$0.contains("memtop keys") }
    #expect(ok, "a key did not close the help:\n\(screen)")
    try Self.quit(tmux, key: "F10")
  }

  @Test("t is the tree as in htop (with --children), c the colours; both listed in help")
  func treeKey() throws {
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--ascii --children -- sh -c 'sleep 300 & sleep 300 & wait'", in: dir, width: 140)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("tree of 3 processes, showing the total") }
    #expect(ok, "tree view:\n\(screen)")
    try tmux.send("t")
    (screen, ok) = tmux.waitFor { $0.contains("showing process 1 of ") }
    #expect(ok, "t did not step into the tree:\n\(screen)")
    try tmux.send("c")
    (screen, ok) = tmux.waitFor { s in s.split(separator: "\n").last?.hasPrefix(" theme ") == true }
    #expect(ok, "c did not change the colours:\n\(screen)")
    try tmux.send("?")
    (screen, ok) = tmux.waitFor { $0.contains("p t") && $0.contains("htop's tree") && $0.contains("colour themes") }
    #expect(ok, "help does not list both:\n\(screen)")
    try tmux.send("x")
    try Self.quit(tmux)
  }

  @Test("quitting stops the launched program and its workers, as the help says")
  func quitStopsWorkers() throws {
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let pidFile = dir.appendingPathComponent("workers").path
    // The program starts two workers and writes their pids, then waits.
    let program = "sleep 300 & echo \\$! >> '\(pidFile)'; sleep 300 & echo \\$! >> '\(pidFile)'; wait"
    let tmux = try Self.memtop("--children -- sh -c \"\(program)\"", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("tree of 3 processes") }
    #expect(ok, "tree view:\n\(screen)")
    try tmux.send("?")
    (screen, ok) = tmux.waitFor { $0.contains("stops a command memtop launched, and its workers") }
    #expect(ok, "the help does not say what q does to the program:\n\(screen)")
    try tmux.send("x")
    let workers = ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
      Int32($0)
    }
    #expect(workers.count == 2)
    try Self.quit(tmux)
    let deadline = Date().addingTimeInterval(20)
    var alive = workers
    while !alive.isEmpty && Date() < deadline {
      alive = workers.filter { kill($0, 0) == 0 && !Self.isZombie($0) }
      usleep(200_000)
    }
    #expect(alive.isEmpty, "workers outlived memtop: \(alive)")
    for pid in alive { kill(pid, SIGKILL) }
  }

  static func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
  }

  @Test("--limit in the live view: the limit and the time to reach it in the header, with PSS")
  func limitAndPSS() throws {
    // Grows about 2.5 MiB/s: the verdict and its time to the limit come within a minute.
    let leak =
      "import time\nkeep = []\nwhile True:\n    keep.append(bytearray(b'\\x01') * (256 << 10))\n    time.sleep(0.1)\n"
    let child = try PythonChild(script: leak)
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--interval 0.1 --limit 2G --pid \(child.pid)", in: dir, width: 160)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("limit 2.00 GiB") && $0.contains("  PSS ") }
    #expect(ok, "no limit or PSS in the header:\n\(screen)")
    (screen, ok) = tmux.waitFor(timeout: 90) { s in
      s.split(separator: "\n").first.map { $0.contains("limit 2.00 GiB in ~") } ?? false
    }
    #expect(ok, "no time to the limit in the header:\n\(screen)")
    try Self.quit(tmux)
  }

  @Test(
    "the process table shows a python program's script (not the interpreter), / filters by it, and the HISTORY scale is named"
  )
  func commandLineAndFilter() throws {
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tag = "svc" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
    let script = dir.appendingPathComponent("\(tag).py").path
    try "import time\nkeep = []\nwhile True:\n    keep.append(bytearray(b'\\x01') * (64 << 10))\n    time.sleep(0.1)\n"
      .write(toFile: script, atomically: true, encoding: .utf8)
    let child = try TestProcess(["python3", script])
    defer { child.stop() }
    let pid = child.pid
    let tmux = try Self.memtop("--ascii", in: dir, width: 160, height: 30)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("all processes") && $0.contains("PID COMMAND") }
    #expect(ok, "table:\n\(screen)")
    try tmux.send("/")
    for c in "\(tag).py" { try tmux.send(String(c)) }
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor(timeout: 30) { s in
      s.contains("1 shown")
        && s.split(separator: "\n").contains {
          $0.contains(" \(pid) ") && $0.contains(" \(tag).py") && !$0.contains("python3")
        }
    }
    #expect(ok, "the row does not show the script, or the filter did not find it:\n\(screen)")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("HISTORY (own scale)") }
    #expect(ok, "the sparkline scale is not named:\n\(screen)")
    try Self.quit(tmux)
  }

  @Test("Enter on a row opens its chart with the table's history, not from nothing")
  func enterCarriesHistory() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--ascii --interval 0.5", in: dir, width: 160, height: 30)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("PID COMMAND") }
    #expect(ok, "table:\n\(screen)")
    try tmux.send("/")
    for c in String(child.pid) { try tmux.send(String(c)) }
    try tmux.send("Enter")
    // Let the table gather a few seconds of readings.
    sleep(6)
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("PID \(child.pid)") && $0.contains("RSS  now") }
    #expect(ok, "chart:\n\(screen)")
    let samples = EndToEndTests.samples(screen) ?? 0
    #expect(samples >= 8, "the chart started from \(samples) samples, not the table's history:\n\(screen)")
    try tmux.send("Escape")
    (screen, ok) = tmux.waitFor { $0.contains("PID COMMAND") }
    #expect(ok, "esc did not come back:\n\(screen)")
    try Self.quit(tmux)
  }

  /// A 20 s recording, one sample a second.
  static func shortRecording(in dir: URL) throws -> String {
    let path = dir.appendingPathComponent("short.csv").path
    let writer = try CSVFileWriter(path: path)
    for i in 0...20 {
      var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 4242)
      sample.rss = UInt64(40 << 20) + UInt64(i) * 65536
      sample.anon = UInt64(20 << 20) + UInt64(i) * 65536
      writer.append(sample)
    }
    try writer.finish()
    return path
  }

  @Test("zoom in a 20 s replay: + shows 10 s (never 60 min), - comes back to all, a fits all")
  func replayZoom() throws {
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try Self.shortRecording(in: dir)
    let tmux = try Self.memtop("replay --ascii '\(file)'", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("window all") && $0.contains("RSS  now") }
    #expect(ok, "replay:\n\(screen)")
    try tmux.send("+")
    (screen, ok) = tmux.waitFor { $0.contains("window 10 s") }
    #expect(ok, "+ did not go to 10 s:\n\(screen)")
    #expect(!screen.contains("60 min"))
    try tmux.send("-")
    (screen, ok) = tmux.waitFor { !$0.contains("window 10 s") && $0.contains("window all") }
    #expect(ok, "- did not come back to all:\n\(screen)")
    try tmux.send("+")
    (screen, ok) = tmux.waitFor { $0.contains("window 10 s") }
    #expect(ok, "+ again:\n\(screen)")
    try tmux.send("a")
    (screen, ok) = tmux.waitFor { $0.contains("window all: the whole recording") }
    #expect(ok, "a did not fit all:\n\(screen)")
    try Self.quit(tmux)
  }

  @Test("Space plays a replay forward and stops it")
  func replayPlays() throws {
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try Self.shortRecording(in: dir)
    let tmux = try Self.memtop("replay --ascii '\(file)'", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("window all") && $0.contains("RSS  now") }
    #expect(ok, "replay:\n\(screen)")
    try tmux.send("Space")
    (screen, ok) = tmux.waitFor { $0.contains("playing at 1x in a 10 s window") }
    #expect(ok, "space did not play:\n\(screen)")
    // 20 s at 1x: the end comes within about 10 s of playing.
    (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("end of the recording") }
    #expect(ok, "the replay did not play to its end:\n\(screen)")
    try Self.quit(tmux)
  }

  @Test("small terminals: one chart at 80x16, the summary at 30x6, never 'too small' from 10x4")
  func smallTerminals() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--pid \(child.pid)", in: dir, width: 80, height: 16)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && $0.contains("● ") }
    #expect(ok, "no chart at 80x16:\n\(screen)")
    #expect(!screen.contains("too small") && !screen.contains("heap  now") && !screen.contains("anon  now"))
    try tmux.resize(width: 80, height: 24)
    (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && $0.contains("heap  now") && $0.contains("anon  now") }
    #expect(ok, "three charts at 80x24:\n\(screen)")
    try tmux.resize(width: 80, height: 10)
    (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && !$0.contains("heap  now") }
    #expect(ok, "one chart at 80x10:\n\(screen)")
    try tmux.resize(width: 30, height: 6)
    (screen, ok) = tmux.waitFor { $0.hasPrefix("PID \(child.pid) RSS ") }
    #expect(ok, "no summary at 30x6:\n\(screen)")
    try tmux.resize(width: 10, height: 4)
    (screen, ok) = tmux.waitFor { $0.hasPrefix("PID") }
    #expect(ok && !screen.contains("small"), "10x4:\n\(screen)")
    try tmux.resize(width: 120, height: 40)
    try Self.quit(tmux)
  }

  @Test("m asks for a label; the label reaches the --record CSV's marker column")
  func markerLabel() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let record = dir.appendingPathComponent("rec.csv").path
    let tmux = try Self.memtop("--interval 0.2 --record '\(record)' --pid \(child.pid)", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && (EndToEndTests.samples($0) ?? 0) >= 3 }
    #expect(ok, "main screen:\n\(screen)")
    try tmux.send("m")
    (screen, ok) = tmux.waitFor { $0.contains("Label for marker 1:") }
    #expect(ok, "no label prompt:\n\(screen)")
    for c in "cache warm" { try tmux.send(c == " " ? "Space" : String(c)) }
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("cache warm at") }
    #expect(ok, "the label was not taken:\n\(screen)")
    try Self.quit(tmux)
    let rows = try RecordingReader(path: record).read(String(contentsOfFile: record, encoding: .utf8))
    #expect(rows.filter { $0.marker == "cache warm" }.count == 1, "markers: \(rows.compactMap(\.marker))")
  }

  @Test("a stopped target says stopped in the header, and running again after SIGCONT")
  func stoppedTarget() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try Self.memtop("--interval 0.2 --pid \(child.pid)", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && $0.contains("running") }
    #expect(ok, "main screen:\n\(screen)")
    kill(child.pid, SIGSTOP)
    (screen, ok) = tmux.waitFor { s in
      s.split(separator: "\n").first.map { $0.contains("  stopped  ") && !$0.contains("running") } ?? false
    }
    #expect(ok, "the header does not say stopped:\n\(screen)")
    kill(child.pid, SIGCONT)
    (screen, ok) = tmux.waitFor { s in s.split(separator: "\n").first.map { $0.contains("running") } ?? false }
    #expect(ok, "the header does not say running again:\n\(screen)")
    try Self.quit(tmux)
  }
}
