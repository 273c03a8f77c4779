import MemtopStore
import Testing

@testable import MemtopTUI

@Suite("Whole-screen snapshots")
struct ScreenSnapshotTests {
  @Test("the main screen at 120x40, braille")
  func mainScreen() {
    Snapshot.assert(Fixtures.render(Fixtures.screen()), named: "main-120x40")
  }

  @Test("the main screen at 120x40 in ASCII")
  func asciiScreen() {
    Snapshot.assert(Fixtures.render(Fixtures.screen(mode: .ascii)), named: "main-120x40-ascii")
  }

  @Test("the help overlay over the charts")
  func helpOverlay() {
    var ui = UIState()
    ui.showHelp = true
    Snapshot.assert(Fixtures.render(Fixtures.screen(ui: ui)), named: "help-120x40")
  }

  @Test("paused and scrolled back, with the target exited, at 80x24 in block glyphs")
  func pausedExited() {
    var ui = UIState()
    ui.togglePause(latest: 119)
    ui.scroll(-1, latest: 119)
    Snapshot.assert(
      Fixtures.render(
        Fixtures.screen(ui: ui, mode: .block, state: .exited("exited with status 0")), width: 80, height: 24),
      named: "paused-exited-80x24")
  }

  @Test("the export prompt in the status bar")
  func exportPrompt() {
    var ui = UIState()
    ui.exportPrompt = LineEditor("memtop-4242-20261125-103000.csv")
    let text = Fixtures.render(Fixtures.screen(ui: ui))
    let last = text.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix(" Export CSV to: memtop-4242-20261125-103000.csv"))
  }

  @Test(
    "the layout drops charts as the terminal shrinks, then shows the summary, refusing only below 10x4",
    arguments: [
      (120, 40, 3), (40, 17, 3), (80, 16, 1), (80, 13, 1), (80, 12, 1), (80, 9, 1), (39, 40, 0), (80, 8, 0), (10, 4, 0),
    ])
  func degrades(width: Int, height: Int, charts: Int) {
    #expect(Screen.chartCount(width: width, height: height) == charts)
    let text = Fixtures.render(Fixtures.screen(), width: width, height: height)
    #expect(!text.contains(Fixtures.screenSentinel))
    #expect(!text.contains("too small"))
    let titles = ["RSS  now", "heap  now", "anon  now"]
    #expect(titles.filter { text.contains($0) }.count == charts, "\(text)")
    if charts == 0 { #expect(text.hasPrefix("PID 4242"), "\(text)") }
  }

  @Test("the summary's one line holds every figure", arguments: [(80, 8), (30, 5)])
  func summary(width: Int, height: Int) {
    let text = Fixtures.render(Fixtures.screen(), width: width, height: height)
    let line = Screen.summaryLine(Fixtures.screen())
    #expect(
      line.hasPrefix("PID 4242 RSS ") && line.contains(" heap ") && line.contains(" anon ")
        && line.hasSuffix(" running"))
    #expect(text.hasPrefix(String(line.prefix(width))))
  }

  @Test("below 10x4 a notice, clipped to fit", arguments: [(9, 4), (10, 3), (1, 1)])
  func tooSmall(width: Int, height: Int) {
    let text = Fixtures.render(Fixtures.screen(), width: width, height: height)
    #expect(!text.contains(Fixtures.screenSentinel))
  }

  @Test("the summary view at 20x6 and 10x4", arguments: [(20, 6), (10, 4)])
  func tooSmallSnapshot(width: Int, height: Int) {
    Snapshot.assert(
      Fixtures.render(Fixtures.screen(), width: width, height: height), named: "summary-\(width)x\(height)")
  }

  @Test("every size from 1x1 to 130x45 draws without crashing or leaving sentinel cells")
  func everySize() {
    let model = Fixtures.screen()
    for width in stride(from: 1, through: 130, by: 7) {
      for height in stride(from: 1, through: 45, by: 4) {
        let text = Fixtures.render(model, width: width, height: height)
        #expect(!text.contains(Fixtures.screenSentinel), "sentinel left at \(width)x\(height)")
      }
    }
  }

  @Test("an empty timeline draws empty charts and a pending verdict")
  func emptyTimeline() {
    let text = Fixtures.render(Fixtures.screen(timeline: Timeline()))
    #expect(text.contains("RSS"))
    #expect(text.contains("gathering evidence: 0 of"))
    #expect(!text.contains(Fixtures.screenSentinel))
  }
}
