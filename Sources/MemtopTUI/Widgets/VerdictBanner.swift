/// The verdict banner: a bullet and headline in the verdict's role, the explanation wrapped below.
package struct VerdictBanner: Sendable {
  /// What to say.
  package var model: VerdictModel
  /// The glyphs.
  package var mode: GlyphMode

  package init(model: VerdictModel, mode: GlyphMode) {
    self.model = model
    self.mode = mode
  }

  /// The most rows the banner takes: the headline and three lines of explanation.
  package static let maximumRows = 4

  /// The explanation's lines at `width` columns (wrapped; indented two columns under the bullet).
  package static func detailLines(_ model: VerdictModel, width: Int) -> [String] {
    TextWrap.lines(model.detail, width: width - 2)
  }

  /// Rows the banner needs at `width` columns: the headline and each line of the explanation,
  /// at most ``maximumRows``.
  package static func rows(_ model: VerdictModel, width: Int) -> Int {
    min(1 + max(detailLines(model, width: width).count, 1), maximumRows)
  }

  /// Draws into the rows of `area`: the headline, then the explanation wrapped over the rows
  /// left (the last one ends in an ellipsis when it does not all fit).
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area)
    let first = area.top(1)
    var x = buffer.put(String(mode.bullet) + " ", x: area.x, y: area.y, role: model.role, clip: first)
    x = buffer.put(truncated(model.headline, to: area.width - 2), x: x, y: area.y, role: model.role, clip: first)
    guard area.height >= 2 else { return }
    var lines = Self.detailLines(model, width: area.width)
    let room = area.height - 1
    if lines.count > room {
      let rest = lines[(room - 1)...].joined(separator: " ")
      lines = Array(lines.prefix(room - 1)) + [truncated(rest, to: area.width - 2)]
    }
    for (i, line) in lines.enumerated() {
      let row = Rect(x: area.x, y: area.y + 1 + i, width: area.width, height: 1)
      buffer.put("  " + line, x: area.x, y: row.y, role: .dim, clip: row)
    }
  }

  private func truncated(_ text: String, to width: Int) -> String {
    guard width > 0 else { return "" }
    guard text.count > width else { return text }
    return String(text.prefix(max(width - mode.ellipsis.count, 0))) + mode.ellipsis
  }
}
