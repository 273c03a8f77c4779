import Foundation
import MemtopExport
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The live view in tmux under faults done for real: a target killed and left a zombie, a
/// process of another user, hostile names, odd terminals, and stop signals while recording.
@Suite("Faults end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct FaultEndToEndTests {
  static func waitForFile(_ path: String, timeout: Double = 60) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !FileManager.default.fileExists(atPath: path) && Date() < deadline { usleep(50_000) }
    return FileManager.default.fileExists(atPath: path)
  }

  @Test("a target SIGKILLed and left a zombie: the view says so, keeps its charts, and the recording is whole")
  func zombie() throws {
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // The parent never reaps its child; the child kills itself once told to.
    let parent = try PythonChild(
      script: """
        import os, signal, time
        if os.fork() == 0:
            open('\(dir)/child.tmp', 'w').write(str(os.getpid()))
            os.rename('\(dir)/child.tmp', '\(dir)/child')
            while not os.path.exists('\(dir)/go'):
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(600)
        """)
    _ = parent
    #expect(Self.waitForFile(dir + "/child"))
    let child = try #require(Int32(String(contentsOfFile: dir + "/child", encoding: .utf8)))
    let record = dir + "/rec.csv"
    let command =
      "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' --interval 0.1 --record '\(record)' --pid \(child); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { s in
      s.contains("RSS  now") && s.contains("PID \(child)") && (EndToEndTests.samples(s) ?? 0) >= 10
    }
    #expect(ok, "main screen did not appear:\n\(screen)")
    FileManager.default.createFile(atPath: dir + "/go", contents: nil)
    (screen, ok) = tmux.waitFor { $0.contains("target was killed by SIGKILL (a zombie its parent has not reaped)") }
    #expect(ok, "the zombie was not reported:\n\(screen)")
    #expect(screen.contains("RSS  now"), "charts stay after the target ends")
    let shown = try #require(EndToEndTests.samples(screen))
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop with status 0:\n\(screen)")
    let text = try String(contentsOfFile: record, encoding: .utf8)
    #expect(text.hasSuffix("\n"))
    #expect(try RecordingReader(path: record).read(text).count == shown, "every sample the view had is on disk")
  }

  @Test(
    "another user's process: RSS shown, heap 'n/a (permission)' with the fix, never 0",
    .enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
  func otherUser() throws {
    let target = try PythonChild()  // root's
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "env LANG=C.UTF-8 setpriv --reuid=65534 --regid=65534 --clear-groups '\(BuiltBinary.memtop)' --pid \(target.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    let (screen, ok) = tmux.waitFor { $0.contains("heap  now n/a (permission)") && $0.contains("CAP_SYS_PTRACE") }
    #expect(ok, "no permission notice:\n\(screen)")
    let rss = screen.split(separator: "\n").first { $0.hasPrefix("RSS  now") } ?? ""
    #expect(
      rss.hasPrefix("RSS  now ") && !rss.hasPrefix("RSS  now n/a") && rss.contains("MiB"), "RSS is readable: \(rss)")
    #expect(!screen.contains("heap  now 0 B"))
  }

  @Test("a process name with OSC/ED sequences and BEL is drawn escaped; the pane title is untouched")
  func hostileName() throws {
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let target = try PythonChild(
      script: "import time\nopen('/proc/self/comm', 'w').write('\\x1b]2;PWN\\x07\\n\\x1b[2J')\ntime.sleep(600)\n")
    let command = "env LANG=C.UTF-8 '\(BuiltBinary.memtop)' --pid \(target.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor {
      $0.contains("PID \(target.pid)  \\e]2;PWN\\a\\n\\e[2J") && $0.contains("RSS  now")
    }
    #expect(ok, "the name is not shown escaped:\n\(screen)")
    #expect(
      try !tmux.run(["display-message", "-p", "#{pane_title}"]).contains("PWN"), "the title escape reached the terminal"
    )
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok)
  }

  @Test("resized again and again down to 10x4, under LANG=C: no crash, history kept, ASCII glyphs")
  func resizeStorm() throws {
    let child = try PythonChild()
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "env -u LC_ALL -u LC_CTYPE LANG=C '\(BuiltBinary.memtop)' --interval 0.1 --pid \(child.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 100, height: 30, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && (EndToEndTests.samples($0) ?? 0) >= 3 }
    #expect(ok, "main screen did not appear:\n\(screen)")
    let before = EndToEndTests.samples(screen) ?? 0
    for (w, h) in [(60, 20), (10, 4), (40, 10), (11, 5), (10, 4), (80, 24), (10, 4), (25, 7), (10, 4)] {
      try tmux.resize(width: w, height: h)
      usleep(100_000)
    }
    (screen, ok) = tmux.waitFor { $0.hasPrefix("PID") }
    #expect(ok, "no summary at 10x4:\n\(screen)")
    #expect(!screen.contains("small"), "10x4 is the summary, not a refusal:\n\(screen)")
    try tmux.resize(width: 100, height: 30)
    (screen, ok) = tmux.waitFor { s in s.contains("RSS  now") && (EndToEndTests.samples(s) ?? 0) > before }
    #expect(ok, "view not back, or history lost (had \(before)):\n\(screen)")
    // LANG=C: ASCII glyphs, as the man page says; no Braille, no box drawing.
    #expect(screen.contains("MiB |"), "the axis is drawn in ASCII:\n\(screen)")
    #expect(!screen.unicodeScalars.contains { $0.value >= 0x80 }, "only ASCII under LANG=C:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q after the resizes:\n\(screen)")
  }

  @Test("TERM=dumb: one clear line, non-zero status, no screen drawn")
  func dumbTerminal() throws {
    let child = try PythonChild()
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let command =
      "env TERM=dumb '\(BuiltBinary.memtop)' --pid \(child.pid) 2>'\(dir)/err'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    let (screen, ok) = tmux.waitFor { $0.contains("MEMTOP-EXIT=") }
    #expect(ok && screen.contains("MEMTOP-EXIT=1"), "status:\n\(screen)")
    #expect(!screen.contains("RSS  now"))
    let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
    #expect(
      err
        == "memtop: TERM='dumb' cannot move the cursor, so the live view cannot be drawn; run memtop in a full terminal (e.g. TERM=xterm-256color), or use memtop record to record without the view\n"
    )
  }

  @Test(
    "SIGTERM and SIGHUP while the view records: terminal restored, the CSV complete and well-formed",
    arguments: [SIGTERM, SIGHUP])
  func signalWhileRecording(signo: Int32) throws {
    let child = try PythonChild()
    let dir = try Scratch.directory("memtop-fault", anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let record = dir + "/rec.csv"
    let command =
      "'\(BuiltBinary.memtop)' --interval 0.05 --record '\(record)' --pid \(child.pid); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 100, height: 30, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") && (EndToEndTests.samples($0) ?? 0) >= 20 }
    #expect(ok, "main screen did not appear:\n\(screen)")
    let shell = Int32(try tmux.run(["display-message", "-p", "#{pane_pid}"]).split(separator: "\n").first ?? "") ?? 0
    let memtop = try #require(EndToEndTests.children(of: shell).first)
    kill(memtop, signo)
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=\(128 + signo)") }
    #expect(ok, "memtop did not stop:\n\(screen)")
    #expect(!screen.contains("RSS  now"), "the terminal is back")
    let text = try String(contentsOfFile: record, encoding: .utf8)
    #expect(text.hasPrefix(CSVFormat.headerLine) && text.hasSuffix("\n"))
    let samples = try RecordingReader(path: record).read(text)
    #expect(samples.count >= 20)
    #expect(screen.contains("recorded \(samples.count) samples to"), "every sample taken is on disk:\n\(screen)")
  }
}
