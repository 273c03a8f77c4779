/// Draws a filled area chart from column heights into a cell buffer.
///
/// The input is one level per plot sub-column (two per cell in braille, one otherwise), in
/// rows of the plot area (0 = empty, `height` = full); `nil` is a gap and is drawn with the gap
/// glyph on the bottom row, so a missed sample never looks like memory dropping to zero.
public struct AreaPlot: Sendable {
  /// Level per sub-column, in rows; `nil` for a gap; negative means "no data here" (blank).
  public var levels: [Double?]
  /// The glyphs to use.
  public var mode: GlyphMode
  /// The role of the area.
  public var role: ColorRole

  public init(levels: [Double?], mode: GlyphMode, role: ColorRole) {
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
  public func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area)
    let sub = mode.subColumns
    for column in 0..<area.width {
      let parts = (0..<sub).map { i -> Double? in
        let index = column * sub + i
        return index < levels.count ? levels[index] : -1
      }
      // Gap only where every sub-column is a gap.
      if parts.allSatisfy({ $0 == nil }) {
        buffer[area.x + column, area.maxY - 1] = Cell(mode.gap, .chartGap)
        continue
      }
      let units = parts.map { level -> Int in
        guard let level, level > 0 else { return 0 }
        // Anything above zero shows at least one step.
        return max(1, min(Int((level * Double(steps)).rounded()), area.height * steps))
      }
      for row in 0..<area.height {
        let rowFromBottom = row
        let y = area.maxY - 1 - row
        let filled = units.map { min(max($0 - rowFromBottom * steps, 0), steps) }
        guard filled.contains(where: { $0 > 0 }) else { continue }
        buffer[area.x + column, y] = Cell(glyph(filled), role)
      }
    }
  }

  private func glyph(_ filled: [Int]) -> Character {
    switch mode {
    case .braille:
      return Braille.bars(left: filled[0], right: filled.count > 1 ? filled[1] : 0)
    case .block:
      return Blocks.eighths[filled[0]]
    case .ascii:
      return filled[0] >= 2 ? "#" : "."
    }
  }
}
