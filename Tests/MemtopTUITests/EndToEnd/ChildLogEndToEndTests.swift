import Foundation
import MemtopCore
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The file a command launched in the live view writes its output to may hold secrets: only
/// its owner reads it, and a default one does not outlive memtop.
@Suite("End to end in tmux: a launched command's output log", .serialized, .enabled(if: TmuxSession.isAvailable))
struct ChildLogEndToEndTests {
  static func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
  }

  static func octal(_ mode: Int?) -> String { mode.map { String($0, radix: 8) } ?? "none" }

  static let secretCommand = "sh -c 'echo API_TOKEN=s3cret; exec sleep 600'"

  @Test("the default log is 0600 in a 0700 directory under TMPDIR while the command runs, and gone after q")
  func defaultLogIsPrivateAndRemoved() throws {
    let dir = try Scratch.directory("memtop-e2e-log")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let temporary = dir + "/tmp"
    try FileManager.default.createDirectory(
      atPath: temporary, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o1777])
    let command =
      "env TMPDIR='\(temporary)' '\(BuiltBinary.memtop)' --ascii -- \(Self.secretCommand); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 160, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("child output:") && $0.contains("RSS  now") }
    try #require(ok, "the view did not start:\n\(screen)")
    let made = try FileManager.default.contentsOfDirectory(atPath: temporary)
    try #require(made.count == 1 && made[0].hasPrefix("memtop-"), "in TMPDIR: \(made)")
    let logDirectory = temporary + "/" + made[0]
    #expect(Self.mode(logDirectory) == 0o700, "directory mode \(Self.octal(Self.mode(logDirectory)))")
    let logs = try FileManager.default.contentsOfDirectory(atPath: logDirectory)
    try #require(logs.count == 1, "in the log directory: \(logs)")
    let log = logDirectory + "/" + logs[0]
    #expect(Self.mode(log) == 0o600, "log mode \(Self.octal(Self.mode(log)))")
    let written = MemtopWait.until(timeout: 30) {
      ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("API_TOKEN=s3cret")
    }
    #expect(written, "the command's output is not in \(log)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok, "q did not end the view:\n\(screen)")
    // Before: /tmp/memtop-child-PID.log, 0644, left behind for anyone to read.
    let left = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? ["unreadable"]
    #expect(left.isEmpty, "left in TMPDIR: \(left)")
    #expect(!screen.contains("the command's output is in"), "\(screen)")
  }

  @Test("a --child-output path the user chose is created 0600 and kept after q")
  func chosenLogIsKept() throws {
    let dir = try Scratch.directory("memtop-e2e-log")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let log = dir + "/chosen.log"
    let command =
      "'\(BuiltBinary.memtop)' --ascii --child-output '\(log)' -- \(Self.secretCommand); echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 160, height: 40, directory: dir, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") }
    try #require(ok, "the view did not start:\n\(screen)")
    #expect(Self.mode(log) == 0o600, "log mode \(Self.octal(Self.mode(log)))")
    let written = MemtopWait.until(timeout: 30) {
      ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("API_TOKEN=s3cret")
    }
    #expect(written)
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok, "q did not end the view:\n\(screen)")
    #expect(FileManager.default.fileExists(atPath: log), "the chosen log was removed")
    #expect(screen.contains("the command's output is in \(log)"), "\(screen)")
  }
}
