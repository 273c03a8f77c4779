import Testing

@testable import MemtopTUI

@Suite("The key table")
struct KeyMapTests {
  @Test("every action has exactly one binding")
  func everyActionBound() {
    for action in Action.allCases {
      #expect(KeyMap.bindings.filter { $0.action == action }.count == 1, "\(action)")
    }
  }

  @Test("no key is bound twice")
  func keysUnique() {
    let keys = KeyMap.bindings.flatMap(\.keys)
    #expect(Set(keys).count == keys.count)
  }

  @Test(
    "the issue's keys do what it asks",
    arguments: [
      (Key.character("q"), Action.quit), (.character(" "), .togglePause), (.character("+"), .zoomIn),
      (.character("-"), .zoomOut), (.left, .scrollBack), (.right, .scrollForward), (.character("e"), .export),
      (.character("m"), .marker), (.character("c"), .cycleTheme), (.character("?"), .help),
      (.character("r"), .resetMinMax),
      (.function(1), .help), (.character("h"), .help), (.function(10), .quit), (.escape, .back),
      (.character("a"), .fitAll),
      (.character("t"), .cycleProcess), (.character("p"), .cycleProcess),
    ])
  func binding(key: Key, action: Action) {
    #expect(KeyMap.action(for: key) == action)
  }

  @Test("unbound keys do nothing")
  func unbound() {
    #expect(KeyMap.action(for: .character("z")) == nil)
    #expect(KeyMap.action(for: .function(5)) == nil)
    #expect(KeyMap.action(for: .enter) == nil)
    #expect(KeyMap.action(for: .character("G")) == nil)
  }

  @Test("the process table's keys act only there; q and esc act in both")
  func scopes() {
    #expect(KeyMap.action(for: .enter, in: .overview) == .open)
    #expect(KeyMap.action(for: .character("G"), in: .overview) == .sortByGrowth)
    #expect(KeyMap.action(for: .character("M"), in: .overview) == .sortByMemory)
    #expect(KeyMap.action(for: .character("/"), in: .overview) == .filter)
    #expect(KeyMap.action(for: .character("q"), in: .overview) == .quit)
    #expect(KeyMap.action(for: .escape) == .back)
    #expect(KeyMap.action(for: .character("m"), in: .overview) == nil)
    #expect(KeyMap.action(for: .function(1), in: .overview) == .help)
    #expect(KeyMap.action(for: .function(10), in: .overview) == .quit)
    #expect(KeyMap.overviewHints(mode: .ascii).map(\.key) == ["q", "?", "M", "G", "/", "updown", "enter", "esc"])
  }

  @Test("the status bar names every action's key (scrolling only while paused)")
  func hints() {
    let live = KeyMap.hints(mode: .braille, paused: false).map(\.key)
    #expect(live == ["q", "space", "+-", "a", "e", "m", "c", "w", "r", "?"])
    let paused = KeyMap.hints(mode: .braille, paused: true)
    #expect(paused.contains { $0.key == "←→" && $0.hint == "scroll" })
    #expect(paused.contains { $0.key == "space" && $0.hint == "resume" })
    let tree = KeyMap.hints(mode: .braille, paused: false, tree: true)
    #expect(tree.map(\.key) == ["q", "space", "+-", "a", "e", "m", "c", "p", "w", "r", "?"])
  }

  @Test("help lines come from the table, one per binding")
  func helpLines() {
    let lines = KeyMap.helpLines(mode: .ascii)
    #expect(
      lines.count
        == KeyMap.bindings.filter { $0.scope != .overview }.count + KeyMap.mouse.filter { $0.scope != .overview }.count)
    #expect(
      KeyMap.helpLines(mode: .ascii, scope: .overview).count
        == KeyMap.bindings.filter { $0.scope != .view }.count + KeyMap.mouse.filter { $0.scope != .view }.count)
    #expect(lines.contains { $0.keys == "wheel" && $0.help.contains("zoom") })
    #expect(!lines.contains { $0.keys == "click" }, "the chart view's help leaves out the table's clicks")
    #expect(
      lines.contains { $0.keys == "q F10" && $0.help.contains("stops a command memtop launched, and its workers") })
    #expect(lines.contains { $0.keys == "? h F1" })
    #expect(lines.contains { $0.keys == "p t" && $0.help.contains("htop") })
    #expect(
      KeyMap.helpLines(mode: .ascii, includeOverview: true).count == KeyMap.bindings.count + KeyMap.mouse.count)
    #expect(lines.contains { $0.keys == "left" })
  }

  @Test("zoom steps from 10 s to the whole recording and stops at both ends; the view opens on 60 s")
  func zoom() {
    var ui = UIState()
    #expect(ui.span == 60)
    while ui.zoomIn() {}
    #expect(ui.span == 10)
    let changed = ui.zoomIn()
    #expect(!changed)
    var spans: [String] = [ui.spanLabel]
    while ui.zoomOut() { spans.append(ui.spanLabel) }
    #expect(spans == ["10 s", "30 s", "1 min", "5 min", "15 min", "60 min", "all"])
    #expect(ui.window(latest: 500) == (0, 500))
  }

  @Test(
    "+ from the whole recording never jumps past the data's span, - reaches all once the window covers it",
    arguments: [(20.0, "10 s", "all"), (45, "30 s", "all"), (400, "5 min", "all"), (100_000, "60 min", "all")])
  func zoomFitsData(span: Double, afterIn: String, afterOut: String) {
    var ui = UIState()
    ui.fitAll()
    ui.zoomIn(dataSpan: span)
    #expect(ui.spanLabel == afterIn)
    ui.zoomOut(dataSpan: span)
    #expect(ui.spanLabel == afterOut)
  }

  @Test("zooming out on a 400 s recording steps through the windows shorter than it, then all")
  func zoomOutSteps() {
    var ui = UIState()
    while ui.zoomIn() {}
    var spans = [ui.spanLabel]
    while ui.zoomOut(dataSpan: 400) { spans.append(ui.spanLabel) }
    #expect(spans == ["10 s", "30 s", "1 min", "5 min", "all"])
  }

  @Test("scrolling only moves a paused view, and never past either end")
  func scrolling() {
    var ui = UIState()
    ui.scroll(-1, latest: 300)
    #expect(ui.window(latest: 300) == (240, 300))
    ui.togglePause(latest: 300)
    ui.scroll(-1, latest: 400)
    #expect(ui.window(latest: 400) == (225, 285))
    for _ in 0..<40 { ui.scroll(-1, latest: 400) }
    #expect(ui.window(latest: 400) == (0, 60))
    for _ in 0..<40 { ui.scroll(1, latest: 400) }
    #expect(ui.window(latest: 400) == (240, 300))
  }
}
