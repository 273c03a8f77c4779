import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopTrend
import Testing

@testable import MemtopCore

/// Python evidence joins the one verdict: a container or unbounded cache that accounts for the
/// growth is a leak, named; a bounded cache filling is said and is not a leak while it fills;
/// the report shown is the leaking member's.
@Suite("Python evidence joins the verdict")
struct PythonEvidenceTests {
  /// 120 s of a process whose RSS grows `bytesPerSecond` steadily (with a little noise).
  static func growing(pid: Int32 = 7, bytesPerSecond: Double = 100_000) -> [MemorySample] {
    (0..<120).map { t in
      let noise = Double((t * 7919) % 13) * 1000
      let rss = UInt64(60e6 + bytesPerSecond * Double(t) + noise)
      return MemorySample(timeUnix: 1e9 + Double(t), elapsed: Double(t), pid: pid, rss: rss, anon: rss / 2)
    }
  }

  static func hello(_ pid: Int32, argv: String) -> AgentRecord? {
    AgentRecord.parse(
      Substring(#"{"type":"hello","pid":\#(pid),"python":"3.11.7","implementation":"cpython","argv":[\#(argv)]}"#))
  }

  /// An agent of `pid` whose caches and retainers `reading(t)` gives, one sample a second.
  static func history(
    pid: Int32 = 7, argv: String = #""app.py""#, seconds: Int = 120,
    reading: (Int) -> (caches: [CacheReading], retainers: [Retainer]?)
  ) -> PythonHistory {
    var history = PythonHistory()
    if let hello = hello(pid, argv: argv) { history.take(hello, pid: pid, elapsed: 0) }
    for t in 1..<seconds {
      var sample = AgentSample()
      let now = reading(t)
      sample.caches = now.caches
      if t % 10 == 0 { sample.retainers = now.retainers }
      history.take(.sample(sample), pid: pid, elapsed: Double(t))
    }
    return history
  }

  static func rss(_ samples: [MemorySample]) -> [(time: Double, bytes: Double)] {
    samples.compactMap { sample in sample.rss.map { (sample.elapsed, Double($0)) } }
  }

  @Test("a bounded cache whose filling accounts for the growth is said and is not leak while it fills")
  func fillingCache() throws {
    let samples = Self.growing()
    let verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    #expect(verdict.verdict == .leak)
    // render: 2 entries a second of 50 kB each (100 kB/s, what RSS grows), maxsize 300.
    let history = Self.history { t in
      ([CacheReading(function: "views.render", currsize: 2 * t, maxsize: 300, approxBytes: 2 * t * 50_000)], [])
    }
    let (joined, report) = history.judged(verdict, rss: Self.rss(samples), watched: 7)
    let evidence = try #require(joined.python)
    #expect(evidence.kind == .filling)
    #expect(joined.verdict != .leak && joined.verdict == .plateau)
    #expect(joined.cacheFilling)
    #expect(evidence.sentence == "filling cache views.render: 238 of 300, levels off at ≈14.3 MiB")
    #expect(joined.verdictLine.hasPrefix("verdict: plateau (cache filling, not a leak): filling cache views.render"))
    #expect(report?.evidence == evidence)
    let json = try #require(
      JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    #expect((json["evidence"] as? [String: Any])?["kind"] as? String == "cache-filling")
    #expect(((json["caches"] as? [[String: Any]])?.first?["approx_bytes"]) as? Int == 238 * 50_000)
  }

  @Test("a full bounded cache is no evidence: the verdict stands")
  func fullCache() {
    let samples = Self.growing()
    let verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    let history = Self.history { _ in
      ([CacheReading(function: "views.render", currsize: 300, maxsize: 300, approxBytes: 300 * 50_000)], [])
    }
    let (joined, _) = history.judged(verdict, rss: Self.rss(samples), watched: 7)
    #expect(joined.python == nil && joined.verdict == .leak)
  }

  @Test("a named container that accounts for the growth is leak and leads the where sentence")
  func retainerLeads() throws {
    let samples = Self.growing()
    let verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    // 4 entries a second of 25 kB each: 100 kB/s.
    let history = Self.history { t in
      (
        [],
        [
          Retainer(
            path: "handlers._RESPONSE_CACHE", type: "dict", length: 4 * t, growthPerSecond: 4,
            approxBytes: 4 * t * 25_000, definedAt: "/srv/app/handlers.py:32")
        ]
      )
    }
    let (joined, report) = history.judged(verdict, rss: Self.rss(samples), watched: 7)
    let evidence = try #require(joined.python)
    #expect(evidence.kind == .leak && joined.verdict == .leak)
    #expect(
      joined.verdictLine.hasPrefix(
        "verdict: leak: handlers._RESPONSE_CACHE (dict, handlers.py:32) grows +240 entries/min ≈ 5.72 MiB/min"),
      "\(joined.verdictLine)")
    #expect(report?.reportText.contains("verdict evidence: handlers._RESPONSE_CACHE") == true)
  }

  @Test("an unbounded cache that accounts for a growth judged plateau or inconclusive makes it leak")
  func unboundedCacheMakesLeak() throws {
    let samples = Self.growing()
    var verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    // Whatever the analyzer said of the memory alone (a plateau, say), the cache names a leak.
    for metric in Array(verdict.analysis.results.keys) { verdict.analysis.results[metric]?.verdict = .plateau }
    #expect(verdict.verdict == .plateau)
    let history = Self.history { t in
      ([CacheReading(function: "shop.prices.price", currsize: 30 * t, maxsize: nil, approxBytes: 30 * t * 4_000)], [])
    }
    let (joined, _) = history.judged(verdict, rss: Self.rss(samples), watched: 7)
    #expect(joined.python?.kind == .leak && joined.verdict == .leak)
    #expect(joined.verdictLine.contains("lru_cache shop.prices.price (maxsize=None) grows +1,800 entries/min"))
    #expect(joined.verdictLine.hasSuffix("(memory alone: plateau)"))
  }

  @Test("evidence that does not account for half the growth, or no Python data, changes nothing")
  func conservative() {
    let samples = Self.growing()
    let verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    // 10 kB/s of a 100 kB/s growth.
    let small = Self.history { t in
      ([CacheReading(function: "views.render", currsize: 2 * t, maxsize: 300, approxBytes: 2 * t * 5_000)], [])
    }
    #expect(small.judged(verdict, rss: Self.rss(samples), watched: 7).verdict == verdict)
    #expect(verdict.joining(nil) == verdict)
    // Memory that does not grow is never made a leak.
    let flat = VerdictPolicy.judge(recording: Self.growing(bytesPerSecond: 0), limit: nil)
    let unbounded = Self.history { t in
      ([CacheReading(function: "f", currsize: 30 * t, maxsize: nil, approxBytes: 30 * t * 4_000)], [])
    }
    #expect(unbounded.judged(flat, rss: [], watched: 7).verdict.verdict == flat.verdict)
  }

  @Test("in a tree the report shown is the leaking member's, named as a worker")
  func leakingMembersReport() throws {
    let samples = Self.growing(pid: 100, bytesPerSecond: 0)
    var verdict = VerdictPolicy.judge(recording: samples, limit: nil)
    verdict.members = [
      MemberVerdict(pid: 100, command: "python3 pool.py", verdict: .stable, slopeBytesPerSecond: 0, metric: .rss),
      MemberVerdict(pid: 101, command: "python3 pool.py", verdict: .leak, slopeBytesPerSecond: 100_000, metric: .rss),
    ]
    var history = Self.history(pid: 100, argv: #""pool.py""#) { _ in ([], []) }
    let worker = Self.history(pid: 101, argv: #""pool.py""#, seconds: 60) { t in
      (
        [],
        [
          Retainer(
            path: "pool.RESULTS", type: "list", length: 4 * t, growthPerSecond: 4, approxBytes: 4 * t * 25_000,
            definedAt: "/srv/pool.py:5")
        ]
      )
    }
    for agent in worker.agents {
      if let hello = agent.hello { history.take(.hello(hello), pid: agent.pid, elapsed: 0) }
    }
    // The worker's samples, replayed into the tree's history.
    for t in 1..<60 {
      var sample = AgentSample()
      if t % 10 == 0 {
        sample.retainers = [
          Retainer(
            path: "pool.RESULTS", type: "list", length: 4 * t, growthPerSecond: 4, approxBytes: 4 * t * 25_000,
            definedAt: "/srv/pool.py:5")
        ]
      }
      history.take(.sample(sample), pid: 101, elapsed: Double(t))
    }
    // The parent has more samples, yet the leaking worker's report is the one shown.
    let (joined, report) = history.judged(verdict, rss: [], watched: 100)
    let shown = try #require(report)
    #expect(shown.pid == 101 && shown.worker)
    #expect(shown.subject == "worker 101 (pool.py)")
    #expect(shown.reportText.hasPrefix("python: worker 101 (pool.py), Python 3.11.7 cpython:"))
    #expect(joined.python?.pid == 101 && joined.verdict == .leak)
    #expect(joined.pythonSubject == 101)
    #expect(joined.verdictLine.hasPrefix("verdict: leak: worker 101 (python3 pool.py): pool.RESULTS (list, pool.py:5)"))
    // Without a leak the process watched is reported.
    verdict.members[1].verdict = .stable
    #expect(history.judged(verdict, rss: [], watched: 100).report?.pid == 100)
  }
}
