import MemtopAnalysis
import MemtopSampling
import MemtopStore
import Testing

@testable import MemtopTUI

@Suite("Widgets on a sentinel-filled buffer")
struct WidgetTests {
  let mib = Fixtures.mib

  func chart(_ timeline: Timeline, start: Double = 0, end: Double = 10) -> ChartModel {
    ChartModel(
      timeline: timeline, metric: .rss, title: "RSS", role: .chartRSS, start: start, end: end, interval: 1,
      extremes: (timeline.value(.rss, at: 0), timeline.maximum(.rss)))
  }

  func timeline(_ values: [(Double, UInt64?)]) -> Timeline {
    Timeline(values.map { MemorySample(timeUnix: 0, elapsed: $0.0, pid: 1, rss: $0.1) })
  }

  @Test("a chart fills exactly its rectangle: title, y labels, axis line, plot, time axis")
  func chartFillsRect() {
    let model = chart(timeline((0...10).map { (Double($0), 10 * mib + UInt64($0) * mib) }))
    var buffer = Fixtures.sentinel(width: 44, height: 8)
    ChartWidget(model: model, mode: .braille).draw(into: &buffer, area: Rect(x: 1, y: 1, width: 42, height: 6))
    let lines = buffer.lines
    #expect(lines[0] == String(repeating: "x", count: 44))
    #expect(lines[7] == String(repeating: "x", count: 44))
    for row in 1...6 {
      #expect(lines[row].hasPrefix("x") && lines[row].hasSuffix("x"))
      #expect(!lines[row].dropFirst().dropLast().contains("x") || row == 1)
    }
    #expect(lines[1].hasPrefix("xRSS  now 20.0 MiB  min 10.0 MiB  max 20.0"))
    #expect(lines[2].contains("21.0 MiB │"))
    #expect(lines[6].contains("└┴0:00"))
  }

  @Test("a missed stretch is drawn as a gap, never a drop to zero")
  func gapIsGap() {
    let model = chart(timeline([(0, 8 * mib), (1, 8 * mib), (2, 8 * mib), (8, 8 * mib), (9, 8 * mib), (10, 8 * mib)]))
    let columns = model.columns(10)
    #expect(columns[4] == .gap && columns[5] == .gap)
    #expect(!columns.contains(.value(0)))
    var buffer = Fixtures.sentinel(width: 20, height: 5)
    ChartWidget(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(3).contains("~~~"))
  }

  @Test("columns hold a value between close samples and stay empty after the last one")
  func columnsHoldAndEnd() {
    let model = chart(timeline([(0, mib), (2, 2 * mib), (4, 3 * mib)]), end: 10)
    let columns = model.columns(10)
    #expect(columns[1] == .value(Double(mib)))
    #expect(columns[3] == .value(Double(2 * mib)))
    #expect(columns[9] == ColumnValue.none)
  }

  @Test("absent values (heap not read this tick) are skipped, not charted as zero")
  func absentSkipped() {
    let model = chart(timeline([(0, 4 * mib), (1, nil), (2, 4 * mib), (3, nil), (4, 4 * mib)]), end: 4)
    #expect(model.columns(8).allSatisfy { $0 == .value(Double(4 * mib)) })
  }

  @Test(
    "a chart in tiny rectangles draws what fits and nothing outside",
    arguments: [(0, 0), (5, 1), (12, 2), (11, 3), (30, 4)])
  func tinyChart(width: Int, height: Int) {
    let model = chart(timeline([(0, mib), (5, 2 * mib)]))
    var buffer = Fixtures.sentinel(width: 32, height: 6)
    ChartWidget(model: model, mode: .braille).draw(into: &buffer, area: Rect(x: 1, y: 1, width: width, height: height))
    #expect(buffer.line(0) == String(repeating: "x", count: 32))
    #expect(buffer.line(5) == String(repeating: "x", count: 32))
  }

  @Test("markers show on the time axis and as a line in the empty part of the plot")
  func markers() {
    var t = timeline((0...10).map { (Double($0), mib) })
    t.markLatest("m")
    let model = chart(t)
    #expect(model.markers == [10])
    var buffer = Fixtures.sentinel(width: 30, height: 6)
    ChartWidget(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(5).hasSuffix("^"))
  }

  @Test("a tracing window's snapshots are flagged on the time axis only; its edges are full markers")
  func snapshotMarkers() {
    var t = timeline((0...10).map { (Double($0), mib) })
    t.markLatest("python tracing window snapshot")
    let model = chart(t)
    #expect(model.markers.isEmpty && model.snapshots == [10])
    var buffer = Fixtures.sentinel(width: 30, height: 6)
    ChartWidget(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(5).hasSuffix("^"))
    // No line through the plot: the column above the flag is as the chart drew it without one.
    var plain = Fixtures.sentinel(width: 30, height: 6)
    ChartWidget(model: chart(timeline((0...10).map { (Double($0), mib) })), mode: .ascii).draw(
      into: &plain, area: plain.bounds)
    #expect(Array(buffer.lines.prefix(5)) == Array(plain.lines.prefix(5)))
    t.markLatest("python tracing window closed (budget)")
    #expect(chart(t).markers == [10] && chart(t).snapshots.isEmpty)
  }

  @Test("the verdict banner says nothing but progress before the analyzer has evidence")
  func verdictPending() {
    var analysis = LiveAnalysis()
    for i in 0..<10 {
      analysis.append(
        MemorySample(timeUnix: 0, elapsed: Double(i), pid: 1, rss: mib, anon: mib, heap: mib), limitBytes: nil)
    }
    let model = VerdictModel(analysis: analysis)
    #expect(model.role == .verdictPending)
    #expect(model.headline == "gathering evidence: 10 of ~24 samples before a verdict")
    var buffer = Fixtures.sentinel(width: 30, height: 3)
    VerdictBanner(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds.top(2))
    #expect(
      buffer.lines == [
        "* gathering evidence: 10 of ~~", "  only 5 RSS floor points ove~", String(repeating: "x", count: 30),
      ])
  }

  @Test("past the usual count, a wait for points after a step is said as such, not as 'N of ~24 samples'")
  func verdictPendingAfterStep() throws {
    var analysis = LiveAnalysis()
    for i in 0..<64 {
      let level = i < 52 ? mib * 10 : mib * 30
      let rss = level + UInt64(i % 3) * 4096
      analysis.append(
        MemorySample(timeUnix: 0, elapsed: Double(i), pid: 1, rss: rss, anon: rss, heap: rss), limitBytes: nil)
    }
    try #require(
      analysis.assessment().verdict == .insufficientData, "the fixture must leave too few points after its step")
    let model = VerdictModel(analysis: analysis)
    #expect(model.role == .verdictPending)
    #expect(model.headline.contains("too few points since the last change"), "\(model.headline)")
    #expect(!model.headline.contains("64 of ~"))
  }

  @Test("a steady climb raises the leak banner; a flat series says no leak")
  func verdicts() {
    let leaking = Fixtures.analysis(Fixtures.timeline())
    #expect(VerdictModel(analysis: leaking).role == .verdictLeak)
    var flat = LiveAnalysis()
    for i in 0..<200 {
      let wobble = UInt64(i % 7) * 4096
      flat.append(
        MemorySample(
          timeUnix: 0, elapsed: Double(i), pid: 1, rss: 50 * mib + wobble, anon: 30 * mib + wobble,
          heap: 20 * mib + wobble), limitBytes: nil)
    }
    let model = VerdictModel(analysis: flat)
    #expect(model.role == .verdictOK)
    #expect(model.headline.hasPrefix("no leak"))
  }

  @Test("the header sanitises the process name and shows an exited target")
  func header() {
    var session = Fixtures.session(state: .exited("exited with status 3"))
    session.name = "evil\u{1B}[2J"
    session.childOutput = "/tmp/child.log"
    var model = Fixtures.screen()
    model.session = session
    var buffer = Fixtures.sentinel(width: 150, height: 3)
    HeaderWidget(model: model).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(0).contains("PID 4242  evil\\e[2J  up"))
    #expect(buffer.line(0).contains("target exited with status 3"))
    #expect(buffer.line(1).contains("child output: /tmp/child.log"))
    #expect(buffer.line(2) == String(repeating: "x", count: 150))
  }

  @Test("each detailed figure's source and cadence is in the help overlay, not the header")
  func detailsInHelp() {
    var session = Fixtures.session(state: .running)
    var model = Fixtures.screen()
    model.session = session
    #expect(model.details == ["RSS and anon: /proc/PID/status every 1 s"], "no cadence before the first detailed read")
    session.heapCadence = DetailCadence(source: "PROCMAP_QUERY+PAGEMAP_SCAN", interval: 0.02, cost: 0.00001)
    session.rollupCadence = DetailCadence(source: "smaps_rollup", interval: 2.1, cost: 0.01)
    model.session = session
    var buffer = Fixtures.sentinel(width: 200, height: 2)
    HeaderWidget(model: model).draw(into: &buffer, area: buffer.bounds)
    #expect(!buffer.line(0).contains("PROCMAP_QUERY") && !buffer.line(1).contains("PROCMAP_QUERY"))
    #expect(buffer.line(1).contains("h: help, sources"))
    #expect(model.details.contains("heap: PROCMAP_QUERY+PAGEMAP_SCAN every ~20 ms"))
    #expect(model.details.contains("PSS: smaps_rollup every ~2.10 s"))
    var help = Fixtures.sentinel(width: 120, height: 30)
    HelpOverlay(mode: .ascii, themeName: "default", details: model.details).draw(into: &help, area: help.bounds)
    #expect(help.lines.joined().contains("PSS: smaps_rollup every ~2.10 s"))
  }

  @Test("the header shows PSS, the time to reach the limit, and a stopped target")
  func headerPSSLimitStopped() {
    var timeline = Fixtures.timeline()
    var last = timeline[timeline.count - 1]
    last.pss = 33 * Fixtures.mib
    last.elapsed += 1
    timeline.append(last)
    var model = Fixtures.screen(timeline: timeline)
    model.timeToLimit = 3600 * 33
    model.session.stopped = true
    var buffer = Fixtures.sentinel(width: 200, height: 2)
    HeaderWidget(model: model).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(0).contains("PSS 33.0 MiB"), "\(buffer.line(0))")
    #expect(buffer.line(0).contains("limit 2.00 GiB in ~1 d 09 h"), "\(buffer.line(0))")
    #expect(buffer.line(0).contains("stopped") && !buffer.line(0).contains("running"))
  }

  @Test("wide or combining characters in a process name become '?' so columns stay aligned")
  func singleWidth() {
    #expect(HeaderWidget.singleWidth("py-漢字-e\u{301}-ok") == "py-??-?-ok")
    #expect(HeaderWidget.singleWidth("café") == "café")
  }

  @Test("the status bar lists the key table's hints, a message, or the prompt")
  func statusBar() {
    var ui = UIState()
    var buffer = Fixtures.sentinel(width: 100, height: 1)
    StatusBar(ui: ui, mode: .braille).draw(into: &buffer, area: buffer.bounds)
    #expect(
      buffer.line(0).hasPrefix(
        " q quit  space pause  +- zoom  a all  e export  m mark  c colours  w where  r reset  ? help"))
    ui.togglePause(latest: 10)
    StatusBar(ui: ui, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(0).contains("space resume") && buffer.line(0).contains("leftright scroll"))
    ui.show("exported 3 samples to /tmp/a.csv", now: 0)
    StatusBar(ui: ui, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.line(0).hasPrefix(" exported 3 samples to /tmp/a.csv "))
    #expect(buffer.line(0).hasSuffix("  "))
  }

  @Test("the help overlay lists every binding of the key table, and the mouse's")
  func helpOverlay() {
    var buffer = Fixtures.sentinel(width: 100, height: 26)
    HelpOverlay(mode: .braille, themeName: "light").draw(into: &buffer, area: buffer.bounds)
    let text = buffer.lines.joined(separator: "\n")
    for binding in KeyMap.bindings where binding.scope != .overview { #expect(text.contains(binding.help)) }
    for binding in KeyMap.mouse where binding.scope != .overview { #expect(text.contains(binding.help)) }
    #expect(text.contains("theme light"))
    #expect(buffer.line(0) == String(repeating: "x", count: 100))
  }
}
