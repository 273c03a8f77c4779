import MemtopCore

/// The Python panel (key `y`): what the agent reports, in a box over the charts — Python's
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

  /// The title: `Python · process 4242 · 3.11.7 cpython · tracing`.
  package var title: String {
    guard let report else { return " Python " }
    var parts = ["Python", "process \(report.pid)"]
    if let python = report.python { parts.append(python) }
    if report.tracing { parts.append("tracing lines") }
    return " " + parts.joined(separator: " \(mode.dot) ") + " "
  }

  /// The body's lines.
  package var lines: [String] {
    guard let report else { return [empty] }
    var out: [String] = []
    out.append(report.shareSentence ?? "lines are traced when the verdict says leak (or at once with --trace-lines)")
    if let gc = report.gcLine { out.append(gc) }
    let caches = report.caches.filter { ($0.growthPerSecond ?? 0) > 0 || $0.maxsize == nil }
    out.append("")
    out.append(caches.isEmpty ? "caches: no lru_cache grows" : "caches:")
    for cache in caches.prefix(5) { out.append("  " + report.cacheLine(cache)) }
    out.append("")
    if report.topLines.isEmpty {
      out.append("top lines: none traced yet")
    } else {
      out.append("top lines (traced memory, growth per minute):")
      for line in report.topLines.prefix(5) { out.append("  " + report.lineLine(line)) }
    }
    out.append("")
    let types = report.types.filter { ($0.countSlopePerSecond ?? 0) > 0 }
    out.append(types.isEmpty ? "top types: none grows" : "top growing types:")
    for type in types.prefix(5) { out.append("  " + report.typeLine(type)) }
    for note in report.notes.suffix(1) { out.append("agent: " + note) }
    out.append("")
    out.append("y closes")
    return out
  }

  /// Draws the box at the top of `area`, as tall as its lines (leaving a one-cell margin at the
  /// sides where it can).
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    let body = lines
    let wide = area.width > 8 && area.height > 6 ? area.inset(dx: 1, dy: 0) : area
    let box = wide.top(min(wide.height, body.count + 2))
    guard box.width >= 4, box.height >= 3 else { return }
    buffer.drawBox(box, mode: mode)
    buffer.put(title, x: box.x + 2, y: box.y, role: .title, clip: box.inset(dx: 1, dy: 0))
    let inner = box.inset(dx: 2, dy: 1)
    for (i, line) in body.prefix(inner.height).enumerated() {
      let role: ColorRole = line.hasPrefix("  ") || line.isEmpty ? .help : (i == 0 ? .text : .dim)
      buffer.put(line, x: inner.x, y: inner.y + i, role: role, clip: inner)
    }
  }
}
