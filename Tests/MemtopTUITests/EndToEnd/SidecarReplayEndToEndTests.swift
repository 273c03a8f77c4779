import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
import MemtopSystem
import MemtopSampling
import MemtopExport
#endif

/// `memtop replay` with something other than the Python file `record --python` wrote beside
/// the recording: the view opens (or ends when asked) whatever lies there.
@Suite("Replay end to end in tmux: what lies beside the recording", .serialized, .enabled(if: TmuxSession.isAvailable))
struct SidecarReplayEndToEndTests {
  /// A directory holding a 12-row recording `r9.csv`.
  static func recording() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-sidecar-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let writer = try CSVFileWriter(path: dir + "/r9.csv")
    for i in 0..<12 {
      var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 4242)
      sample.rss = UInt64(100 << 20) + UInt64(i) * 4096
      sample.startTicks = 909_310
      writer.append(sample)
    }
    try writer.finish()
    return dir
  }

  /// The pid the shell wrote before exec-ing memtop, once there.
  static func memtopPID(_ file: String) -> Int32? {
    guard MemtopWait.until(timeout: 60, { FileManager.default.fileExists(atPath: file) }) else { return nil }
    usleep(100_000)
    return (try? String(contentsOfFile: file, encoding: .utf8)).flatMap {
      Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  /// Runs `memtop replay r9.csv` in tmux, recording its pid in `DIR/pid`.
  static func replay(in dir: String) throws -> TmuxSession {
    let command =
      "sh -c 'echo $$ > \(dir)/pid; exec \(BuiltBinary.memtop) replay --ascii \(dir)/r9.csv'; echo MEMTOP-EXIT=$?; sleep 600"
    return try TmuxSession(width: 130, height: 40, directory: dir, command: command)
  }

  @Test("a FIFO as NAME.python.jsonl: the replay opens, q ends it, and one line names the FIFO")
  func fifo() throws {
    let dir = try Self.recording()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try #require(mkfifo(dir + "/r9.python.jsonl", 0o644) == 0)
    let tmux = try Self.replay(in: dir)
    let pid = Self.memtopPID(dir + "/pid")
    defer {
      tmux.kill()
      // Before the fix memtop stayed blocked in open(), deaf to SIGHUP and SIGTERM.
      if let pid { kill(pid, SIGKILL) }
    }
    // Before: open() waited for a writer for ever, before the screen was taken.
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") }
    #expect(ok, "the replay never opened:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok && screen.contains("MEMTOP-EXIT=0"), "q did not end the replay:\n\(screen)")
    #expect(screen.contains("memtop: \(dir)/r9.python.jsonl: left out: it is a FIFO"), "\(screen)")
  }

  @Test(
    "a huge NAME.python.jsonl (a 64 GiB sparse file): q, SIGTERM and SIGHUP end the replay while it is read",
    arguments: ["q", "TERM", "HUP"])
  func hugeSidecar(_ stop: String) throws {
    let dir = try Self.recording()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sidecar = dir + "/r9.python.jsonl"
    try #require(FileManager.default.createFile(atPath: sidecar, contents: nil))
    try #require(truncate(sidecar, 64 << 30) == 0, "no sparse file here")
    let tmux = try Self.replay(in: dir)
    let pid = try #require(Self.memtopPID(dir + "/pid"))
    defer {
      tmux.kill()
      // Before the fix it read on for minutes, orphaned, whatever it was sent.
      kill(pid, SIGKILL)
    }
    // Reading 64 GiB takes minutes: whenever the stop comes, the file is being read.
    let expected: String
    switch stop {
    case "q":
      let viewing = MemtopWait.until(timeout: 120) {
        ((try? tmux.run(["display-message", "-p", "#{alternate_on}"])) ?? "").hasPrefix("1")
      }
      try #require(viewing, "the view never started:\n\(tmux.capture())")
      try tmux.send("q")
      expected = "MEMTOP-EXIT=0"
    case "TERM":
      sleep(1)
      kill(pid, SIGTERM)
      expected = "MEMTOP-EXIT=143"
    default:
      sleep(1)
      kill(pid, SIGHUP)
      expected = "MEMTOP-EXIT=129"
    }
    let (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok && screen.contains(expected), "\(stop) did not end the replay:\n\(screen)")
  }
}
