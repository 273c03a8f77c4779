/// The verdict banner: a bullet and headline in the verdict's role, the explanation below.
package struct VerdictBanner: Sendable {
  /// What to say.
  package var model: VerdictModel
  /// The glyphs.
  package var mode: GlyphMode

  package init(model: VerdictModel, mode: GlyphMode) {
    self.model = model
    self.mode = mode
  }

  /// Draws into the top two rows of `area`.
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area.top(2))
    let first = area.top(1)
    var x = buffer.put(String(mode.bullet) + " ", x: area.x, y: area.y, role: model.role, clip: first)
    x = buffer.put(truncated(model.headline, to: area.width - 2), x: x, y: area.y, role: model.role, clip: first)
    guard area.height >= 2 else { return }
    let second = Rect(x: area.x, y: area.y + 1, width: area.width, height: 1)
    buffer.put("  " + truncated(model.detail, to: area.width - 2), x: area.x, y: area.y + 1, role: .dim, clip: second)
  }

  private func truncated(_ text: String, to width: Int) -> String {
    guard width > 0 else { return "" }
    guard text.count > width else { return text }
    return String(text.prefix(max(width - mode.ellipsis.count, 0))) + mode.ellipsis
  }
}
