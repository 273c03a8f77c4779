import Foundation
import MemtopExport
import MemtopSampling
import MemtopSystem
import Testing

/// Where memory grows, end to end: each program in `examples/` that grows one kind of memory
/// recorded for 45 s with the real `memtop record`, then judged by `memtop analyze --json`.
/// The cases run one after another: each memtop reads memory by kind up to half a core
/// (`--budget 50`), and five at once on a loaded 2-core machine left too few readings of a kind
/// to judge it.
@Suite("where it grows: real programs, each growing one kind of memory", .serialized)
struct WhereTests {
  /// One program and what `analyze` must say of it.
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    /// The command, `{dir}` standing for a scratch directory (the C program is built there).
    var command: [String]
    /// The kind holding most of the growth.
    var growthIn: String
    /// The verdict of that kind.
    var verdict: String
    /// A count that must be judged `leak`.
    var leakingCount: String?
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "C: 8 threads leaking through malloc grow malloc_arenas", command: ["{dir}/arena_threads"],
      growthIn: "malloc_arenas", verdict: "leak"),
    Case(
      name: "Python: threads that never end grow thread_stacks and the thread count",
      command: ["python3", ExamplesTests.python("thread_leak.py")], growthIn: "thread_stacks", verdict: "leak",
      leakingCount: "threads"),
    Case(
      name: "Python: libc malloc through ctypes on the main thread grows brk_heap",
      command: ["python3", ExamplesTests.python("native_malloc_leak.py")], growthIn: "brk_heap", verdict: "leak"),
    Case(
      name: "Python: a growing memory-mapped data file grows file, reclaimable",
      command: ["python3", ExamplesTests.python("mapped_file.py"), "{dir}/data.bin"], growthIn: "file",
      verdict: "reclaimable"),
    Case(
      name: "Python: a filling /dev/shm segment grows shmem",
      command: ["python3", ExamplesTests.python("shm_segment.py")], growthIn: "shmem", verdict: "leak"),
  ]

  @Test(arguments: cases)
  func growth(_ c: Case) throws {
    // A scratch directory on the same disk as the build (not a tmpfs): the mapped file's pages
    // must be file pages, not shared memory.
    let dir = try Self.diskScratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    if c.command[0] == "{dir}/arena_threads" {
      let source = ExamplesTests.root.appendingPathComponent("examples/c/arena_threads.c").path
      let build = try MemtopRunner.runTool(
        ["cc", "-O2", "-pthread", "-o", dir + "/arena_threads", source], output: dir + "/cc.log")
      #expect(build == 0, "cc failed: \((try? String(contentsOfFile: dir + "/cc.log", encoding: .utf8)) ?? "")")
    }
    let command = c.command.map { $0.replacingOccurrences(of: "{dir}", with: dir) }
    let out = dir + "/rec.csv"
    // A generous budget and stall cap: a debug build on a loaded machine walks the 450 mappings
    // of 220 threads slowly, and each kind needs a few dozen readings to be judged; 75 s, so
    // that a busy machine (fewer detailed readings, more noise) still gives enough of them.
    let record = try MemtopRunner.run(
      ["record", "--interval", "0.1", "--duration", "75", "--budget", "50", "--max-stall", "200", "-o", out, "--"]
        + command, timeout: 400)
    #expect(record.status == 0, "record: \(record.stderr)")

    let json = try MemtopRunner.run(["analyze", out, "--json"])
    let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let regions = try #require(object["regions"] as? [String: [String: Any]], "\(json.stdout)")
    let counts = try #require(object["counts"] as? [String: [String: Any]], "\(json.stdout)")
    #expect(Set(regions.keys) == Set(RegionKind.allCases.map(\.rawValue)), "\(c.name): \(record.stderr)")
    #expect(object["growth_in"] as? String == c.growthIn, "\(c.name): \(json.stdout)")
    let kind = try #require(regions[c.growthIn])
    #expect(kind["verdict"] as? String == c.verdict, "\(c.name): \(kind)")
    let share = try #require(kind["share_of_growth"] as? Double)
    #expect(share > 0.5 && share <= 1, "\(c.name): share \(share)")
    // Every existing key is kept.
    #expect(object["metrics"] is [String: Any] && object["verdict"] is String)
    if let count = c.leakingCount {
      #expect(counts[count]?["verdict"] as? String == "leak", "\(c.name): \(counts)")
    }

    let text = try MemtopRunner.run(["analyze", out]).stdout
    #expect(text.contains("where (memory by kind"), "\(text)")
    #expect(text.contains("growth in: \(c.growthIn)"), "\(text)")
    if c.growthIn == "file" {
      // Page cache: said to be reclaimable, and not a leak of the process by itself.
      #expect(object["verdict"] as? String != "leak", "\(json.stdout)")
      #expect(text.contains("which the kernel can reclaim — not a heap leak"), "\(text)")
      #expect(record.stderr.contains("page cache of data.bin, which the kernel can reclaim"), "\(record.stderr)")
    } else {
      #expect(object["verdict"] as? String == "leak", "\(json.stdout)")
      #expect(text.contains("% in \(c.growthIn)"), "\(text)")
      // record's closing line says where, with what the last walk named.
      #expect(record.stderr.contains("where: "), "\(record.stderr)")
      #expect(record.stderr.contains("% in \(c.growthIn)"), "\(record.stderr)")
    }
    if c.growthIn == "malloc_arenas" {
      #expect(record.stderr.contains("8 arenas, one per thread"), "\(record.stderr)")
      #expect(text.contains("MALLOC_ARENA_MAX"), "\(text)")
      // The file carries the walk's count of arenas, so the file's reader says it too.
      #expect(text.contains("8 arenas, one per thread"), "\(text)")
      #expect(counts["arenas"] == nil, "arenas is a detail of the sentence, not a judged count")
    }
    if c.growthIn == "thread_stacks" {
      #expect(text.contains("in thread_stacks: threads "), "\(text)")
    }
    if c.growthIn == "brk_heap" {
      // The kinds add up to the RSS read on the same row (status and the walk, moments apart).
      let samples = try RecordingReader(path: out).read(try String(contentsOfFile: out, encoding: .utf8))
      let walked = samples.filter { $0.regionFile != nil }
      #expect(walked.count >= 30, "\(walked.count) rows with memory by kind")
      // status and the walk are read moments apart from a process growing ~2 MiB/s (and, in
      // its first second, from a launcher's chain of execs): on a loaded machine a row may
      // catch the two on either side of a burst. The walk's own exactness is RegionWalkTests'.
      let settled = walked.filter { $0.elapsed >= 2 }
      let errors = settled.map { sample in
        let sum = Metric.regions.reduce(0.0) { $0 + Double(sample[$1] ?? 0) }
        let rss = Double(sample.rss ?? 0)
        return rss > 0 ? abs(sum - rss) / rss : 1
      }
      let within = errors.filter { $0 <= 0.01 }.count
      #expect(
        within * 10 >= settled.count * 9,
        "\(within) of \(settled.count) rows within 1 %; worst \(errors.max() ?? 0)")
      #expect((errors.sorted().dropFirst(errors.count / 2).first ?? 1) <= 0.01, "median within 1 %")
    }
  }

  /// A fresh directory under the build folder (on disk: /tmp may be a tmpfs).
  static func diskScratchDirectory() throws -> String {
    let base = ExamplesTests.root.appendingPathComponent(".build-scratch", isDirectory: true)
    let dir = base.appendingPathComponent("where-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
  }
}
