import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `memtop` binary as a real process, its output captured in files.
///
/// The binary sits beside the test bundle in the build folder; `MEMTOP_BIN` overrides that.
struct MemtopRunner {
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["MEMTOP_BIN"] { return path }
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
    // The test bundle may be a folder (…/memtopPackageTests.xctest/…) or a file.
    while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("memtop").path), dir.path != "/" {
      dir.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("memtop").path
  }()

  /// A started memtop process.
  final class Running {
    let pid: Int32
    let stdoutPath: String
    let stderrPath: String
    private(set) var status: Int32?

    init(pid: Int32, stdoutPath: String, stderrPath: String) {
      self.pid = pid
      self.stdoutPath = stdoutPath
      self.stderrPath = stderrPath
    }

    /// Waits up to `timeout` seconds; returns the exit status (128 + signal if killed), or nil.
    @discardableResult
    func wait(timeout: Double = 120) -> Int32? {
      if let status { return status }
      let deadline = Date().addingTimeInterval(timeout)
      var raw: Int32 = 0
      while Date() < deadline {
        let rc = waitpid(pid, &raw, WNOHANG)
        if rc == pid {
          status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
          return status
        }
        usleep(20_000)
      }
      return nil
    }

    func signal(_ signo: Int32) { kill(pid, signo) }

    /// Starts `argv` (looked up on PATH) with its output discarded.
    static func spawn(_ argv: [String]) throws -> Running {
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
      let cArgs = argv.map { strdup($0) }
      defer { for pointer in cArgs { free(pointer) } }
      var pid: pid_t = 0
      guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs + [nil], environ) == 0 else {
        throw CocoaError(.executableLoad)
      }
      return Running(pid: pid, stdoutPath: "/dev/null", stderrPath: "/dev/null")
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
      if status == nil {
        kill(pid, SIGKILL)
        wait(timeout: 5)
      }
    }
  }

  /// Starts `memtop ARGS` (optionally through a prefix such as `setpriv …`).
  static func start(_ arguments: [String], prefix: [String] = [], stdin: String = "/dev/null") throws -> Running {
    try spawn(prefix + [binary] + arguments, stdin: stdin)
  }

  /// Starts any program (found on `PATH`, no shell) with its output captured in files.
  static func spawn(_ argv: [String], stdin: String = "/dev/null") throws -> Running {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-run-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let out = dir.appendingPathComponent("stdout").path
    let err = dir.appendingPathComponent("stderr").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cArgs = argv.map { strdup($0) }
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs + [nil], environ)
    guard rc == 0 else { throw CocoaError(.executableLoad) }
    return Running(pid: pid, stdoutPath: out, stderrPath: err)
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

  /// Runs `argv` with standard output and error in `output`; returns its exit status.
  static func runTool(_ argv: [String], output: String) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArgs = argv.map { strdup($0) }
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs + [nil], environ) == 0 else {
      throw CocoaError(.executableLoad)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
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

  /// A fresh temporary directory anyone may write to.
  static func scratchDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-scratch-\(UUID())")
    try FileManager.default.createDirectory(
      at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
    return dir.path
  }
}

/// A long-lived process to attach to: Python holding `megabytes` of touched memory, idle.
final class IdleTarget {
  let running: MemtopRunner.Running
  var pid: Int32 { running.pid }

  init(megabytes: Int = 50) throws {
    let dir = try MemtopRunner.scratchDirectory()
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
  let out = try MemtopRunner.scratchDirectory() + "/out"
  _ = try MemtopRunner.runTool(["python3", "-c", script, path], output: out)
  return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}
