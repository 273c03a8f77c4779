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

  /// The most rows the banner takes: the headline and the explanation wrapped under it.
  package static let maximumRows = 4

  /// The headline's lines at `width` columns: one, or two when it does not fit one (its end —
  /// the time to the limit — matters as much as its start).
  package static func headlineLines(_ model: VerdictModel, width: Int) -> [String] {
    let text = model.headline
    guard width > 2, text.count > width - 2 else { return [text] }
    // Broken at the last space that fits, the spacing inside each part kept as it is.
    let fits = text.prefix(width - 2)
    guard let space = fits.lastIndex(of: " "), space > text.startIndex else { return [text] }
    let rest = text[space...].drop { $0 == " " }
    return rest.isEmpty ? [text] : [String(text[..<space]), String(rest)]
  }

  /// The explanation's lines at `width` columns (wrapped; indented two columns under the bullet).
  package static func detailLines(_ model: VerdictModel, width: Int) -> [String] {
    TextWrap.lines(model.detail, width: width - 2)
  }

  /// Rows the banner needs at `width` columns: the headline's and each line of the
  /// explanation, at most ``maximumRows``.
  package static func rows(_ model: VerdictModel, width: Int) -> Int {
    min(headlineLines(model, width: width).count + max(detailLines(model, width: width).count, 1), maximumRows)
  }

  /// Draws into the rows of `area`: the headline (on two rows when it needs them and the area
  /// has three or more), then the explanation wrapped over the rows left; a last line that
  /// cannot hold the rest ends in an ellipsis.
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area)
    var headline = Self.headlineLines(model, width: area.width)
    if area.height < 3 { headline = [model.headline] }
    for (i, line) in headline.enumerated() {
      let row = Rect(x: area.x, y: area.y + i, width: area.width, height: 1)
      let lead = i == 0 ? String(mode.bullet) + " " : "  "
      let x = buffer.put(lead, x: area.x, y: row.y, role: model.role, clip: row)
      buffer.put(truncated(line, to: area.width - 2), x: x, y: row.y, role: model.role, clip: row)
    }
    let room = area.height - headline.count
    guard room >= 1 else { return }
    var lines = Self.detailLines(model, width: area.width)
    if lines.count > room {
      let rest = lines[(room - 1)...].joined(separator: " ")
      lines = Array(lines.prefix(room - 1)) + [truncated(rest, to: area.width - 2)]
    }
    for (i, line) in lines.enumerated() {
      let row = Rect(x: area.x, y: area.y + headline.count + i, width: area.width, height: 1)
      buffer.put("  " + line, x: area.x, y: row.y, role: .dim, clip: row)
    }
  }

  private func truncated(_ text: String, to width: Int) -> String {
    guard width > 0 else { return "" }
    guard text.count > width else { return text }
    return String(text.prefix(max(width - mode.ellipsis.count, 0))) + mode.ellipsis
  }
}
