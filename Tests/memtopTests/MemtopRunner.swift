import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `memtop` binary (`BuiltBinary.memtop`) and other programs as real processes
/// (`TestProcess`), their output captured in files.
enum MemtopRunner {
  /// Starts `memtop ARGS` (optionally through a prefix such as `setpriv …`).
  static func start(_ arguments: [String], prefix: [String] = [], stdin: String = "/dev/null") throws -> TestProcess {
    try spawn(prefix + [BuiltBinary.memtop] + arguments, stdin: stdin)
  }

  /// Starts any program (found on `PATH`, no shell) with its standard output and error in files
  /// of a fresh scratch folder.
  static func spawn(_ argv: [String], stdin: String = "/dev/null") throws -> TestProcess {
    let dir = try Scratch.directory("memtop-run")
    return try TestProcess(argv, stdin: .file(stdin), stdout: .file(dir + "/stdout"), stderr: .file(dir + "/stderr"))
  }

  /// Runs `memtop ARGS` to completion.
  static func run(_ arguments: [String], prefix: [String] = [], timeout: Double = 120) throws -> (
    status: Int32?, stdout: String, stderr: String
  ) {
    let running = try start(arguments, prefix: prefix)
    let status = running.wait(timeout: timeout)
    return (status, running.stdout, running.stderr)
  }

  /// Runs `sh SCRIPT` with its output in `output`; returns that output, trimmed.
  static func shell(_ script: String, output: String) throws -> String {
    _ = try runTool(["sh", script], output: output)
    return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(
      in: .whitespacesAndNewlines)
  }

  /// Runs `argv` (standard input the test runner's) with standard output and error in
  /// `output`; returns its exit status. A tool still running after 15 minutes is killed.
  static func runTool(_ argv: [String], output: String) throws -> Int32 {
    let tool = try TestProcess(argv, stdin: .inherit, stdout: .file(output))
    if tool.wait(timeout: 900) == nil { tool.stop() }
    return tool.status ?? -1
  }

  /// Runs `python3 -c CODE` and returns its output, trimmed.
  static func pythonOutput(_ code: String, in dir: String) throws -> String {
    let output = dir + "/python-\(UUID()).out"
    _ = try runTool(["python3", "-c", code], output: output)
    return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(
      in: .whitespacesAndNewlines)
  }

  /// Polls `condition` every 50 ms for up to `timeout` seconds; returns whether it came true.
  @discardableResult
  static func waitUntil(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return true }
      usleep(50_000)
    }
    return condition()
  }
}

/// A long-lived process to attach to: Python holding `megabytes` of touched memory, idle.
final class IdleTarget {
  let running: TestProcess
  var pid: Int32 { running.pid }

  init(megabytes: Int = 50) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let ready = dir + "/ready"
    let script =
      "import time\nb = bytearray(b'\\x01') * (\(megabytes) << 20)\nopen('\(ready)', 'w').close()\ntime.sleep(600)\n"
    running = try MemtopRunner.spawn(["python3", "-c", script])
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: ready) && Date() < deadline { usleep(20_000) }
  }

  func vmRSS() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
    else { return nil }
    return kib * 1024
  }
}

/// Reads a CSV file with Python's csv module and pandas, with no options, and returns
/// `rows columns` as pandas saw them (or the Python error).
func pythonReadsCSV(_ path: String) throws -> String {
  let script = """
    import csv, sys
    import pandas
    with open(sys.argv[1], newline='') as f:
        rows = list(csv.reader(f))
    df = pandas.read_csv(sys.argv[1])
    assert len(df) == len(rows) - 1, (len(df), len(rows))
    assert list(df.columns) == rows[0]
    assert str(df['rss_bytes'].dtype) == 'int64', df['rss_bytes'].dtype
    print(len(df), len(df.columns))
    """
  let out = try Scratch.directory(anyoneMayWrite: true) + "/out"
  _ = try MemtopRunner.runTool(["python3", "-c", script, path], output: out)
  return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}
