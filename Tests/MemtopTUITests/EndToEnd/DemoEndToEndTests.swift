import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scripts/demo`, the README's one command: the live view on a terminal, a headless
/// recording and its analysis elsewhere. `MEMTOP_BIN` skips its set-up and build.
@Suite("scripts/demo", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct DemoEndToEndTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  @Test("on a terminal it opens the live view on the bundled leaking program; q ends it and the program")
  func liveOnTerminal() throws {
    let command = "MEMTOP_BIN='\(BuiltBinary.memtop)' '\(Self.root)/scripts/demo'; echo DEMO-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: Self.root, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") && $0.contains("python3") }
    #expect(ok, "the live view did not open:\n\(screen)")
    // The leak shows: RSS climbs about 1 MiB/s, so a verdict or a rising figure comes; wait for
    // the launched program to be the one shown.
    let pids = Self.ourLeakers()
    #expect(!pids.isEmpty, "slow_leak.py is not running")
    #expect(pids.contains { screen.contains("PID \($0)") }, "\(pids) not on screen:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("DEMO-EXIT=") }
    #expect(ok, "q did not end the demo:\n\(screen)")
    #expect(screen.contains("DEMO-EXIT=0"), "\(screen)")
    // Quitting stops the launched program.
    let gone = pids.allSatisfy { pid in
      let deadline = Date().addingTimeInterval(20)
      while Date() < deadline && kill(pid, 0) == 0 { usleep(100_000) }
      return kill(pid, 0) != 0
    }
    #expect(gone, "slow_leak.py outlived the demo")
  }

  /// The slow_leak.py processes started from this checkout (others may run elsewhere).
  static func ourLeakers() -> [Int32] {
    let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return all.compactMap(Int32.init).filter { pid in
      guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
        String(decoding: cmdline, as: UTF8.self).contains("examples/python/slow_leak.py"),
        let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
      else { return false }
      return cwd == root
    }
  }

  @Test("without a terminal it records headless and prints the analysis")
  func headlessElsewhere() throws {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-demo-\(UUID()).out").path
    defer { unlink(output) }
    let script = "MEMTOP_BIN='\(BuiltBinary.memtop)' exec '\(Self.root)/scripts/demo' 4 </dev/null"
    let demo = try TestProcess(["bash", "-c", script], stdout: .file(output))
    let status = demo.wait(timeout: 120)
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    #expect(status == 0, "\(text)")
    #expect(text.contains("not on a terminal, so recording"), "\(text)")
    #expect(text.contains("verdict"), "\(text)")
    #expect(text.contains("time_unix_s,"), "\(text)")
  }
}
