import Foundation
import Testing

/// Real Python programs from `examples/python`, recorded for 30 s by `memtop record` (launch
/// form) and judged by `memtop analyze --json`. The cases run in parallel; each program is
/// light (mostly sleeping), so this holds on a loaded 2-core machine.
@Suite("verdicts on real Python workloads")
struct RealWorkloadTests {
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let examples = root.appendingPathComponent("examples/python")

  @Test("recorded for 30 s, the verdict is right", arguments: [
    ("unbounded_cache.py", ["leak"]),
    ("slow_leak.py", ["leak"]),
    ("bounded_cache.py", ["stable", "plateau"]),
    ("gc_sawtooth.py", ["stable"]),
    ("one_step.py", ["stable"]),
  ])
  func verdict(_ program: String, _ expected: [String]) throws {
    let out = try MemtopRunner.scratchDirectory() + "/\(program).csv"
    // A generous budget: this debug build parses smaps slowly, and heap should be sampled often.
    let record = try MemtopRunner.run(
      ["record", "--interval", "0.1", "--duration", "30", "--budget", "20", "--fail-on-leak", "-o", out, "--",
       "python3", Self.examples.appendingPathComponent(program).path],
      timeout: 180)
    // --fail-on-leak: status 10 exactly when the recording's own verdict is a leak.
    #expect(record.status == (expected == ["leak"] ? 10 : 0), "record: \(record.stderr)")
    #expect(record.stderr.contains("verdict: "))
    let analysis = try MemtopRunner.run(["analyze", out, "--json"])
    #expect(analysis.status == 0)
    let object = try #require(JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
    let verdict = try #require(object["verdict"] as? String)
    #expect(expected.contains(verdict), "\(program): \(analysis.stdout)")
  }

  @Test("C programs: a leak and a steady working set", arguments: [("leak.c", "leak"), ("steady.c", "stable")])
  func cProgram(_ source: String, _ expected: String) throws {
    let dir = try MemtopRunner.scratchDirectory()
    let binary = dir + "/prog"
    let build = try MemtopRunner.runTool(["cc", "-O2", "-o", binary, Self.root.appendingPathComponent("examples/c/\(source)").path], output: dir + "/cc.log")
    #expect(build == 0, "cc failed")
    let out = dir + "/rec.csv"
    let record = try MemtopRunner.run(
      ["record", "--interval", "0.1", "--duration", "20", "-o", out, "--", binary], timeout: 120)
    #expect(record.status == 0, "record: \(record.stderr)")
    let analysis = try MemtopRunner.run(["analyze", out, "--json"])
    let object = try #require(JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
    #expect(object["verdict"] as? String == expected, "\(source): \(analysis.stdout)")
  }
}
