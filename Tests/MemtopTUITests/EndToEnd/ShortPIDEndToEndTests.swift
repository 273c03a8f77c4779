import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop -p PID`, as top and htop users type it, with no subcommand.
@Suite("-p PID end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct ShortPIDEndToEndTests {
  @Test(
    "memtop -p PID (no subcommand) opens the live view on that process; q quits with status 0",
    arguments: [["-p"], ["--pid"]])
  func shortPID(_ flag: [String]) throws {
    let child = try PythonChild()
    let command = "'\(BuiltBinary.memtop)' \(flag[0]) \(child.pid) --ascii; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 120, height: 40, directory: "/tmp", command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("PID \(child.pid)") && $0.contains("RSS  now") }
    #expect(ok, "\(flag[0]) \(child.pid) did not open the live view:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 20) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}
