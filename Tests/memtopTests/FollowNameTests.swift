import Foundation
import MemtopExport
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record --follow-name`: a service that restarts becomes a second series segment.
@Suite("memtop record --follow-name", .serialized)
struct FollowNameTests {
  /// Starts the Python interpreter under the command name `alias` (a symlink to it), holding
  /// `megabytes` and sleeping.
  static func startService(alias: String, megabytes: Int) throws -> TestProcess {
    let script = "import time\nb = bytearray(b'\\x01') * (\(megabytes) << 20)\ntime.sleep(120)\n"
    return try TestProcess([alias, "-c", script])
  }

  @Test("a Python script is followed by its file name, with or without .py, through the pyenv shim")
  func scriptName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let tag = "ms" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
    let script = dir + "/" + tag + ".py"
    try "import time\nb = bytearray(b'\\x01') * (30 << 20)\ntime.sleep(120)\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    // python3 on PATH may be a shim: the interpreter's comm is python3, never the script's name.
    let service = try TestProcess(["python3", script])
    defer { service.signal(SIGKILL) }
    for name in [tag + ".py", tag] {
      let out = dir + "/\(name).csv"
      let recording = try MemtopRunner.run([
        "record", "--follow-name", name, "--interval", "0.1", "--duration", "4", "--output", out,
      ])
      #expect(recording.status == 0, "\(recording.stderr)")
      let rows = try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8))
      // Once the interpreter holds its 30 MB, rows are of the script's process, never memtop's.
      #expect(rows.contains { ($0.rss ?? 0) > 30 << 20 }, "\(name): \(recording.stderr)")
      #expect(recording.stderr.contains("following \(name): process"), "\(recording.stderr)")
    }
  }

  @Test("a restart starts a new segment with the new pid and start time; analyze judges the last lifetime")
  func restart() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let tag = "mf" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
    let python = try MemtopRunner.pythonOutput("import sys; print(sys.executable)", in: dir)
    try #require(python.hasPrefix("/"))
    let alias = dir + "/" + tag
    try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: python)
    let out = dir + "/follow.csv"
    let recording = try MemtopRunner.start([
      "record", "--follow-name", tag, "--interval", "0.1", "--duration", "9", "--output", out,
    ])
    usleep(500_000)
    let first = try Self.startService(alias: alias, megabytes: 20)
    sleep(3)
    first.signal(SIGKILL)
    first.wait(timeout: 10)
    usleep(500_000)
    let second = try Self.startService(alias: alias, megabytes: 40)
    defer { second.signal(SIGKILL) }
    #expect(recording.wait(timeout: 60) == 0, "memtop: \(recording.stderr)")

    let rows = try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8))
    let pids = rows.map(\.pid)
    // Two lifetimes, one after the other, never interleaved.
    #expect(pids.first == first.pid && pids.last == second.pid, "pids: \(Set(pids))")
    #expect(zip(pids, pids.dropFirst()).filter { $0 != $1 }.count == 1)
    #expect(Set(rows.filter { $0.pid == first.pid }.map(\.startTicks)).count == 1)
    #expect(rows.allSatisfy { $0.startTicks != nil })
    // Each segment shows its own process's memory: no carry-over from the first.
    let firstRSS = rows.filter { $0.pid == first.pid }.compactMap(\.rss).max() ?? 0
    let secondRSS = rows.filter { $0.pid == second.pid }.compactMap(\.rss).max() ?? 0
    #expect(firstRSS > 20 << 20 && firstRSS < 40 << 20 && secondRSS > 40 << 20)
    #expect(recording.stderr.contains("restarted as process \(second.pid): a new series segment begins"))
    #expect(recording.stderr.contains("2 lifetimes of \(tag)"))

    let analysis = try MemtopRunner.run(["analyze", out])
    #expect(
      analysis.stdout.contains("of process \(second.pid) (its last lifetime; 1 earlier process"), "\(analysis.stdout)")
  }

  @Test(
    "--follow-name with --pid, or a path, is refused in one line; so are --record and --children without a target",
    arguments: [
      (["record", "--follow-name", "x", "--pid", "1", "-o", "-"], "give one target"),
      (["record", "--follow-name", "/usr/bin/x", "-o", "-"], "is not a command name"),
      (["--record", "x.csv"], "--record needs a target"),
      (["--children"], "--children needs a target"),
    ])
  func refused(arguments: [String], message: String) throws {
    let result = try MemtopRunner.run(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
  }
}
