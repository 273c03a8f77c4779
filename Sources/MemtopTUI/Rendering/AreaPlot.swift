/// Draws a filled area chart from column heights into a cell buffer.
///
/// The input is one level per plot sub-column (two per cell in braille, one otherwise), in
/// rows of the plot area (0 = empty, `height` = full); `nil` is a gap and is drawn with the gap
/// glyph on the bottom row, so a missed sample never looks like memory dropping to zero.
package struct AreaPlot: Sendable {
  /// Level per sub-column, in rows; `nil` for a gap; negative means "no data here" (blank).
  package var levels: [Double?]
  /// The glyphs to use.
  package var mode: GlyphMode
  /// The role of the area.
  package var role: ColorRole

  package init(levels: [Double?], mode: GlyphMode, role: ColorRole) {
    self.levels = levels
    self.mode = mode
    self.role = role
  }

  /// Resolution of one row: 4 dots in braille, 8 eighths in block, 2 halves in ASCII.
  var steps: Int {
    switch mode {
    case .braille: 4
    case .block: 8
    case .ascii: 2
    }
  }

  /// Renders into `area` (which it fills entirely: blanks where there is nothing to draw).
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area)
    let sub = mode.subColumns
    let maxUnits = area.height * steps
    for column in 0..<area.width {
      let left = level(column * sub)
      let right = sub > 1 ? level(column * sub + 1) : left
      // Gap only where every sub-column is a gap.
      if left == nil && right == nil {
        buffer[area.x + column, area.maxY - 1] = Cell(mode.gap, .chartGap)
        continue
      }
      let leftUnits = units(left, max: maxUnits)
      let rightUnits = sub > 1 ? units(right, max: maxUnits) : 0
      for row in 0..<area.height {
        let l = min(max(leftUnits - row * steps, 0), steps)
        let r = min(max(rightUnits - row * steps, 0), steps)
        guard l > 0 || r > 0 else { break }
        buffer[area.x + column, area.maxY - 1 - row] = Cell(glyph(l, r), role)
      }
    }
  }

  /// The level of sub-column `index`: nil for a gap, -1 past the data.
  private func level(_ index: Int) -> Double? {
    index < levels.count ? levels[index] : -1
  }

  /// Steps lit for a level: anything above zero shows at least one.
  private func units(_ level: Double?, max maxUnits: Int) -> Int {
    guard let level, level > 0 else { return 0 }
    return Swift.max(1, Swift.min(Int(saturating: (level * Double(steps)).rounded()), maxUnits))
  }

  private func glyph(_ left: Int, _ right: Int) -> Character {
    switch mode {
    case .braille: Braille.bars(left: left, right: right)
    case .block: Blocks.eighths[left]
    case .ascii: left >= 2 ? "#" : "."
    }
  }
}
