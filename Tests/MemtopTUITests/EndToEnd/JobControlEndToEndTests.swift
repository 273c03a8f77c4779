import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// memtop stopped and continued as a shell job or by `kill -STOP`/`kill -CONT`, in tmux: the
/// shell gets a usable terminal while memtop is stopped, and memtop takes the whole screen back
/// when it continues.
@Suite(
  "job control (ctrl-z, fg, SIGSTOP, SIGCONT), end to end in tmux", .serialized,
  .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable && TmuxSession.which("bash") != nil))
struct JobControlEndToEndTests {
  /// The pid of the `memtop` the pane's shell started (a child of the pane's process), or nil.
  static func memtopPID(in tmux: TmuxSession) -> pid_t? {
    let answer = (try? tmux.run(["display", "-p", "#{pane_pid}"])) ?? ""
    guard let pane = pid_t(answer.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { continue }
      let name = stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close]
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if name == "memtop", fields.count > 1, pid_t(fields[1]) == pane { return pid }
    }
    return nil
  }

  /// The pane's terminal device, e.g. `/dev/pts/3`.
  static func paneTTY(_ tmux: TmuxSession) -> String {
    ((try? tmux.run(["display", "-p", "#{pane_tty}"])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test(
    "kill -STOP, garbage on the screen and the terminal reset to cooked mode, kill -CONT: memtop repaints it all and keys work at once"
  )
  func externalStopAndContinue() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try HabitsEndToEndTests.memtop("--interval 0.2 --pid \(child.pid)", in: dir)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("RSS  now") }
    try #require(ok, "main screen:\n\(screen)")
    let memtop = try #require(Self.memtopPID(in: tmux), "no memtop under the pane")
    kill(memtop, SIGSTOP)
    // Behind memtop's back: what a shell does to a stopped job's terminal (cooked mode, echo),
    // and output of something else all over the screen.
    let tty = Self.paneTTY(tmux)
    #expect(try TestProcess.run(["stty", "-F", tty, "sane"]).output.isEmpty)
    let garbage = "\u{1B}[2J\u{1B}[H" + String(repeating: "GARBAGE ", count: 15 * 40)
    let pane = try #require(FileHandle(forWritingAtPath: tty), "cannot open \(tty)")
    pane.write(Data(garbage.utf8))
    try pane.close()
    (screen, ok) = tmux.waitFor(timeout: 10) { $0.contains("GARBAGE") && !$0.contains("RSS  now") }
    #expect(ok, "the garbage is not on the screen:\n\(screen)")
    kill(memtop, SIGCONT)
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("RSS  now") && !$0.contains("GARBAGE") }
    #expect(ok, "memtop did not repaint the whole screen after SIGCONT:\n\(screen)")
    #expect(screen.split(separator: "\n").first?.hasPrefix("memtop") ?? false, "header:\n\(screen)")
    // Raw input again: q alone quits (in cooked mode it would wait for Enter).
    try HabitsEndToEndTests.quit(tmux)
  }

  @Test("ctrl-z gives an interactive shell a usable terminal; fg brings memtop's whole screen back")
  func suspendAndForeground() throws {
    let child = try PythonChild()
    let dir = URL(fileURLWithPath: try Scratch.directory("memtop-habits"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let tmux = try TmuxSession(
      width: 120, height: 40, directory: dir.path, command: "env PS1='shell$ ' LANG=C.UTF-8 bash --norc --noprofile -i")
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("shell$") }
    try #require(ok, "no shell prompt:\n\(screen)")
    // memtop alone on the line: a list (`memtop; echo`) would go on to its next command once
    // memtop stops.
    try tmux.send("'\(BuiltBinary.memtop)' --interval 0.2 --pid \(child.pid)", "Enter")
    (screen, ok) = tmux.waitFor { $0.contains("RSS  now") }
    try #require(ok, "main screen:\n\(screen)")
    try tmux.send("C-z")
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("Stopped") && !$0.contains("RSS  now") }
    #expect(ok, "ctrl-z did not give the shell its screen back:\n\(screen)")
    // The shell reads a whole line with echo: cooked mode is back.
    try tmux.send("echo SHELL-WORKS-$((40+2))", "Enter")
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("SHELL-WORKS-42") }
    #expect(ok, "the shell is not usable while memtop is stopped:\n\(screen)")
    try tmux.send("fg", "Enter")
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("RSS  now") && !$0.contains("SHELL-WORKS") }
    #expect(ok, "fg did not bring memtop's whole screen back:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 20) { s in
      !s.contains("RSS  now") && s.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("shell$")
    }
    #expect(ok, "q did not end memtop:\n\(screen)")
    try tmux.send("echo MEMTOP-EXIT=$?", "Enter")
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "memtop did not end with status 0:\n\(screen)")
  }
}
