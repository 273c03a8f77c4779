import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Crafted and everyday recordings through the real binary: `analyze` and `plot` read them
/// streaming, refuse what they cannot trust with one escaped line naming the line, and accept
/// what people's tools write (pandas round trips, a last line cut by a full disk).
@Suite("Recordings as input: crafted, cut, reordered, edited with pandas")
struct RecordingInputTests {
  static let header =
    "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,heap_bytes,file_bytes,shmem_bytes,swap_bytes,brk_heap_bytes,peak_rss_bytes,pss_bytes,uss_bytes,swap_pss_bytes,marker,start_ticks,processes\n"

  /// `rows` rows at 1 s of pid 4242 growing 20 KiB/s, in memtop's own format.
  static func rows(_ count: Int, pid: Int = 4242, start: Int = 0) -> [String] {
    (0..<count).map { i in
      let rss = 100 << 20 + (start + i) * 20 * 1024
      let heap = i % 7 == 3 ? "" : "\(rss - (30 << 20))"
      return
        "\(1_764_000_000 + start + i).000,\(start + i).000,\(pid),\(rss),\(rss - (20 << 20)),\(heap),4096,0,0,,\(rss),,,,,909310,\n"
    }
  }

  static func write(_ text: String, name: String = "in.csv") throws -> String {
    let path = try Scratch.directory(anyoneMayWrite: true) + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  struct Refusal: CustomTestStringConvertible, Sendable {
    var id: String
    var body: String
    var line: Int
    var fragment: String
    var testDescription: String { id }
  }

  static let refusals: [Refusal] = [
    Refusal(
      id: "elapsed_s 1e19 (was a SIGILL in ByteFormat.duration)", body: "1,0,1,100\n2,1e19,1,100\n", line: 3,
      fragment: "elapsed_s is '1e19', longer than any recording"),
    Refusal(
      id: "a size of 2^64-2 (was a SIGILL in ChartModel)", body: "1,0,1,100\n2,1,1,100\n3,2,1,18446744073709551614\n",
      line: 4, fragment: "rss_bytes is '18446744073709551614', larger than any memory"),
    Refusal(
      id: "a size of UInt64.max is refused, not read as missing", body: "1,0,1,100\n2,1,1,18446744073709551615\n",
      line: 3, fragment: "rss_bytes is '18446744073709551615', larger than any memory"),
    Refusal(
      id: "negative elapsed_s", body: "1,-5,1,100\n", line: 2,
      fragment: "elapsed_s is '-5', before the recording started"),
    Refusal(
      id: "two rows swapped", body: "1,0,1,100\n3,2,1,100\n2,1,1,100\n", line: 4,
      fragment: "is before line 3's (2.0 s) for pid 1; rows must be in time order"),
    Refusal(
      id: "a duplicate timestamp", body: "1,0,1,100\n2,1,1,100\n2,1,1,200\n", line: 4,
      fragment: "repeats the time of line 3"),
    Refusal(
      id: "time_unix_s out of range", body: "1e300,0,1,100\n", line: 2, fragment: "time_unix_s is '1e300', not a date"),
  ]

  @Test("analyze and plot refuse crafted rows with the line, and do not crash", arguments: refusals)
  func refused(_ c: Refusal) throws {
    let path = try Self.write("time_unix_s,elapsed_s,pid,rss_bytes\n" + c.body)
    for command in [["analyze", path], ["analyze", path, "--json"], ["plot", path, "-o", path + ".svg"]] {
      let result = try MemtopRunner.run(command)
      #expect(result.status == 1, "\(command[0]): \(result.stderr)")
      #expect(result.stderr.hasPrefix("memtop: \(path):\(c.line): "), "\(command[0]): \(result.stderr)")
      #expect(result.stderr.contains(c.fragment), "\(command[0]): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)
    }
    #expect(!FileManager.default.fileExists(atPath: path + ".svg"))
  }

  @Test("escape sequences in a CSV's header and values are escaped in the error")
  func escapesInContent() throws {
    for text in [
      "\u{1B}]0;PWNED\u{07}\u{1B}[2J,x\n1,2\n", "elapsed_s,rss_bytes\n0,\u{1B}[2J\u{9B}31m\n",
      "elapsed_s,pid,rss_bytes\n0,\u{1B}]0;T\u{07},5\n",
    ] {
      let path = try Self.write(text)
      let result = try MemtopRunner.run(["analyze", path])
      #expect(result.status == 1)
      #expect(
        !result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B },
        "raw control character in: \(result.stderr.debugDescription)")
      #expect(result.stderr.contains("\\e"), "\(result.stderr.debugDescription)")
    }
  }

  @Test("a last line cut short (disk full mid-row) is left out with a note; analyze and plot go on")
  func cutLastLine() throws {
    let full = Self.header + Self.rows(200).joined()
    let cut = String(full.dropLast(40))  // ends in the middle of row 200
    let path = try Self.write(cut)
    let analyze = try MemtopRunner.run(["analyze", path])
    #expect(analyze.status == 0, "\(analyze.stderr)")
    #expect(
      analyze.stderr
        == "memtop: \(path):201: the last line has no line ending, so it was cut short (a full disk or a killed recorder) and is left out; every row before it was read\n"
    )
    #expect(analyze.stdout.contains("199 samples"), "\(analyze.stdout)")
    let plot = try MemtopRunner.run(["plot", path, "-o", path + ".svg"])
    #expect(plot.status == 0, "\(plot.stderr)")
    #expect(plot.stderr.contains(":201: the last line has no line ending"))
    #expect(FileManager.default.fileExists(atPath: path + ".svg"))
  }

  @Test("two processes interleaved row by row: one earlier process left out, not one per run of rows")
  func interleavedLifetimes() throws {
    let a = Self.rows(160, pid: 100)
    let b = Self.rows(160, pid: 200)
    let path = try Self.write(Self.header + zip(a, b).map { $0 + $1 }.joined())
    let result = try MemtopRunner.run(["analyze", path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("160 samples"), "\(result.stdout)")
    #expect(result.stdout.contains("of process 200"), "\(result.stdout)")
    #expect(result.stdout.contains("1 earlier process with another PID left out"), "\(result.stdout)")
  }

  @Test("a 2 GB sparse file and a 2 MiB first line are refused at once")
  func hugeNonRecordings() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let sparse = dir + "/sparse.csv"
    #expect(FileManager.default.createFile(atPath: sparse, contents: nil))
    #expect(truncate(sparse, 2 << 30) == 0)
    let started = Date()
    let result = try MemtopRunner.run(["analyze", sparse], timeout: 60)
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "memtop: \(sparse):1: the file holds binary data (a NUL byte in its first line), not a CSV recording; give a file written by memtop record\n"
    )
    // Reading the whole file took 40 s and 6.3 GB; the first chunk is enough.
    #expect(Date().timeIntervalSince(started) < 20)
    let long = try Self.write(String(repeating: "a", count: 2 << 20), name: "long.csv")
    let refused = try MemtopRunner.run(["plot", long, "-o", "-"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains(":1: the first line is longer than 1 MiB"), "\(refused.stderr)")
  }

  @Test("pandas round trips (index=False with whole-valued decimals, index=True) are accepted with the same verdict")
  func pandasRoundTrip() throws {
    let path = try Self.write(Self.header + Self.rows(300).joined(), name: "orig.csv")
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let check = try MemtopRunner.pythonOutput("import pandas; print('ok')", in: dir)
    try #require(check == "ok", "pandas is needed (scripts/bootstrap installs it): \(check)")
    let script = """
      import pandas as pd
      f = pd.read_csv('\(path)')
      f.to_csv('\(dir)/noindex.csv', index=False)
      f.to_csv('\(dir)/index.csv', index=True)
      print(open('\(dir)/noindex.csv').read().splitlines()[1])
      """
    let row = try MemtopRunner.pythonOutput(script, in: dir)
    #expect(row.contains(".0,"), "pandas wrote no whole-valued decimals: \(row)")
    let original = try MemtopRunner.run(["analyze", path, "--json"])
    #expect(original.status == 0, "\(original.stderr)")
    for file in ["noindex.csv", "index.csv"] {
      let result = try MemtopRunner.run(["analyze", dir + "/" + file, "--json"])
      #expect(result.status == 0, "\(file): \(result.stderr)")
      #expect(result.stdout == original.stdout, "\(file) judged differently")
    }
  }
}

/// Argument mistakes: each explained in one escaped line.
@Suite("Argument messages")
struct ArgumentMessageTests {
  @Test("--interval -1 is out of range, not a missing value")
  func negativeInterval() throws {
    for args in [["--interval", "-1", "--pid", "1"], ["record", "-i", "-1", "--pid", "1", "-o", "/tmp/x.csv"]] {
      let result = try MemtopRunner.run(args)
      #expect(result.status == 64)
      #expect(
        result.stderr.hasPrefix("memtop: --interval -1.0 is out of range; use a value from 0.01 to 3600 seconds"),
        "\(result.stderr)")
    }
  }

  @Test(
    "a negative number after any option reaches that option's own check (no table of names to drift)",
    arguments: [
      (["-d", "-5", "--pid", "1"], "memtop: --delay -5.0 is out of range; use tenths of a second"),
      (["--delay", "-5", "--pid", "1"], "memtop: --delay -5.0 is out of range; use tenths of a second"),
      (["record", "--duration", "-5", "--", "true"], "memtop: --duration -5.0 is not a positive number of seconds"),
      (["record", "--budget", "-1", "--", "true"], "memtop: --budget"),
      (["--children", "-5"], "memtop: The option '--children' does not take any value"),
    ])
  func negativeAfterAnyOption(_ args: [String], _ expected: String) throws {
    let result = try MemtopRunner.run(args)
    #expect(result.status == 64)
    #expect(result.stderr.contains(expected), "\(result.stderr)")
    #expect(!result.stderr.contains("Unknown option '--duration'"))
  }

  @Test("--pid= with no value is named, instead of swallowing the next option")
  func emptyValue() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(["record", "--pid=", "-o", dir + "/out.csv"])
    #expect(result.status == 64)
    #expect(
      result.stderr == "memtop: --pid= has no value; write --pid VALUE or --pid=VALUE (see 'memtop record --help')\n")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.csv"))
  }

  @Test("a directory after -- is called a directory, not a file to chmod +x")
  func directoryCommand() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(["record", "-o", dir + "/out.csv", "--", dir])
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix("memtop: '\(dir)' is a directory, not a program; give the program to launch after --"),
      "\(result.stderr)")
    #expect(!result.stderr.contains("chmod"))
  }

  @Test("escape sequences in --interval, -o paths and unknown arguments are escaped")
  func escapedArguments() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let cases: [[String]] = [
      ["record", "--interval", "\u{1B}[2J5", "--pid", "1", "-o", dir + "/x.csv"],
      ["record", "--bogus\u{1B}]0;PWNED\u{07}", "--pid", "1", "-o", dir + "/x.csv"],
      ["record", "--pid", "\(getpid())", "-o", dir + "/no/such/\u{1B}[2Jx.csv", "--duration", "1"],
      ["analyze", dir + "/\u{1B}[2J\u{202E}gpj.csv"],
    ]
    for args in cases {
      let result = try MemtopRunner.run(args)
      #expect(result.status != 0)
      #expect(!result.stderr.isEmpty)
      #expect(
        !result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E },
        "\(args): \(result.stderr.debugDescription)")
    }
  }

  @Test("U+202E and zero-width characters in a launched process's name are escaped in record's messages")
  func bidiProcessName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let program = dir + "/sl\u{202E}ee\u{200B}p"
    try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: program)
    let result = try MemtopRunner.run(["record", "-o", dir + "/out.csv", "--", program, "0.5"], timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.isEmpty)
    #expect(
      !result.stderr.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x200B },
      "\(result.stderr.debugDescription)")
    #expect(result.stderr.contains("\\u{202e}"), "\(result.stderr.debugDescription)")
  }
}
