import MemtopAnalysis
import MemtopCore
import MemtopSampling
import MemtopTrend
import Testing

@testable import MemtopTUI

/// Long sentences are wrapped where they are drawn, never cut: the banner's explanation, the
/// Python panel's lines; and the verdict says which series it rests on.
@Suite("wrapping and the verdict's series")
struct WrappingTests {
  static let longDetail =
    "where: 100 % of the growth is in brk_heap (the main heap; malloc's small blocks), +4.0 MiB/min · "
    + "RSS rose steadily for 2 min 10 s, consistent with a leak; at this rate it reaches the 4.00 GiB limit in about 16 h · "
    + "Python objects account for 90 % of the growth"

  @Test("the banner wraps a long explanation over up to three lines, its end kept, and never costs a chart")
  func bannerWraps() {
    let model = VerdictModel(headline: "LEAK  RSS +4.00 MiB/min", detail: Self.longDetail, role: .verdictLeak)
    #expect(VerdictBanner.rows(model, width: 120) == 4)
    var buffer = Fixtures.sentinel(width: 120, height: 4)
    VerdictBanner(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    let text = buffer.lines.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    #expect(text == Self.longDetail, "\(buffer.lines)")
    // Given two rows, the second ends in an ellipsis instead of losing words silently.
    var small = Fixtures.sentinel(width: 80, height: 2)
    VerdictBanner(model: model, mode: .ascii).draw(into: &small, area: small.bounds)
    #expect(small.lines[1].hasSuffix(GlyphMode.ascii.ellipsis), "\(small.lines[1])")
    // At 80×24 the three charts stay; the banner takes the rows they can spare.
    for (width, height) in [(80, 24), (120, 40), (60, 17)] {
      let rows = Screen.verdictRows(model, width: width, height: height)
      #expect(
        Screen.chartCount(width: width, height: height, banner: rows) == Screen.chartCount(width: width, height: height)
      )
    }
    #expect(Screen.verdictRows(model, width: 80, height: 24) == 4)
    // A headline longer than the line takes a second row, its end (the time to the limit) kept.
    let long = VerdictModel(
      headline:
        "LEAK  RSS +3.75 MiB/min (95 % +3.70 MiB/min to +3.80 MiB/min); limit 2.00 GiB in ~8 h 53 m (earliest 7 h 10 m)",
      detail: "RSS rose 6.75 MiB over 1 m 48 s at a steady rate", role: .verdictLeak)
    var narrow = Fixtures.sentinel(width: 80, height: 3)
    VerdictBanner(model: long, mode: .ascii).draw(into: &narrow, area: narrow.bounds)
    #expect(narrow.lines[0].hasPrefix("* LEAK  RSS +3.75 MiB/min"), "\(narrow.lines)")
    #expect(narrow.lines[1].contains("(earliest 7 h 10 m)"), "\(narrow.lines)")
    #expect(narrow.lines[2].contains("RSS rose 6.75 MiB"), "\(narrow.lines)")
    #expect(Screen.verdictRows(model, width: 60, height: 17) == 2)
    var model2 = Fixtures.screen()
    model2.verdict = model
    let frame = Fixtures.render(model2, width: 120, height: 40).split(separator: "\n")
    // Rows 36 to 38 (under the headline, above the status bar) hold the whole explanation.
    #expect(frame[35].contains("LEAK  RSS +4.00 MiB/min"), "\(frame)")
    let shown = frame[36...38].map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    #expect(shown == Self.longDetail, "\(frame)")
  }

  @Test("the Python panel wraps its lines under their indent and, when they overflow, says so and scrolls with ↓ and ↑")
  func panelWrapsAndScrolls() throws {
    let report = try #require(PythonPanelTests.report())
    let panel = PythonPanel(report: report, empty: "", mode: .ascii)
    let wrapped = panel.wrapped(width: 40)
    #expect(wrapped.allSatisfy { $0.text.count <= 40 }, "\(wrapped.map(\.text))")
    #expect(wrapped.count > panel.body.count)
    var buffer = Fixtures.sentinel(width: 44, height: 12)
    let maximum = panel.draw(into: &buffer, area: buffer.bounds)
    #expect(maximum > 0)
    #expect(buffer.lines[10].contains("0 lines above"), "\(buffer.lines)")
    var scrolled = Fixtures.sentinel(width: 44, height: 12)
    panel.draw(into: &scrolled, area: scrolled.bounds, scroll: 3)
    #expect(scrolled.lines[10].contains("3 lines above"), "\(scrolled.lines)")
    #expect(scrolled.lines[1] != buffer.lines[1])
    // Through the app: ↓ scrolls the shown panel, and the scroll stops at its end.
    let (app, terminal, screen) = AppLoopTests.chartApp(samples: 30, width: 60, height: 20)
    screen.state.pythonReport = report
    app.send(.key(.character("y")))
    for _ in 0..<200 { app.send(.key(.down)) }
    app.draw()
    #expect(screen.state.pythonScroll > 0 && screen.state.pythonScroll < 200)
    #expect(terminal.text.contains(" 0 below"), "\(terminal.text)")
    app.send(.key(.up))
    app.draw()
    #expect(terminal.text.contains(" 1 below"), "\(terminal.text)")
  }

  @Test("a verdict resting on anon while RSS says plateau says so on the banner; resting on RSS it says nothing more")
  func basis() throws {
    let shape = LiveShape(id: "leak", seconds: 120) { 60 * LiveShape.mib + 200e3 * $0 }
    var analysis = LiveAnalysis()
    for sample in shape.samples() { analysis.append(sample, limitBytes: nil) }
    var assessment = analysis.assessment()
    #expect(assessment.leading?.metric == .rss)
    #expect(assessment.basis == nil)
    assessment.raised = []
    let rss = try #require(assessment.entries.firstIndex { $0.metric == .rss })
    assessment.entries[rss].result.verdict = .plateau
    #expect(assessment.leading?.metric == .anon)
    let basis = try #require(assessment.basis)
    #expect(basis == "judged on anon: RSS says plateau; it also holds file pages and shared memory, which come and go")
    let banner = VerdictModel(live: assessment, samples: 120)
    #expect(banner.detail.hasSuffix(" · " + basis), "\(banner.detail)")
  }
}
