import Foundation
import MemtopCore
import Testing

@testable import MemtopTUI

/// The Python panel (key `y`) through the test terminal: a replay's report, shown and hidden,
/// and the whole screen as a snapshot.
@Suite("Python panel through the test terminal")
struct PythonPanelTests {
  /// 60 s of an agent: an unbounded cache, a growing line, a growing type, the collector off,
  /// traced memory at 90 % of the RSS growth. The cache's name carries an escape sequence, as
  /// a hostile program could give it.
  static func report() -> PythonReport? {
    var history = PythonHistory()
    let hello = #"{"type":"hello","pid":4242,"python":"3.11.7","implementation":"cpython"}"#
    if let record = AgentRecord.parse(Substring(hello)) { history.take(record, pid: 4242, elapsed: 0) }
    let evil = #"{"type":"sample","caches":[{"function":"shop.prices.price\u001b[2J","currsize":0,"maxsize":null}]}"#
    guard case .sample(let template)? = AgentRecord.parse(Substring(evil)) else { return nil }
    for t in 1...60 {
      var sample = template
      sample.caches = [CacheReading(function: template.caches?.first?.function ?? "", currsize: 30 * t, maxsize: nil)]
      sample.gc = GCState(enabled: false, collections: [12, 1, 0])
      sample.tracing = true
      sample.tracedCurrent = 180_000 * t
      if t % 10 == 0 { sample.types = [NamedCount(name: "__main__.Node", value: 5 * t)] }
      if t % 5 == 0 { sample.lines = [NamedCount(name: "/srv/shop/prices.py:42", value: 102_400 * t)] }
      history.take(.sample(sample), pid: 4242, elapsed: Double(t))
    }
    let rss = (0...60).map { (time: Double($0), bytes: 50e6 + 200_000 * Double($0)) }
    return PythonReport(history: history, rss: rss)
  }

  @Test("y shows the panel under the charts of a tall terminal and hides it again; the agent's text is escaped")
  func toggle() throws {
    let (app, terminal, screen) = AppLoopTests.chartApp(samples: 30, width: 120, height: 40)
    screen.state.pythonReport = try #require(Self.report())
    #expect(!terminal.text.contains("Python"))
    app.send(.key(.character("y")))
    app.draw()
    let text = terminal.text
    #expect(text.contains("Python - process 4242 - 3.11.7 cpython - tracing lines"), "\(text)")
    #expect(text.contains("Python objects account for 90 % of the growth"))
    #expect(text.contains(#"cache `shop.prices.price\e[2J` (maxsize=None): 1,800 entries, +1,800/min"#))
    #expect(text.contains("collector: DISABLED (gc.disable())"))
    #expect(text.contains("/srv/shop/prices.py:42"))
    #expect(text.contains("__main__.Node: 300 objects, +300/min"))
    #expect(!text.unicodeScalars.contains { $0.value == 0x1B })
    // 40 rows: the charts keep the top half, the panel the bottom.
    let rows = terminal.lines
    let chart = rows.firstIndex { $0.hasPrefix("RSS  now") }
    let panel = rows.firstIndex { $0.contains("Python - process 4242") }
    #expect(chart != nil && panel != nil && chart! < panel!, "\(rows)")
    Snapshot.assert(terminal.lines.joined(separator: "\n") + "\n", named: "python-panel-120x40")
    app.send(.key(.character("y")))
    app.draw()
    #expect(!terminal.text.contains("Python - process"))
  }

  @Test("without Python data the panel says how to get it; on a small terminal it covers the charts")
  func empty() {
    let (app, terminal, _) = AppLoopTests.chartApp(samples: 5, width: 100, height: 30)
    app.send(.key(.character("y")))
    app.draw()
    #expect(terminal.text.contains("no Python data: start memtop with --python"), "\(terminal.text)")
    #expect(!terminal.text.contains("RSS  now"), "\(terminal.text)")
  }
}
