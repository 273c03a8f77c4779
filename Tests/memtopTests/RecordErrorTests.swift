import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

/// Every argument and runtime error of `memtop record`: one line naming the bad value and the
/// fix, a non-zero status, and no output file left behind.
@Suite("memtop record errors")
struct RecordErrorTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var id: String
    var arguments: [String]
    var status: Int32
    var message: String
    var testDescription: String { id }
  }

  static let cases: [Case] = [
    Case(
      id: "PID not a number", arguments: ["record", "--pid", "abc", "-o", "OUT"], status: 64,
      message:
        "memtop: invalid PID 'abc'; give a positive process id such as --pid 1234 (find one with pgrep NAME) (see 'memtop record --help')"
    ),
    Case(
      id: "PID zero", arguments: ["record", "--pid", "0", "-o", "OUT"], status: 64,
      message:
        "memtop: invalid PID '0'; give a positive process id such as --pid 1234 (find one with pgrep NAME) (see 'memtop record --help')"
    ),
    Case(
      id: "PID negative", arguments: ["record", "--pid", "-5", "-o", "OUT"], status: 64,
      message:
        "memtop: invalid PID '-5'; give a positive process id such as --pid 1234 (find one with pgrep NAME) (see 'memtop record --help')"
    ),
    Case(
      id: "no such process", arguments: ["record", "--pid", "2147483646", "-o", "OUT"], status: 1,
      message:
        "memtop: no such process or not visible: PID 2147483646 (it has exited, or /proc is mounted with hidepid); check it with ps -p 2147483646, or run memtop as the process's user or as root"
    ),
    Case(
      id: "interval too small", arguments: ["record", "--pid", "1", "--interval", "0.001", "-o", "OUT"], status: 64,
      message:
        "memtop: --interval 0.001 is out of range; use a value from 0.01 to 3600 seconds (see 'memtop record --help')"),
    Case(
      id: "interval too large", arguments: ["record", "--pid", "1", "--interval", "7200", "-o", "OUT"], status: 64,
      message:
        "memtop: --interval 7200.0 is out of range; use a value from 0.01 to 3600 seconds (see 'memtop record --help')"),
    Case(
      id: "no target", arguments: ["record", "-o", "OUT"], status: 64,
      message:
        "memtop: memtop record needs a target: --pid PID attaches to a running process, -- COMMAND [ARGS...] launches one (see 'memtop record --help')"
    ),
    Case(
      id: "both targets", arguments: ["record", "--pid", "1", "-o", "OUT", "--", "true"], status: 64,
      message: "memtop: give either --pid or a command after --, not both (see 'memtop record --help')"),
    Case(
      id: "output directory missing", arguments: ["record", "--pid", "1", "-o", "/nonexistent-memtop/x.csv"], status: 1,
      message:
        "memtop: cannot create output file '/nonexistent-memtop/x.csv': No such file or directory; create the directory first or choose another --output path"
    ),
    Case(
      id: "a device other than /dev/null (/dev/full) is refused",
      arguments: ["record", "--pid", "1", "-o", "/dev/full"], status: 1,
      message:
        "memtop: '/dev/full' is a character device, not a regular file, so memtop does not write to it; give a file path, /dev/null, or - for standard output (and pipe that where it should go)"
    ),
    Case(
      id: "command not found", arguments: ["record", "-o", "OUT", "--", "memtop-no-such-command"], status: 127,
      message: "memtop: cannot run 'memtop-no-such-command': command not found; check the name, or give its full path"),
    Case(
      id: "--per-process without --children", arguments: ["record", "--pid", "1", "--per-process", "-o", "OUT"],
      status: 64,
      message:
        "memtop: --per-process needs --children (it splits a process tree's total into one row per process) (see 'memtop record --help')"
    ),
    Case(
      id: "--follow-name with a command",
      arguments: ["record", "--follow-name", "gunicorn", "-o", "OUT", "--", "true"], status: 64,
      message:
        "memtop: give one target: --follow-name, --pid or a command after --, not several (see 'memtop record --help')"),
    Case(
      id: "unknown option", arguments: ["record", "--pid", "1", "-o", "OUT", "--frobnicate"], status: 64,
      message: "memtop: Unknown option '--frobnicate' (see 'memtop record --help')"),
  ]

  @Test("one-line message, status, nothing half-written", arguments: cases)
  func error(_ c: Case) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/out.csv"
    let result = try MemtopRunner.run(c.arguments.map { $0 == "OUT" ? out : $0 }, timeout: 60)
    #expect(result.status == c.status)
    #expect(result.stderr == c.message + "\n")
    #expect(result.stdout.isEmpty)
    if c.id != "command not found" {
      #expect(!FileManager.default.fileExists(atPath: out), "no output file for a run that never sampled")
    }
  }

  @Test(
    "a process whose smaps may not be read: cheap fields recorded, warned once, the rest empty",
    .enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
  func permission() throws {
    let target = try IdleTarget(megabytes: 10)  // owned by root
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/perm.csv"
    let result = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "--interval", "0.05", "--duration", "0.5", "-o", out],
      prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    #expect(result.status == 0)
    let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning") }
    #expect(
      warnings == [
        "memtop: warning: cannot read /proc/\(target.pid)/smaps (permission denied): heap, memory by kind, descriptors, PSS, USS and SwapPss stay empty; run memtop as the process's user, or grant CAP_SYS_PTRACE (or CAP_PERFMON on Linux 6.15+)"
      ])
    let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(rows.count >= 5)
    for row in rows {
      let f = row.split(separator: ",", omittingEmptySubsequences: false)
      #expect(!f[3].isEmpty && f[3] != "0", "rss present")
      #expect(
        f[5].isEmpty && f[11].isEmpty && f[12].isEmpty && f[13].isEmpty, "heap, pss, uss, swap_pss empty, never 0")
      // The columns after `command`, found by name and counted from the end (a command line
      // may hold quoted commas).
      func field(_ name: String) -> Substring {
        let fromEnd = CSVFormat.columns.count - (CSVFormat.columns.firstIndex(of: name) ?? 0)
        return f[f.count - fromEnd]
      }
      #expect(Metric.regions.allSatisfy { field($0.csvColumn).isEmpty }, "memory by kind empty, never 0")
      #expect(!field("threads").isEmpty && field("threads") != "0", "threads present (status is world-readable)")
      #expect(field("fds").isEmpty, "fds empty: another user's /proc/PID/fd may not be read")
      #expect(field("arenas").isEmpty, "arenas empty: the walk may not be done")
    }
  }
}
