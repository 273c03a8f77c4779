/// The help box, generated from the key table, centred over the charts.
package struct HelpOverlay: Sendable {
  /// The glyphs.
  package var mode: GlyphMode
  /// The theme in use, named at the bottom of the box.
  package var themeName: String
  /// Whose keys: the chart view's or the process table's.
  package var scope: KeyScope
  /// Lines under the keys: how the figures are read (sources and cadences).
  package var details: [String]

  package init(mode: GlyphMode, themeName: String, scope: KeyScope = .view, details: [String] = []) {
    self.mode = mode
    self.themeName = themeName
    self.scope = scope
    self.details = details
  }

  /// The box's text lines (without the frame).
  package var lines: [(keys: String, text: String)] {
    KeyMap.helpLines(mode: mode, scope: scope).map { (keys: $0.keys, text: $0.help) }
  }

  /// Draws the box centred in `area` (clipped when the area is small).
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    let entries = lines
    let keyWidth = entries.map(\.keys.count).max() ?? 0
    let footer = "theme \(themeName) \(mode.dot) glyphs \(mode.rawValue) \(mode.dot) any key closes"
    let textWidth = max(
      entries.map { keyWidth + 2 + $0.text.count }.max() ?? 0, footer.count, details.map(\.count).max() ?? 0)
    let box = area.centered(width: textWidth + 4, height: entries.count + 4 + details.count)
    guard box.width >= 4, box.height >= 3 else { return }
    buffer.drawBox(box, mode: mode)
    buffer.put(" memtop keys ", x: box.x + 2, y: box.y, role: .title, clip: box)
    let inner = box.inset(dx: 2, dy: 1)
    for (i, entry) in entries.enumerated() {
      let y = inner.y + i
      let padded = entry.keys + String(repeating: " ", count: keyWidth - entry.keys.count)
      let x = buffer.put(padded, x: inner.x, y: y, role: .statusKey, clip: inner)
      buffer.put("  " + entry.text, x: x, y: y, role: .help, clip: inner)
    }
    for (i, line) in details.enumerated() {
      buffer.put(line, x: inner.x, y: inner.y + entries.count + 1 + i, role: .dim, clip: inner)
    }
    buffer.put(footer, x: inner.x, y: inner.y + entries.count + 1 + details.count, role: .dim, clip: inner)
  }
}
