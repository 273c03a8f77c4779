import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop` with no target in tmux: the table of every process finds the growing one.
@Suite(
  "Process table end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct OverviewEndToEndTests {
  @Test("a leaking python among idle ones is on top when sorted by growth within 30 s; enter opens it, esc comes back")
  func leakerOnTop() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-overview-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // Our pythons run under a unique command name, so the filter shows only them whatever
    // else the machine runs.
    let (tag, alias) = try PythonAlias.make(in: dir.path)
    var children: [TestProcess] = []
    defer { for child in children { child.stop() } }
    for _ in 0..<4 {
      let idle = "import time\nb = bytearray(b'\\x01') * (30 << 20)\ntime.sleep(300)\n"
      children.append(try TestProcess([alias, "-c", idle]))
    }
    let leak =
      "import time\nkeep = []\nwhile True:\n    keep.append(bytearray(b'\\x01') * (256 << 10))\n    time.sleep(0.1)\n"
    let leakerProcess = try TestProcess([alias, "-c", leak])
    children.append(leakerProcess)
    let leaker = leakerProcess.pid

    let command = "'\(BuiltBinary.memtop)' --ascii; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 150, height: 30, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("all processes") && $0.contains("PID COMMAND") }
    #expect(ok, "the process table did not appear:\n\(screen)")
    try tmux.send("/")
    for c in tag { try tmux.send(String(c)) }
    try tmux.send("Enter")
    try tmux.send("G")
    (screen, ok) = tmux.waitFor(timeout: 30) { s in
      guard s.contains("then by growth"), s.contains("filter '\(tag)': 5 shown") else { return false }
      let rows = s.split(separator: "\n").drop { !$0.contains("PID COMMAND") }.dropFirst()
      return rows.first?.split(separator: " ").first == Substring(String(leaker))
    }
    #expect(ok, "the leaking process \(leaker) is not on top by growth:\n\(screen)")

    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("PID \(leaker)") && $0.contains("RSS  now") }
    #expect(ok, "enter did not open the leaking process:\n\(screen)")
    try tmux.send("Escape")
    (screen, ok) = tmux.waitFor { $0.contains("all processes") && $0.contains("then by growth") }
    #expect(ok, "esc did not come back to the table:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}

extension OverviewEndToEndTests {
  @Test(
    "1100 processes under ulimit -n 1024 (soft and hard): every one is read, none shown n/a or labelled 'not readable'",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
  func moreProcessesThanDescriptors() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-overview-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // sleep under a unique name (its comm), so the filter shows exactly ours.
    let name = "mt" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
    let sleep = try #require(TmuxSession.which("sleep"))
    try FileManager.default.createSymbolicLink(atPath: dir.path + "/" + name, withDestinationPath: sleep)
    var children: [TestProcess] = []
    defer {
      for child in children { child.signal(SIGKILL) }
      for child in children { child.stop() }
    }
    for _ in 0..<1100 {
      children.append(try TestProcess([dir.path + "/" + name, "600"]))
    }
    let command = "prlimit --nofile=1024:1024 -- '\(BuiltBinary.memtop)' --ascii; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 160, height: 30, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("all processes") && $0.contains("PID COMMAND") }
    #expect(ok, "the process table did not appear:\n\(screen)")
    try tmux.send("/")
    for c in name { try tmux.send(String(c)) }
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor(timeout: 60) { s in
      s.contains("filter '\(name)': 1100 shown") && s.split(separator: "\n").filter { $0.contains(name) }.count > 10
    }
    #expect(ok, "our 1100 processes are not all listed:\n\(screen)")
    // A few ticks later, still every one read.
    usleep(3_000_000)
    screen = tmux.capture()
    let header = screen.split(separator: "\n").first ?? ""
    #expect(!header.contains("not readable") && !header.contains("out of file descriptors"), "\(header)")
    let rows = screen.split(separator: "\n").filter { $0.contains(name) }
    #expect(rows.count > 10 && rows.allSatisfy { !$0.contains("n/a") }, "\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}

/// The Python interpreter under a unique command name: a symlink named like `mtabcdef`.
enum PythonAlias {
  /// Creates the symlink in `dir`; returns the name (the processes' comm) and its path.
  static func make(in dir: String) throws -> (name: String, path: String) {
    let name = "mt" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
    // The interpreter itself: python3 on PATH may be a wrapper script, whose name would stick.
    let python = try TestProcess.run(["python3", "-c", "import sys; print(sys.executable)"]).output.trimmingCharacters(
      in: .whitespacesAndNewlines)
    try #require(python.hasPrefix("/"), "no python3 interpreter: \(python)")
    let path = dir + "/" + name
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: python)
    return (name, path)
  }
}
