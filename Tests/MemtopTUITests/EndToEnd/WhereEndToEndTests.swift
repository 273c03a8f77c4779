import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real live view in tmux on a real leaking program: `w` shows where memory grows.
@Suite("where screen in tmux", .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct WhereEndToEndTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  @Test("w on a process leaking through native malloc shows brk_heap leaking, its share and the where sentence")
  func whereScreen() throws {
    let program = "\(Self.root)/examples/python/native_malloc_leak.py"
    let command =
      "'\(BuiltBinary.memtop)' --budget 20 --max-stall 0 --interval 0.2 -- python3 '\(program)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 140, height: 42, directory: Self.root, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") }
    #expect(ok, "the live view did not open:\n\(screen)")
    try tmux.send("w")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("where memory grows") }
    #expect(ok, "w did not open the where screen:\n\(screen)")
    // The kinds are judged at the detailed cadence: a leak needs a few dozen detailed reads.
    // The stall cap is lifted: on a busy machine each walk of a heap this large takes long
    // enough that 5 ms/s would allow one every ten seconds or more.
    (screen, ok) = tmux.waitFor(timeout: 240) { screen in
      screen.split(separator: "\n").contains { $0.hasPrefix("brk_heap") && $0.contains(" leak ") }
        && screen.contains("growth in: brk_heap") && screen.contains("% in brk_heap")
    }
    #expect(ok, "brk_heap never shown leaking with its share:\n\(screen)")
    for kind in ["malloc_arenas", "thread_stacks", "other_anon", "shmem", "file", "threads", "fds"] {
      #expect(screen.contains(kind), "\(kind) missing:\n\(screen)")
    }
    try tmux.send("w")
    (screen, ok) = tmux.waitFor(timeout: 30) { !$0.contains("where memory grows") && $0.contains("RSS  now") }
    #expect(ok, "w did not bring the charts back:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}
