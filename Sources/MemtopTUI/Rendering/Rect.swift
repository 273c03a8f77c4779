/// A rectangle of terminal cells: column `x`, row `y`, `width` columns by `height` rows.
package struct Rect: Sendable, Equatable {
  /// Leftmost column.
  package var x: Int
  /// Top row.
  package var y: Int
  /// Columns (never negative).
  package var width: Int
  /// Rows (never negative).
  package var height: Int

  package init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(width, 0)
    self.height = max(height, 0)
  }

  /// Whether the rectangle covers no cell.
  package var isEmpty: Bool { width == 0 || height == 0 }
  /// One past the rightmost column.
  package var maxX: Int { x + width }
  /// One past the bottom row.
  package var maxY: Int { y + height }

  /// The rectangle shrunk by `dx` columns on each side and `dy` rows on top and bottom.
  package func inset(dx: Int, dy: Int) -> Rect {
    Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
  }

  /// The top `rows` rows (clamped to the rectangle).
  package func top(_ rows: Int) -> Rect {
    Rect(x: x, y: y, width: width, height: min(max(rows, 0), height))
  }

  /// Everything below the top `rows` rows.
  package func droppingTop(_ rows: Int) -> Rect {
    let n = min(max(rows, 0), height)
    return Rect(x: x, y: y + n, width: width, height: height - n)
  }

  /// The bottom `rows` rows (clamped to the rectangle).
  package func bottom(_ rows: Int) -> Rect {
    let n = min(max(rows, 0), height)
    return Rect(x: x, y: maxY - n, width: width, height: n)
  }

  /// Everything above the bottom `rows` rows.
  package func droppingBottom(_ rows: Int) -> Rect {
    Rect(x: x, y: y, width: width, height: height - min(max(rows, 0), height))
  }

  /// Splits the rectangle into `count` stacked bands of near-equal height (earlier bands get
  /// the spare rows).
  package func rows(_ count: Int) -> [Rect] {
    guard count > 0 else { return [] }
    let base = height / count
    let spare = height % count
    var top = y
    return (0..<count).map { i in
      let h = base + (i < spare ? 1 : 0)
      defer { top += h }
      return Rect(x: x, y: top, width: width, height: h)
    }
  }

  /// The rectangle of `width` × `height` centred in this one (clamped to fit).
  package func centered(width w: Int, height h: Int) -> Rect {
    let cw = min(w, width)
    let ch = min(h, height)
    return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
  }
}
