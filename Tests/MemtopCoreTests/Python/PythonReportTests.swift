import Foundation
import MemtopCore
import Testing

/// The report from a history: slopes (Sen), order, the share of RSS growth, the sentences,
/// and the exact JSON keys of `analyze --json`'s `python` object.
@Suite("Python report")
struct PythonReportTests {
  /// 60 s of an agent: a cache growing 30 entries/s, one line growing 100 KiB/s and one flat,
  /// a type growing 5/s, traced memory growing `traced` bytes/s.
  static func history(traced: Double) -> PythonHistory {
    var history = PythonHistory()
    if let hello = helloRecord { history.take(.hello(hello), pid: 7, elapsed: 0) }
    for t in 1...60 {
      var sample = AgentSample()
      sample.pid = 7
      sample.gc = GCState(enabled: false, collections: [1, 0, 0])
      sample.caches = [
        CacheReading(function: "shop.prices.price", currsize: 30 * t, maxsize: nil),
        CacheReading(function: "small", currsize: 5, maxsize: 128),
      ]
      if t % 10 == 0 {
        sample.types = [NamedCount(name: "__main__.Node", value: 5 * t), NamedCount(name: "dict", value: 100)]
      }
      sample.tracing = true
      sample.tracedCurrent = Int(traced * Double(t))
      if t % 5 == 0 {
        sample.lines = [
          NamedCount(name: "/app/flat.py:3", value: 9_000_000),
          NamedCount(name: "/app/shop.py:42", value: 102_400 * t),
        ]
      }
      history.take(.sample(sample), pid: 7, elapsed: Double(t))
    }
    return history
  }

  static let helloRecord: AgentHello? = {
    guard
      case .hello(let hello)? = AgentRecord.parse(
        #"{"type":"hello","pid":7,"python":"3.11.7","implementation":"cpython"}"#)
    else { return nil }
    return hello
  }()

  static let rss = (0...60).map { (time: Double($0), bytes: 50e6 + 200_000 * Double($0)) }

  @Test("slopes, order and share")
  func figures() throws {
    let report = try #require(PythonReport(history: Self.history(traced: 180_000), rss: Self.rss))
    #expect(report.caches.first?.function == "shop.prices.price")
    #expect(abs((report.caches.first?.growthPerSecond ?? 0) - 30) < 1e-9)
    // Only what grows is listed: the flat line and the flat type are not.
    #expect(report.topLines.map(\.location) == ["/app/shop.py:42"])
    #expect(report.types.map(\.type) == ["__main__.Node"])
    #expect(abs((report.topLines.first?.slopeBytesPerSecond ?? 0) - 102_400) < 1e-6)
    #expect(report.types.first?.type == "__main__.Node")
    #expect(abs((report.types.first?.countSlopePerSecond ?? 0) - 5) < 1e-9)
    #expect(abs((report.shareOfRSSGrowth ?? 0) - 0.9) < 1e-9)
    #expect(report.shareSentence == "Python objects account for 90 % of the growth")
    #expect(report.cacheLine(report.caches[0]) == "cache `shop.prices.price` (maxsize=None): 1,800 entries, +1,800/min")
    #expect(report.gcLine?.hasPrefix("collector: DISABLED") == true)
  }

  @Test("flat traced memory while RSS grows points outside Python")
  func outside() throws {
    let report = try #require(PythonReport(history: Self.history(traced: 0), rss: Self.rss))
    #expect(report.shareOfRSSGrowth == 0)
    #expect(
      report.shareSentence
        == "traced Python memory is flat while RSS grows +11.4 MiB/min: the growth is outside Python objects (a C extension or the allocator) — see where it grows by kind"
    )
  }

  @Test("no tracing: no share, and JSON null")
  func noTracing() throws {
    var history = PythonHistory()
    var sample = AgentSample()
    sample.caches = [CacheReading(function: "f", currsize: 1, maxsize: 2)]
    history.take(.sample(sample), pid: 3, elapsed: 1)
    let report = try #require(PythonReport(history: history, rss: Self.rss))
    #expect(report.shareOfRSSGrowth == nil && report.shareSentence == nil)
    let json = try #require(
      JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    #expect(json["share_of_rss_growth"] is NSNull)
    #expect(json["traced_slope_bytes_per_s"] is NSNull)
  }

  @Test("the JSON keys are the contract's")
  func keys() throws {
    let report = try #require(PythonReport(history: Self.history(traced: 180_000), rss: Self.rss))
    let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    for key in [
      "share_of_rss_growth", "traced_bytes", "traced_slope_bytes_per_s", "caches", "top_lines", "types", "gc",
    ] {
      #expect(json[key] != nil, "\(key)")
    }
    let cache = try #require((json["caches"] as? [[String: Any]])?.first)
    #expect(Set(cache.keys) == ["function", "currsize", "maxsize", "growth_per_s"])  // approx_bytes when sized
    let line = try #require((json["top_lines"] as? [[String: Any]])?.first)
    #expect(Set(line.keys) == ["location", "bytes", "slope_bytes_per_s"])
    let type = try #require((json["types"] as? [[String: Any]])?.first)
    #expect(Set(type.keys) == ["type", "count", "count_slope_per_s"])
    #expect((json["gc"] as? [String: Any])?["enabled"] as? Bool == false)
  }

  @Test("a worker per task: at most maxAgents are kept, the watched one stays, those that left make room")
  func boundedAgents() {
    var history = PythonHistory()
    // The watched process: many samples, never leaves.
    for t in 1...50 { history.take(.sample(AgentSample()), pid: 1, elapsed: Double(t)) }
    // 1,000 short-lived workers, each with two samples and a goodbye.
    for worker in 0..<1000 {
      let pid = Int32(1000 + worker)
      history.take(.sample(AgentSample()), pid: pid, elapsed: 60)
      history.take(.sample(AgentSample()), pid: pid, elapsed: 61)
      history.take(.bye("exit"), pid: pid, elapsed: 61)
    }
    #expect(history.agents.count == PythonHistory.maxAgents)
    #expect(history.mainAgent(preferring: 1)?.samples == 50)
    // The newest worker is kept.
    #expect(history.agents.last?.pid == 1999)
  }

  @Test("a line or type whose slope is zero or less is not listed, in the report or its text")
  func notGrowingNotListed() throws {
    var history = PythonHistory()
    for t in 1...60 {
      var sample = AgentSample()
      if t % 10 == 0 {
        sample.types = [NamedCount(name: "shrinking", value: 1000 - t), NamedCount(name: "flat", value: 50)]
      }
      if t % 5 == 0 {
        sample.lines = [
          NamedCount(name: "/app/zero.py:1", value: 4096), NamedCount(name: "/app/down.py:2", value: 900_000 - 672 * t),
        ]
      }
      history.take(.sample(sample), pid: 3, elapsed: Double(t))
    }
    let report = try #require(PythonReport(history: history, rss: Self.rss))
    #expect(report.topLines.isEmpty && report.types.isEmpty)
    #expect(!report.lines().contains { $0.contains("zero.py") || $0.contains("down.py") || $0.contains("flat") })
  }

  @Test(
    "the agent's own frames and what it calls never appear among the lines, whatever the agent sent",
    arguments: [
      "/usr/lib/python3.11/json/encoder.py:258", "/usr/lib/python3.11/heapq.py:43", "<string>:1",
      "/usr/lib/python3.11/tracemalloc.py:558", "/usr/lib/python3.11/linecache.py:137",
      "/run/user/1000/memtop-py-Ab12Cd/memtop_agent.py:900", "/tmp/memtop-1000/memtop-py-x/attach_42.py:3",
    ])
  func observerFramesLeftOut(location: String) throws {
    var history = PythonHistory()
    for t in 1...30 {
      var sample = AgentSample()
      if t % 5 == 0 {
        sample.lines = [NamedCount(name: location, value: 1000 * t), NamedCount(name: "/app/a.py:9", value: 10 * t)]
      }
      history.take(.sample(sample), pid: 3, elapsed: Double(t))
    }
    let report = try #require(PythonReport(history: history, rss: Self.rss))
    #expect(report.topLines.map(\.location) == ["/app/a.py:9"])
    // A program's own module of the same name in site-packages is the program's.
    #expect(!PythonHistory.isObserverFrame("/venv/lib/python3.11/site-packages/heapq.py:3"))
  }

  @Test("each list says its window and age, and is stale once its latest reading is old")
  func windowsAndAges() throws {
    let history = Self.history(traced: 180_000)
    // RSS read for 160 s more: the lines' last snapshot (60 s) is 100 s old then.
    let rss = (0...160).map { (time: Double($0), bytes: 50e6 + 200_000 * Double($0)) }
    let report = try #require(PythonReport(history: history, rss: rss))
    #expect(report.when(report.lineSpan) == "over the last 55 s, 2 min ago")
    #expect(report.isStale(report.lineSpan))
    let fresh = try #require(PythonReport(history: history, rss: Self.rss))
    #expect(fresh.when(fresh.cacheSpan) == "over the last 59 s, now")
    #expect(!fresh.isStale(fresh.cacheSpan))
    #expect(fresh.lines().contains("lines where traced memory grows (over the last 55 s, now):"))
  }

  @Test("no samples: no report")
  func empty() {
    var history = PythonHistory()
    history.take(.note("hi"), pid: 1, elapsed: 0)
    #expect(PythonReport(history: history, rss: []) == nil)
  }

  @Test(
    "a second tracing window starts the traced total and the lines again: the share is the late leak's, not a fit across a reset"
  )
  func secondWindow() throws {
    // Window 1 (0–60 s) traces a program that keeps nothing; it closes. The leak starts at
    // 100 s; window 2 (from 120 s) traces it: 150 KB/s of traced memory, RSS +200 KB/s.
    var history = PythonHistory()
    if let hello = Self.helloRecord { history.take(.hello(hello), pid: 7, elapsed: 0) }
    func sample(_ t: Int, traced: Int?, window: WindowEdge? = nil, line: Int? = nil) {
      var s = AgentSample()
      s.pid = 7
      s.tracing = traced != nil
      s.tracedCurrent = traced
      s.window = window
      if let line { s.lines = [NamedCount(name: "/app/sessions.py:9", value: line)] }
      history.take(.sample(s), pid: 7, elapsed: Double(t))
    }
    for t in 1...60 {
      // The window's start-up allocations, then flat: 2 MB traced.
      sample(t, traced: 2_000_000, window: t == 1 ? WindowEdge(openedAt: 1) : nil, line: t % 5 == 0 ? 2_000_000 : nil)
    }
    sample(61, traced: nil, window: WindowEdge(closedAt: 61, reason: "deadline"))
    for t in 120...180 {
      let kept = 150_000 * (t - 120)
      sample(t, traced: kept, window: t == 120 ? WindowEdge(openedAt: 120) : nil, line: t % 5 == 0 ? kept : nil)
    }
    let rss: [(time: Double, bytes: Double)] = (0...180).map { t in
      let grown: Double = t > 100 ? 200_000 * Double(t - 100) : 0
      return (time: Double(t), bytes: 40e6 + grown)
    }
    let report = try #require(PythonReport(history: history, rss: rss))
    #expect(abs((report.tracedSlopeBytesPerSecond ?? 0) - 150_000) < 1e-6)
    #expect(abs((report.shareOfRSSGrowth ?? 0) - 0.75) < 1e-9, "\(report.shareOfRSSGrowth ?? -1)")
    // The line's slope is the second window's alone (a fit across both would see a drop).
    #expect(abs((report.topLines.first?.slopeBytesPerSecond ?? 0) - 150_000) < 1e-6)
  }
}
