import Foundation
import MemtopCore
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What `record -o` may write to, and how: regular files only (plus `/dev/null` and `-`), never
/// waited on, created under the user's umask, the name taken before the command is launched.
@Suite("memtop record: output files")
struct OutputFileTests {
  /// A shell command that leaves a file named after its shell's pid in `dir`, then sleeps:
  /// proof that the command ran.
  static func marking(_ dir: String, seconds: Int = 5) -> [String] {
    ["sh", "-c", "touch '\(dir)/ran.'$$; exec sleep \(seconds)"]
  }

  static func markers(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("ran.") }
  }

  static func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
  }

  @Test(
    "-o a FIFO without a reader, a socket or a device: one line and status 1 before the command is launched",
    arguments: ["fifo", "socket", "device"])
  func nonRegularOutput(_ kind: String) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path: String
    let phrase: String
    switch kind {
    case "fifo":
      path = dir + "/out.fifo"
      try #require(mkfifo(path, 0o644) == 0)
      phrase = "a FIFO (named pipe)"
    case "socket":
      path = dir + "/out.sock"
      let made = try MemtopRunner.pythonOutput(
        "import socket; socket.socket(socket.AF_UNIX).bind('\(path)'); print('bound')", in: dir)
      try #require(made == "bound")
      phrase = "a socket"
    default:
      path = "/dev/zero"
      phrase = "a character device"
    }
    // Before: open() waited for a reader for ever, deaf to --duration and SIGTERM.
    let result = try MemtopRunner.run(
      ["record", "-o", path, "--duration", "2", "--"] + Self.marking(dir), timeout: 60)
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "memtop: '\(path)' is \(phrase), not a regular file, so memtop does not write to it; give a file path, /dev/null, or - for standard output (and pipe that where it should go)\n"
    )
    #expect(Self.markers(dir).isEmpty, "the command was launched")
  }

  @Test("-o /dev/null and -o - are still written: the samples are taken, status 0")
  func nullAndStandardOutput() throws {
    for output in ["/dev/null", "-"] {
      let result = try MemtopRunner.run(
        ["record", "-o", output, "--interval", "0.1", "--duration", "1", "--", "sleep", "10"], timeout: 60)
      #expect(result.status == 0, "\(output): \(result.stderr)")
      #expect(result.stderr.contains("samples over"), "\(output): \(result.stderr)")
      if output == "-" { #expect(result.stdout.hasPrefix("time_unix_s,")) }
    }
  }

  @Test("-o /dev/null --python writes no /dev/null.python.jsonl, and says so in one line")
  func nullOutputHasNoPythonFile() throws {
    let sidecar = "/dev/null.python.jsonl"
    // Left by the bug this guards against, if an older build ran here.
    unlink(sidecar)
    let result = try MemtopRunner.run(
      [
        "record", "-o", "/dev/null", "--python", "--interval", "0.2", "--duration", "1.5", "--",
        "python3", "-c", "import time; time.sleep(30)",
      ], timeout: 60)
    let created = FileManager.default.fileExists(atPath: sidecar)
    if created { unlink(sidecar) }
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!created, "memtop created \(sidecar)")
    let staged = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).filter {
      $0.contains("null.python")
    }
    #expect(staged.isEmpty, "left in /dev: \(staged)")
    let lines = result.stderr.split(separator: "\n").filter { $0.contains("no Python file") }
    #expect(
      lines == [
        "memtop: --python: the recording goes to /dev/null, so no Python file is written beside it; the Python summary is printed at the end"
      ], "\(result.stderr)")
  }

  @Test(
    "under umask 077 the CSV and the Python file are 0600, new or replaced with --force; under 022, 0644",
    arguments: [("077", 0o600), ("022", 0o644)])
  func umaskIsHonoured(_ umask: String, _ expected: Int) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/run.csv"
    let sidecar = dir + "/run.python.jsonl"
    let underUmask = ["sh", "-c", "umask \(umask); exec \"$0\" \"$@\""]
    let arguments = [
      "record", "-o", csv, "--python", "--interval", "0.2", "--duration", "1.5", "--",
      "python3", "-c", "import time; time.sleep(30)",
    ]
    // New files.
    var result = try MemtopRunner.run(arguments, prefix: underUmask, timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Self.mode(csv) == expected, "CSV mode \(String(Self.mode(csv) ?? -1, radix: 8))")
    #expect(Self.mode(sidecar) == expected, "sidecar mode \(String(Self.mode(sidecar) ?? -1, radix: 8))")
    // Replacing files of another mode: the staged files are created under the umask too.
    for path in [csv, sidecar] { chmod(path, 0o604) }
    result = try MemtopRunner.run(arguments, prefix: underUmask, timeout: 60)
    #expect(result.status == 1, "refused without --force")
    result = try MemtopRunner.run(
      ["record", "--force"] + arguments.dropFirst(), prefix: underUmask, timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Self.mode(csv) == expected, "replaced CSV mode \(String(Self.mode(csv) ?? -1, radix: 8))")
    #expect(Self.mode(sidecar) == expected, "replaced sidecar mode \(String(Self.mode(sidecar) ?? -1, radix: 8))")
    let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
      $0.hasPrefix(".")
    }
    #expect(leftovers.isEmpty, "staged files left: \(leftovers)")
  }

  @Test("three recordings to the same new -o at once: exactly one launches its command; the others fail at once")
  func oneRecordingPerName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/same.csv"
    let runs = try (0..<3).map { _ in
      try MemtopRunner.start(["record", "-o", csv, "--interval", "0.2", "--"] + Self.marking(dir, seconds: 5))
    }
    let statuses = runs.map { $0.wait(timeout: 120) }
    let winners = runs.indices.filter { statuses[$0] == 0 }
    #expect(winners.count == 1, "statuses \(statuses)")
    for index in runs.indices where !winners.contains(index) {
      #expect(statuses[index] == 1)
      #expect(
        runs[index].stderr
          == "memtop: '\(csv)' already exists; add --force to replace it, or choose another name\n")
    }
    // Before: every recording launched its command, and the losers failed afterwards.
    #expect(Self.markers(dir).count == 1, "commands run: \(Self.markers(dir))")
    if let winner = winners.first {
      #expect(runs[winner].stderr.contains("-> \(csv)"), "\(runs[winner].stderr)")
    }
    #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("time_unix_s,"))
  }
}
