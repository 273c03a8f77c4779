import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop --follow-name` in tmux: waiting, following, and a restart as a new segment.
@Suite(
  "Following a service end to end in tmux", .serialized,
  .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct FollowEndToEndTests {
  @Test("waits for the name, follows it, and follows its restart under the new pid")
  func restart() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-follow-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let (name, alias) = try PythonAlias.make(in: dir.path)
    let service = "import time\nb = bytearray(b'\\x01') * (30 << 20)\ntime.sleep(120)\n"
    let command = "'\(BuiltBinary.memtop)' --ascii --follow-name \(name); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("PID -  \(name)") }
    #expect(ok, "no waiting header:\n\(screen)")

    let first = try TestProcess([alias, "-c", service])
    (screen, ok) = tmux.waitFor { $0.contains("PID \(first.pid)") && $0.contains("RSS  now") }
    #expect(ok, "the first process was not followed:\n\(screen)")
    first.stop()
    let secondProcess = try TestProcess([alias, "-c", service])
    defer { secondProcess.stop() }
    let second = secondProcess.pid
    (screen, ok) = tmux.waitFor { $0.contains("PID \(second)") }
    #expect(ok, "the restart was not followed:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}
