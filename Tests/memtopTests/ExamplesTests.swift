import Foundation
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopTestSupport
import Testing

/// Every program in `examples/` run under `memtop record` (launch form), with its verdict from
/// `memtop analyze --json` and its measured contrast asserted. The cases run in parallel; the
/// programs mostly sleep, so this holds on a loaded 2-core machine.
@Suite("examples: verdicts and contrasts on real programs")
struct ExamplesTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static func python(_ name: String) -> String {
    root.appendingPathComponent("examples/python/\(name)").path
  }

  /// Records `command` and returns the samples and the record run's result.
  static func record(_ command: [String], seconds: Double?, extra: [String] = []) throws -> (
    samples: [MemorySample], status: Int32?, stderr: String, path: String
  ) {
    let out = try Scratch.directory(anyoneMayWrite: true) + "/rec.csv"
    var args = ["record", "--interval", "0.05", "-o", out] + extra
    if let seconds { args += ["--duration", String(seconds)] }
    let result = try MemtopRunner.run(args + ["--"] + command, timeout: 240)
    let text = try String(contentsOfFile: out, encoding: .utf8)
    return (try RecordingReader(path: out).read(text), result.status, result.stderr, out)
  }

  static func verdict(_ path: String) throws -> String {
    let analysis = try MemtopRunner.run(["analyze", path, "--json"])
    let object = try #require(JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
    return try #require(object["verdict"] as? String)
  }

  static func peak(_ samples: [MemorySample]) -> Double {
    Double(samples.compactMap(\.peakRSS).max() ?? 0)
  }

  @Test(
    "long-running programs get the verdict their behaviour deserves",
    arguments: [
      (["unbounded_cache.py"], ["leak"]),
      (["bounded_cache.py"], ["stable", "plateau"]),
      (["ordereddict_cache.py"], ["stable", "plateau"]),
      (["weakref_cache.py"], ["stable", "plateau"]),
      (["reference_cycles.py", "disable"], ["leak"]),
      // Collected cycles still leave a slow, certain growth that 30 s cannot size: inconclusive.
      (["reference_cycles.py", "enable"], ["stable", "plateau", "inconclusive"]),
      (["slow_leak.py"], ["leak"]),
      (["gc_sawtooth.py"], ["stable", "inconclusive"]),
      (["one_step.py"], ["stable", "inconclusive"]),
    ])
  func behaviour(_ program: [String], _ expected: [String]) throws {
    // A generous budget: this debug build parses smaps slowly, and heap should be sampled often.
    let run = try Self.record(
      ["python3", Self.python(program[0])] + program.dropFirst(), seconds: 30,
      extra: ["--budget", "20", "--fail-on-leak"])
    // --fail-on-leak: status 10 exactly when the recording's own verdict is a leak.
    #expect(run.status == (expected == ["leak"] ? 10 : 0), "\(program): \(run.stderr)")
    #expect(run.samples.count >= 300)
    let verdict = try Self.verdict(run.path)
    #expect(expected.contains(verdict), "\(program): \(verdict)")
    if program == ["one_step.py"] {
      // The one-off load is named: its size and time.
      let text = try MemtopRunner.run(["analyze", run.path]).stdout
      #expect(text.contains("after a step of +1"), "\(text)")
      // At the time RSS reached its new level in the samples, not a floor bin later.
      let analysis = try MemtopRunner.run(["analyze", run.path, "--json"])
      let object = try #require(JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
      let rssReport = try #require((object["metrics"] as? [String: Any])?["rss"] as? [String: Any])
      let step = try #require((rssReport["steps"] as? [[String: Any]])?.first)
      let stepTime = try #require(step["time_s"] as? Double)
      let rss = run.samples.compactMap { s in s.rss.map { (t: s.elapsed, v: Double($0)) } }
      let low = try #require(rss.prefix(20).map(\.v).min())
      let high = try #require(rss.suffix(100).map(\.v).min())
      func reached(_ fraction: Double) -> Double? {
        rss.lastIndex { $0.v < low + fraction * (high - low) }.flatMap { $0 + 1 < rss.count ? rss[$0 + 1].t : nil }
      }
      // On a busy machine the 150 MiB fill is a ramp of a few samples: the step may be named at
      // any point of it, never before RSS started to rise nor after it arrived.
      let rising = try #require(reached(0.05))
      let full = try #require(reached(1))
      // Within a sample either way: the analyzer's levels are floors, the test's are minima.
      let gaps = zip(rss.dropFirst(), rss).map { $0.t - $1.t }.sorted()
      let sample = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
      #expect(
        stepTime >= rising - 1.5 * sample && stepTime <= full + 1.5 * sample,
        "step at \(stepTime) s; RSS started up at \(rising) s, up at \(full) s")
      #expect(text.contains("at \(AxisTicks.clock(stepTime))"), "\(text)")
    }
  }

  @Test("numpy and array.array hold five million floats in well under half the list's memory")
  func floats() throws {
    let list = Self.peak(try Self.record(["python3", Self.python("floats_list.py")], seconds: nil).samples)
    let array = Self.peak(try Self.record(["python3", Self.python("floats_array.py")], seconds: nil).samples)
    let numpy = Self.peak(try Self.record(["python3", Self.python("floats_numpy.py")], seconds: nil).samples)
    #expect(list > 150 * 1_048_576, "the list holds 5 M float objects")
    #expect(numpy <= 0.4 * list, "numpy peak \(numpy) vs list \(list)")
    #expect(array <= 0.4 * list, "array peak \(array) vs list \(list)")
  }

  @Test("streaming a file through a generator peaks far below reading it whole")
  func streaming() throws {
    let whole = Self.peak(try Self.record(["python3", Self.python("load_whole.py")], seconds: nil).samples)
    let stream = Self.peak(try Self.record(["python3", Self.python("load_streaming.py")], seconds: nil).samples)
    #expect(whole > 100 * 1_048_576)
    #expect(stream <= 0.4 * whole, "streaming peak \(stream) vs whole \(whole)")
  }

  @Test(
    "C programs: a leak and a steady working set (its start-up fill held: a plateau)",
    arguments: [
      ("leak.c", ["leak"]), ("steady.c", ["stable", "plateau"]),
    ])
  func cProgram(_ source: String, _ expected: [String]) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let binary = dir + "/prog"
    let build = try MemtopRunner.runTool(
      ["cc", "-O2", "-o", binary, Self.root.appendingPathComponent("examples/c/\(source)").path],
      output: dir + "/cc.log")
    #expect(build == 0, "cc failed")
    let run = try Self.record([binary], seconds: 20)
    #expect(run.status == 0, "record: \(run.stderr)")
    #expect(expected.contains(try Self.verdict(run.path)))
  }
}
