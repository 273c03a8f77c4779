import MemtopCore
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
      Fixtures.render(Fixtures.screen(ui: ui, mode: .block, state: .exited("exited with status 0")), width: 80, height: 24),
      named: "paused-exited-80x24")
  }

  @Test("the export prompt in the status bar")
  func exportPrompt() {
    var ui = UIState()
    ui.exportPrompt = "memtop-4242-20261125-103000.csv"
    let text = Fixtures.render(Fixtures.screen(ui: ui))
    let last = text.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix(" Export CSV to: memtop-4242-20261125-103000.csv"))
  }

  @Test("a terminal too small says so instead of drawing", arguments: [(20, 6), (10, 4), (39, 40), (120, 16), (1, 1)])
  func tooSmall(width: Int, height: Int) {
    let text = Fixtures.render(Fixtures.screen(), width: width, height: height)
    #expect(!text.contains(Fixtures.screenSentinel))
    if width >= 10 && height >= 3 { #expect(text.contains("terminal")) }
  }

  @Test("the 20x6 notice", arguments: [(20, 6), (10, 4)])
  func tooSmallSnapshot(width: Int, height: Int) {
    Snapshot.assert(Fixtures.render(Fixtures.screen(), width: width, height: height), named: "too-small-\(width)x\(height)")
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
