import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
import MemtopSampling
import MemtopExport
#endif

/// `NAME.python.jsonl` beside a recording is found by memtop, not given by the user: what is
/// there is read only when it is a regular file, never waited on or followed.
@Suite("analyze and plot: what lies beside a recording as NAME.python.jsonl")
struct PythonSidecarTests {
  /// A 12-row recording `run.csv` in a fresh directory; returns the directory.
  static func recording() throws -> String {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let writer = try CSVFileWriter(path: dir + "/run.csv")
    for i in 0..<12 {
      var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 4242)
      sample.rss = UInt64(100 << 20) + UInt64(i) * 4096
      sample.startTicks = 909_310
      writer.append(sample)
    }
    try writer.finish()
    return dir
  }

  /// Puts `kind` at `path`: a FIFO with no writer, a link to /dev/zero, or a directory.
  static func plant(_ kind: String, at path: String) throws {
    switch kind {
    case "fifo": try #require(mkfifo(path, 0o644) == 0)
    case "/dev/zero link": try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
    default: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }
  }

  static let phrases = [
    "fifo": "a FIFO (named pipe)", "/dev/zero link": "a symbolic link", "directory": "a directory",
  ]

  @Test(
    "a FIFO, a link to /dev/zero or a directory as NAME.python.jsonl: one line, and analyze and plot go on",
    arguments: ["fifo", "/dev/zero link", "directory"])
  func notARegularFile(_ kind: String) throws {
    let dir = try Self.recording()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.plant(kind, at: dir + "/run.python.jsonl")
    let note =
      "memtop: \(dir)/run.python.jsonl: left out: it is \(Self.phrases[kind] ?? ""), not a regular file; memtop reads only the regular file record --python writes there; remove it, or put that file back"
    // Before: both waited for a writer on the FIFO, or read /dev/zero, for ever.
    let analyze = try MemtopRunner.run(["analyze", dir + "/run.csv"], timeout: 60)
    #expect(analyze.status == 0, "\(analyze.stderr)")
    #expect(analyze.stderr == note + "\n")
    #expect(analyze.stdout.contains("verdict"), "\(analyze.stdout)")
    let svg = dir + "/run.svg"
    let plot = try MemtopRunner.run(["plot", dir + "/run.csv", "-o", svg], timeout: 60)
    #expect(plot.status == 0, "\(plot.stderr)")
    #expect(plot.stderr.hasPrefix(note + "\n"), "\(plot.stderr)")
    #expect(FileManager.default.fileExists(atPath: svg))
  }

  @Test("a FIFO given as the recording itself is refused in one line, never waited on")
  func fifoRecording() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try #require(mkfifo(dir + "/run.csv", 0o644) == 0)
    let analyze = try MemtopRunner.run(["analyze", dir + "/run.csv"], timeout: 60)
    #expect(analyze.status == 1)
    #expect(
      analyze.stderr
        == "memtop: \(dir)/run.csv: cannot open the file: it is a FIFO (named pipe), not a regular file; give the path of a CSV written by memtop record\n"
    )
  }

  @Test("the line naming a sidecar that is not a file escapes the recording's name")
  func nameIsEscaped() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let name = "r\u{1b}]0;PWNED\u{07}"
    let source = try Self.recording()
    defer { try? FileManager.default.removeItem(atPath: source) }
    try FileManager.default.copyItem(atPath: source + "/run.csv", toPath: dir + "/\(name).csv")
    try Self.plant("fifo", at: dir + "/\(name).python.jsonl")
    let analyze = try MemtopRunner.run(["analyze", dir + "/\(name).csv"], timeout: 60)
    #expect(analyze.status == 0)
    #expect(analyze.stderr.contains("r\\e]0;PWNED\\a.python.jsonl: left out: it is a FIFO"), "\(analyze.stderr)")
    #expect(!analyze.stderr.contains("\u{1b}") && !analyze.stderr.contains("\u{07}"))
  }
}
