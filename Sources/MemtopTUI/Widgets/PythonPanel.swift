import MemtopCore

/// The Python panel (key `y`): what the agent reports, in a box under or over the charts — Python's
/// share of the growth, the collector, the lru caches, the lines and object types that grow.
///
/// Every string in it came from the agent and was escaped when the agent's record was parsed.
package struct PythonPanel: Sendable {
  /// The report to show, or nil while none has come.
  package var report: PythonReport?
  /// What to say when there is no report.
  package var empty: String
  /// The glyphs.
  package var mode: GlyphMode

  package init(report: PythonReport?, empty: String, mode: GlyphMode) {
    self.report = report
    self.empty = empty
    self.mode = mode
  }

  /// The title: `Python · process 4242 · 3.11.7 cpython · tracing`, or `worker 1234 (pool.py)`
  /// when the report is a leaking member's.
  package var title: String {
    guard let report else { return " Python " }
    var parts = ["Python", report.subject]
    if let python = report.python { parts.append(python) }
    if report.tracing { parts.append("tracing lines") }
    return " " + parts.joined(separator: " \(mode.dot) ") + " "
  }

  /// One line of the body, and whether its figures are stale (dimmed).
  package struct Line: Sendable, Equatable {
    package var text: String
    package var stale = false
  }

  /// The body's lines: each section says the window its figures cover and their age; a
  /// section whose latest reading is over ``PythonReport/staleSeconds`` old is dimmed. Only
  /// what grows is listed among lines and types.
  package var body: [Line] {
    guard let report else { return [Line(text: empty)] }
    var out: [Line] = []
    func add(_ text: String, stale: Bool = false) { out.append(Line(text: text, stale: stale)) }
    if let evidence = report.evidence {
      add((evidence.kind == .leak ? "leak: " : "not a leak yet: ") + evidence.sentence)
    }
    if let share = report.shareSentence {
      add(share + PythonReport.aside(report.when(report.tracedSpan)), stale: report.isStale(report.tracedSpan))
    } else {
      add("lines are traced when the verdict says leak (or at once with --trace-lines)")
    }
    if let gc = report.gcLine { add(gc) }
    let retainersStale = report.isStale(report.retainerSpan)
    if !report.retainers.isEmpty {
      add("")
      add("who holds it\(PythonReport.aside(report.when(report.retainerSpan))):", stale: retainersStale)
      for retainer in report.retainers.prefix(3) { add("  " + report.retainerLine(retainer), stale: retainersStale) }
    }
    let caches = report.caches.filter { ($0.growthPerSecond ?? 0) > 0 || $0.maxsize == nil }
    let cachesStale = report.isStale(report.cacheSpan)
    add("")
    if caches.isEmpty {
      add("caches: no lru_cache grows")
    } else {
      add("caches\(Self.about(report.when(report.cacheSpan))):", stale: cachesStale)
      for cache in caches.prefix(5) { add("  " + report.cacheLine(cache), stale: cachesStale) }
    }
    add("")
    let linesStale = report.isStale(report.lineSpan)
    if report.topLines.isEmpty {
      add("growing lines: none traced yet, or none grows")
    } else {
      add(
        "growing lines (traced memory, growth per minute\(PythonReport.aside(report.when(report.lineSpan)))):",
        stale: linesStale)
      for line in report.topLines.prefix(5) { add("  " + report.lineLine(line), stale: linesStale) }
    }
    add("")
    let typesStale = report.isStale(report.typeSpan)
    if report.types.isEmpty {
      add("growing types: none grows")
    } else {
      add("growing types\(Self.about(report.when(report.typeSpan))):", stale: typesStale)
      for type in report.types.prefix(5) { add("  " + report.typeLine(type), stale: typesStale) }
    }
    for note in report.notes.suffix(1) { add("agent: " + note) }
    add("")
    add("y closes")
    return out
  }

  /// The body's text alone.
  package var lines: [String] { body.map(\.text) }

  /// ` (over the last 2 min, now)` or nothing.
  private static func about(_ text: String?) -> String { text.map { " (\($0))" } ?? "" }

  /// The body's lines wrapped to `width` columns (a list item's continuation indented under
  /// its text), each keeping its line's staleness.
  package func wrapped(width: Int) -> [Line] {
    body.flatMap { line in
      line.text.isEmpty
        ? [line] : TextWrap.hanging(line.text, width: width).map { Line(text: $0, stale: line.stale) }
    }
  }

  /// Draws the box at the top of `area`, as tall as its lines (leaving a one-cell margin at the
  /// sides where it can), the body wrapped and shown from line `scroll`; when it does not all
  /// fit, the last row says how many lines are above and below and that ↑/↓ scroll. Returns
  /// the largest scroll that still shows something new (0 when everything fits).
  @discardableResult
  package func draw(into buffer: inout CellBuffer, area: Rect, scroll: Int = 0) -> Int {
    let wide = area.width > 8 && area.height > 6 ? area.inset(dx: 1, dy: 0) : area
    let lines = wrapped(width: max(wide.width - 4, 1))
    let box = wide.top(min(wide.height, lines.count + 2))
    guard box.width >= 4, box.height >= 3 else { return 0 }
    buffer.drawBox(box, mode: mode)
    buffer.put(title, x: box.x + 2, y: box.y, role: .title, clip: box.inset(dx: 1, dy: 0))
    let inner = box.inset(dx: 2, dy: 1)
    let fits = lines.count <= inner.height
    // One row is kept for the scroll note when the lines do not all fit.
    let rows = fits ? inner.height : max(inner.height - 1, 1)
    let maxScroll = fits ? 0 : max(lines.count - rows, 0)
    let first = min(max(scroll, 0), maxScroll)
    for (i, line) in lines[first...].prefix(rows).enumerated() {
      let role: ColorRole =
        line.stale ? .dim : line.text.hasPrefix("  ") || line.text.isEmpty ? .help : (i + first == 0 ? .text : .dim)
      buffer.put(line.text, x: inner.x, y: inner.y + i, role: role, clip: inner)
    }
    if !fits && inner.height > 1 {
      let below = lines.count - first - rows
      let up = mode == .ascii ? "up" : "↑"
      let down = mode == .ascii ? "down" : "↓"
      let note = "\(first) lines above, \(below) below: \(up)/\(down) scroll"
      buffer.put(note, x: inner.x, y: inner.y + rows, role: .statusKey, clip: inner)
    }
    return maxScroll
  }
}
