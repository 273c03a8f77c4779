import Foundation
import MemtopCore
import MemtopExport
import MemtopSystem
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--python` end to end: real CPython programs from `examples/python/agent_*.py`, launched
/// under `memtop record --python` or attached to while they run, then `memtop analyze --json`
/// on the recording and its `NAME.python.jsonl`. The programs mostly sleep; every wait is
/// generous, so a loaded 2-core machine only makes them slower.
@Suite("--python: the agent on real programs")
struct PythonAgentTests {
  static func example(_ name: String) -> String { ExamplesTests.python(name) }

  /// Records `command` with `--python` (and `extra`); returns the CSV path and the run.
  static func record(_ command: [String], seconds: Int, extra: [String] = []) throws -> (
    csv: String, status: Int32?, stdout: String, stderr: String
  ) {
    let csv = try Scratch.directory(anyoneMayWrite: true) + "/run.csv"
    let args = ["record", "--python", "--interval", "0.5", "--duration", String(seconds), "-o", csv] + extra
    let result = try MemtopRunner.run(args + ["--"] + command, timeout: Double(seconds) + 240)
    return (csv, result.status, result.stdout, result.stderr)
  }

  /// `analyze --json` of `csv`, decoded.
  static func analysis(_ csv: String) throws -> [String: Any] {
    let run = try MemtopRunner.run(["analyze", csv, "--json"])
    #expect(run.status == 0, "analyze failed: \(run.stderr)")
    return try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
  }

  /// The jsonl's records of `type`, decoded.
  static func records(_ csv: String, type: String) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: PythonJSONLWriter.path(besideCSV: csv), encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }.filter { $0["type"] as? String == type }
  }

  @Test("an unbounded lru_cache keyed on a timestamp is named, with currsize growing (launched, 90 s)")
  func unboundedCache() throws {
    let run = try Self.record(["python3", Self.example("agent_lru_cache.py")], seconds: 90)
    #expect(run.status == 0, "\(run.stderr)")
    // The jsonl holds the agent's lines as received, each with elapsed_s.
    let samples = try Self.records(run.csv, type: "sample")
    #expect(samples.count >= 40, "\(samples.count) samples: \(run.stderr)")
    #expect(samples.allSatisfy { $0["elapsed_s"] is NSNumber })
    let sizes = samples.compactMap { sample -> Int? in
      let caches = sample["caches"] as? [[String: Any]] ?? []
      return caches.first { $0["function"] as? String == "__main__.price" }?["currsize"] as? Int
    }
    #expect(sizes.count >= 10 && (sizes.last ?? 0) > (sizes.first ?? 0) + 5000, "currsize did not grow: \(sizes)")

    // Without --trace-lines, the tracing window opens once the verdict says leak.
    #expect(run.stderr.contains("the verdict says leak: tracing Python allocations by line for 60 s"), "\(run.stderr)")
    #expect(samples.contains { $0["traced"] is [String: Any] })
    let python = try #require(try Self.analysis(run.csv)["python"] as? [String: Any])
    let caches = try #require(python["caches"] as? [[String: Any]])
    let cache = try #require(caches.first, "no cache: \(python)")
    #expect(cache["function"] as? String == "__main__.price")
    #expect(cache["maxsize"] is NSNull)
    #expect((cache["growth_per_s"] as? Double ?? 0) > 100)
    #expect((cache["currsize"] as? Int ?? 0) > 10000)
    let text = try MemtopRunner.run(["analyze", run.csv]).stdout
    #expect(text.contains("cache `__main__.price` (maxsize=None): "), "\(text)")
    #expect(text.range(of: #"entries, \+[0-9,]+/min"#, options: .regularExpression) != nil, "\(text)")
    // plot writes the same section under the chart, escaped for XML.
    let svg = csvDirectory(run.csv) + "/run.svg"
    let plot = try MemtopRunner.run(["plot", run.csv, "-o", svg])
    #expect(plot.status == 0, "\(plot.stderr)")
    let picture = try String(contentsOfFile: svg, encoding: .utf8)
    #expect(picture.contains(#"<g id="python""#) && picture.contains("cache `__main__.price` (maxsize=None): "))
  }

  /// The directory of a file path.
  func csvDirectory(_ path: String) -> String {
    URL(fileURLWithPath: path).deletingLastPathComponent().path
  }

  /// The children of `pid` (its main thread's), from `/proc`.
  static func children(of pid: Int32) -> [Int32] {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }

  static let leakLine = example("agent_request_dict.py") + ":19"

  @Test(
    "looking inside never changes the answer: with --python --trace-lines the verdict and --fail-on-leak status are those without; the dict holding it is named"
  )
  func lookingInsideKeepsTheVerdict() throws {
    let program = ["python3", Self.example("agent_request_dict.py")]
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let plain = dir + "/plain.csv"
    let without = try MemtopRunner.run(
      ["record", "--interval", "0.5", "--duration", "50", "--fail-on-leak", "-o", plain, "--"] + program, timeout: 300)
    let with = try Self.record(program, seconds: 50, extra: ["--trace-lines", "--fail-on-leak"])
    #expect(without.status == 10, "\(without.stderr)")
    #expect(with.status == without.status, "with --python: \(with.stderr)")
    let verdict = try Self.analysis(with.csv)["verdict"] as? String
    #expect(verdict == (try Self.analysis(plain)["verdict"] as? String) && verdict == "leak")
    // One figure per fact: record's closing rate and interval are analyze's of the same file.
    let rate = #"\+[0-9.,]+ [KMGT]?i?B/(s|min|h) \(95 % [^)]*\)"#
    let closing = with.stderr.split(separator: "\n").first { $0.contains("verdict: leak") }.flatMap { line in
      line.range(of: "RSS " + rate, options: .regularExpression).map { String(line[$0].dropFirst(4)) }
    }
    let analyzed = try MemtopRunner.run(["analyze", with.csv]).stdout.split(separator: "\n")
      .first { $0.hasPrefix("  RSS ") }.flatMap { line in
        line.range(of: rate, options: .regularExpression).map { String(line[$0]) }
      }
    #expect(closing != nil && closing == analyzed, "record: \(closing ?? with.stderr); analyze: \(analyzed ?? "")")
    // The agent's own bytes are recorded in their column, and the window's edges are marked.
    let rows = try RecordingReader(path: with.csv).read(String(contentsOfFile: with.csv, encoding: .utf8))
    #expect(rows.contains { ($0.observer ?? 0) > 0 }, "no observer_bytes recorded")
    #expect(rows.contains { $0.marker == "python tracing window opened" })
    // Who holds it: the module-level dict, with the line that defines it.
    let python = try #require(try Self.analysis(with.csv)["python"] as? [String: Any])
    #expect((python["observer_bytes"] as? Int) != nil, "\(python)")
    let retainers = try #require(python["retainers"] as? [[String: Any]])
    let first = try #require(retainers.first, "no retainer: \(python)")
    #expect(first["path"] as? String == "__main__.SEEN", "\(retainers)")
    #expect((first["defined_at"] as? String)?.hasSuffix("agent_request_dict.py:14") == true, "\(first)")
    #expect((first["growth_per_s"] as? Double ?? 0) > 10)
    let text = try MemtopRunner.run(["analyze", with.csv]).stdout
    #expect(text.contains("__main__.SEEN (dict, agent_request_dict.py:14) grows +"), "\(text)")
    #expect((python["share_of_rss_growth"] as? Double ?? 0) >= 0.5, "\(python)")
  }

  @Test("a request loop keeping every payload in a module dict: top_lines[0] is that line (launched, --trace-lines)")
  func requestDictLaunched() throws {
    let source = try String(contentsOfFile: Self.example("agent_request_dict.py"), encoding: .utf8)
    #expect(source.split(separator: "\n", omittingEmptySubsequences: false)[18].contains("AGENT-LEAK-LINE"))
    let run = try Self.record(
      ["python3", Self.example("agent_request_dict.py")], seconds: 40, extra: ["--trace-lines"])
    #expect(run.status == 0, "\(run.stderr)")
    let python = try #require(try Self.analysis(run.csv)["python"] as? [String: Any])
    let lines = try #require(python["top_lines"] as? [[String: Any]])
    #expect(lines.first?["location"] as? String == Self.leakLine, "\(lines.prefix(3))")
    let slopes = lines.compactMap { $0["slope_bytes_per_s"] as? Double }
    #expect(slopes == slopes.sorted(by: >), "top_lines not sorted by slope: \(slopes)")
    #expect((python["share_of_rss_growth"] as? Double ?? 0) > 0.5, "\(python)")
    #expect((python["traced_bytes"] as? Int ?? 0) > 1 << 20)
  }

  @Test(
    "attached with gdb to an already-running CPython under a launcher: top_lines[0] is that line, and it runs on",
    .enabled(if: PythonAttach.findOnPath("gdb") != nil))
  func requestDictAttached() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    // A launcher above the interpreter, as a pyenv shim or a shell leaves it (`python3 app.py &`
    // gives the shell's pid): memtop follows it to the interpreter before injecting.
    let target = try MemtopRunner.spawn([
      "bash", "-c", "python3 '\(Self.example("agent_request_dict.py"))' 400; echo ended",
    ])
    defer {
      // The interpreter under the shell first, then the shell: nothing is left running.
      for child in Self.children(of: target.pid) { kill(child, SIGKILL) }
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.contains("handled 100 requests") })
    let csv = dir + "/attach.csv"
    let result = try MemtopRunner.run(
      [
        "record", "--pid", String(target.pid), "--python", "--trace-lines", "--interval", "0.5", "--duration", "40",
        "-o", csv,
      ], timeout: 300)
    #expect(result.status == 0, "\(result.stderr)")
    // Said before injecting, with the way to avoid it.
    #expect(result.stderr.contains("memtop will inject code into process"), "\(result.stderr)")
    #expect(result.stderr.contains("to avoid injecting, drop --python"))
    #expect(result.stderr.contains("process \(target.pid) (bash) is a launcher: watching the program it runs"))
    #expect(!result.stderr.contains("will inject code into process \(target.pid) "))
    let python = try #require(try Self.analysis(csv)["python"] as? [String: Any])
    let lines = try #require(python["top_lines"] as? [[String: Any]])
    #expect(lines.first?["location"] as? String == Self.leakLine, "\(lines.prefix(3)) \(result.stderr)")
    // The target keeps running (and printing) after memtop detached.
    #expect(target.wait(timeout: 0.1) == nil, "the target ended")
    let printed = target.stdout.split(separator: "\n").count
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.split(separator: "\n").count > printed + 2 })
    #expect(target.wait(timeout: 0.1) == nil, "the target ended")
    #expect(!target.stdout.contains("ended"))
  }

  /// The first process named `name` whose parent's parent is `grandparent` (memtop → guard → it).
  static func grandchild(of grandparent: Int32, named name: String) -> Int32? {
    guard let entries = Syscalls.numericEntries("/proc") else { return nil }
    func stat(_ pid: Int32) -> ProcStat? {
      Syscalls.readSmallFile("/proc/\(pid)/stat").flatMap { try? ProcStat.parse($0) }
    }
    for pid in entries {
      guard let own = stat(pid), own.comm == name, let parent = stat(own.ppid), parent.ppid == grandparent else {
        continue
      }
      return pid
    }
    return nil
  }

  @Test(
    "memtop killed while gdb injects: gdb is not cut off, the target runs on, gdb ends",
    .enabled(if: PythonAttach.findOnPath("gdb") != nil))
  func killedMidInjection() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    // Says each 0.3 s whether the agent's module has been loaded into it.
    let script = """
      import sys, time
      while True:
          print("agent" if "memtop_agent" in sys.modules else "none", flush=True)
          time.sleep(0.3)
      """
    let target = try MemtopRunner.spawn(["python3", "-c", script])
    defer {
      for child in Self.children(of: target.pid) { kill(child, SIGKILL) }
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.contains("none") })
    let memtop = try MemtopRunner.start([
      "record", "--pid", String(target.pid), "--python", "--interval", "0.5", "--duration", "300", "-o",
      dir + "/killed.csv",
    ])
    var gdb: Int32?
    let started = MemtopRunner.waitUntil(timeout: 120) {
      gdb = Self.grandchild(of: memtop.pid, named: "gdb")
      return gdb != nil
    }
    try #require(started, "gdb never started: \(memtop.stderr)")
    // Killed while gdb loads the interpreter's symbols or calls into it.
    memtop.signal(SIGKILL)
    #expect(memtop.wait(timeout: 30) == 128 + SIGKILL)
    // gdb runs on to the end of its calls, and the target lives on. (Whether the agent
    // arrives depends on whether the target ran the queued loader before the janitor removed
    // memtop's directory: either way it has nothing to report to.)
    let printed = target.stdout.split(separator: "\n").count
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.split(separator: "\n").count > printed + 3 })
    #expect(target.wait(timeout: 0.1) == nil, "the target ended")
    #expect(target.stderr.isEmpty, "\(target.stderr)")
    // gdb ends on its own (gone, or a zombie left to whoever adopted its guard).
    let pid = try #require(gdb)
    #expect(
      MemtopRunner.waitUntil(timeout: 150) {
        let stat = Syscalls.readSmallFile("/proc/\(pid)/stat").flatMap { try? ProcStat.parse($0) }
        return stat == nil || stat?.comm != "gdb" || stat?.state == "Z"
      }, "gdb still runs")
  }

  @Test("a leak through ctypes malloc: verdict leak, Python's share below 0.3, the sentence points outside Python")
  func nativeLeak() throws {
    let run = try Self.record(
      ["python3", Self.example("agent_ctypes_malloc.py")], seconds: 40, extra: ["--trace-lines"])
    #expect(run.status == 0, "\(run.stderr)")
    let analysis = try Self.analysis(run.csv)
    #expect(analysis["verdict"] as? String == "leak")
    let python = try #require(analysis["python"] as? [String: Any])
    let share = try #require(python["share_of_rss_growth"] as? Double, "\(python)")
    #expect(share < 0.3)
    let text = try MemtopRunner.run(["analyze", run.csv]).stdout
    #expect(text.contains("traced Python memory is flat while RSS grows"), "\(text)")
    #expect(text.contains("the growth is outside Python objects (a C extension or the allocator)"))
  }

  @Test("reference cycles with gc.disable(): the collector is off and the growing type is named")
  func cyclesWithCollectorOff() throws {
    let run = try Self.record(["python3", Self.example("agent_gc_cycles.py")], seconds: 45)
    #expect(run.status == 0, "\(run.stderr)")
    let python = try #require(try Self.analysis(run.csv)["python"] as? [String: Any])
    let gc = try #require(python["gc"] as? [String: Any])
    #expect(gc["enabled"] as? Bool == false)
    let types = try #require(python["types"] as? [[String: Any]])
    #expect(types.first?["type"] as? String == "__main__.Node", "\(types.prefix(3))")
    #expect((types.first?["count_slope_per_s"] as? Double ?? 0) > 100)
    let text = try MemtopRunner.run(["analyze", run.csv]).stdout
    #expect(text.contains("collector: DISABLED"), "\(text)")
    #expect(text.contains("__main__.Node: "))
  }

  @Test("a program with its own sitecustomize still runs it, and gets the agent")
  func ownSitecustomize() throws {
    let own = Self.example("agent_sitecustomize")
    let csv = try Scratch.directory(anyoneMayWrite: true) + "/own.csv"
    // The program's own PYTHONPATH (holding its sitecustomize) is memtop's: memtop puts its
    // directory in front of it.
    let runtime = try Scratch.directory(anyoneMayWrite: true)
    // Used only as a private directory of memtop's user's.
    chmod(runtime, 0o700)
    let running = try MemtopRunner.start(
      ["record", "--python", "--interval", "0.5", "--duration", "15", "-o", csv, "--", "python3", own + "/app.py"],
      prefix: ["env", "PYTHONPATH=\(own)", "XDG_RUNTIME_DIR=\(runtime)"])
    // The private directory is made there (0700), and is gone once memtop ends.
    let made = MemtopRunner.waitUntil(timeout: 60) {
      ((try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []).contains { $0.hasPrefix("memtop-py-") }
    }
    #expect(made)
    let status = running.wait(timeout: 240)
    let result = (status: status, stdout: running.stdout, stderr: running.stderr)
    #expect(try FileManager.default.contentsOfDirectory(atPath: runtime) == [])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("own sitecustomize ran: True"), "\(result.stdout) \(result.stderr)")
    #expect(try Self.records(csv, type: "hello").count >= 1, "\(result.stderr)")
  }

  @Test("python3 -I skips sitecustomize: after ~10 s memtop says why no agent reported")
  func noHello() throws {
    let csv = try Scratch.directory(anyoneMayWrite: true) + "/isolated.csv"
    let result = try MemtopRunner.run(
      [
        "record", "--python", "--duration", "20", "-o", csv, "--", "python3", "-I", "-c", "import time; time.sleep(60)",
      ], timeout: 240)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("no Python agent said hello within 10 s"), "\(result.stderr)")
    #expect(result.stderr.contains("-I, -E or -S"))
  }

  @Test("attaching --python to a process that is not CPython is refused in one line, before anything is done")
  func notCPython() throws {
    let target = try MemtopRunner.spawn(["sleep", "300"])
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(["record", "--pid", String(target.pid), "--python", "-o", dir + "/x.csv"])
    #expect(result.status == 1)
    let lines = result.stderr.split(separator: "\n").filter { !$0.contains("no --output") }
    #expect(lines.count == 1 && lines[0].contains("is not CPython") && lines[0].contains("drop --python"), "\(lines)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
    #expect(!result.stderr.contains("will inject"))
  }

  @Test("without gdb, attaching to CPython before 3.14 is refused with the fix")
  func gdbMissing() throws {
    let idle = try IdleTarget(megabytes: 1)
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(
      ["record", "--pid", String(idle.pid), "--python", "-o", dir + "/x.csv"], prefix: ["env", "PATH=/nonexistent"])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("needs gdb, which is not installed; install it (apt install gdb)"), "\(result.stderr)")
    #expect(!result.stderr.contains("will inject"))
  }

  @Test("--trace-lines needs --python; --python -o - has nowhere for the Python data")
  func flagErrors() throws {
    var result = try MemtopRunner.run(["record", "--trace-lines", "--", "true"])
    #expect(result.status == 64 && result.stderr.contains("--trace-lines needs --python"), "\(result.stderr)")
    result = try MemtopRunner.run(["record", "--python", "-o", "-", "--", "true"])
    #expect(result.status == 64 && result.stderr.contains("give --output NAME.csv"), "\(result.stderr)")
  }

  @Test("record --python never overwrites NAME.python.jsonl without --force")
  func neverOverwrites() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let jsonl = dir + "/x.python.jsonl"
    try "keep me\n".write(toFile: jsonl, atomically: true, encoding: .utf8)
    let result = try MemtopRunner.run(["record", "--python", "-o", dir + "/x.csv", "--", "true"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("already exists; add --force"), "\(result.stderr)")
    #expect(try String(contentsOfFile: jsonl, encoding: .utf8) == "keep me\n")
    #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
  }
}
