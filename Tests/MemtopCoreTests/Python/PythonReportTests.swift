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
    #expect(report.topLines.map(\.location) == ["/app/shop.py:42", "/app/flat.py:3"])
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
    #expect(Set(cache.keys) == ["function", "currsize", "maxsize", "growth_per_s"])
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

  @Test("no samples: no report")
  func empty() {
    var history = PythonHistory()
    history.take(.note("hi"), pid: 1, elapsed: 0)
    #expect(PythonReport(history: history, rss: []) == nil)
  }
}
