import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// zsh's and fish's completion of memtop, in the real shells in tmux: the generated script is
/// loaded as a user would, a command line is typed, Tab pressed, and the screen read. (bash's is
/// driven through its completion function in `memtopTests/CompletionTests`.)
@Suite("zsh and fish completion in tmux", .serialized, .enabled(if: TmuxSession.isAvailable))
struct CompletionEndToEndTests {
  enum Shell: String, CaseIterable, Sendable {
    case zsh, fish

    var isAvailable: Bool { TmuxSession.which(rawValue) != nil }

    /// The shell, started without the user's configuration.
    var command: String {
      switch self {
      case .zsh: "zsh -f"
      case .fish: "fish --no-config --private"
      }
    }

    /// Loads the completion script, then prints READY-2.
    var setup: String {
      switch self {
      case .zsh: "autoload -U compinit; compinit -u; source ./memtop.zsh; echo READY-$((1 + 1))"
      case .fish: "source ./memtop.fish; echo READY-(math 1 + 1)"
      }
    }
  }

  /// A folder with a recording, a note and a chart, where `shell` runs with the script loaded.
  static func session(_ shell: Shell) throws -> (TmuxSession, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-complete-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for name in ["run.csv", "notes.txt", "chart.svg"] {
      FileManager.default.createFile(atPath: dir + "/" + name, contents: Data())
    }
    let script = try TestProcess.run([BuiltBinary.memtop, "--generate-completion-script", shell.rawValue]).output
    try script.write(toFile: "\(dir)/memtop.\(shell.rawValue)", atomically: true, encoding: .utf8)
    let binDir = URL(fileURLWithPath: BuiltBinary.memtop).deletingLastPathComponent().path
    let command =
      "env -i HOME='\(dir)' TERM=tmux-256color PATH='\(binDir):/usr/bin:/bin' \(shell.command); sleep 600"
    let tmux = try TmuxSession(width: 150, height: 30, directory: dir, command: command)
    try tmux.send(shell.setup, "Enter")
    let (screen, ok) = tmux.waitFor { $0.contains("READY-2") }
    #expect(ok, "\(shell) did not load the script:\n\(screen)")
    return (tmux, dir)
  }

  /// Types `line`, presses Tab and waits for `expected` on the screen; returns whether it came.
  static func complete(_ shell: Shell, _ line: String, expecting expected: String) throws -> (String, Bool) {
    let (tmux, dir) = try session(shell)
    defer {
      tmux.kill()
      try? FileManager.default.removeItem(atPath: dir)
    }
    try tmux.send(line)
    try tmux.send("Tab")
    return tmux.waitFor(timeout: 20) { $0.contains(expected) }
  }

  @Test(
    "-p and --pid complete process ids with no subcommand, as after monitor and record",
    arguments: Shell.allCases, ["-p", "--pid", "monitor --pid", "record -p"])
  func pids(_ shell: Shell, _ option: String) throws {
    try #require(shell.isAvailable, "\(shell) is not installed (scripts/bootstrap installs it)")
    let sleeperProcess = try TestProcess(["sleep", "300"])
    defer { sleeperProcess.stop() }
    let sleeper = sleeperProcess.pid
    // All but the last digit typed: the pid itself is on the screen only if it was completed.
    let pid = String(sleeper)
    let (screen, ok) = try Self.complete(shell, "memtop \(option) \(pid.dropLast())", expecting: pid)
    #expect(ok, "memtop \(option) did not complete pid \(pid) in \(shell):\n\(screen)")
  }

  @Test(
    "recordings and outputs complete to file names: analyze, plot, replay, record -o, plot -o",
    arguments: Shell.allCases,
    [
      ("memtop analyze r", "run.csv"), ("memtop replay r", "run.csv"), ("memtop plot r", "run.csv"),
      ("memtop record -o r", "run.csv"), ("memtop plot run.csv -o c", "chart.svg"),
    ])
  func files(_ shell: Shell, _ typed: (line: String, file: String)) throws {
    try #require(shell.isAvailable, "\(shell) is not installed (scripts/bootstrap installs it)")
    let (screen, ok) = try Self.complete(shell, typed.line, expecting: typed.file)
    #expect(ok, "'\(typed.line)' did not complete to \(typed.file) in \(shell):\n\(screen)")
  }
}
