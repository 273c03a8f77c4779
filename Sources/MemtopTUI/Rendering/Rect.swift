/// A rectangle of terminal cells: column `x`, row `y`, `width` columns by `height` rows.
public struct Rect: Sendable, Equatable {
  /// Leftmost column.
  public var x: Int
  /// Top row.
  public var y: Int
  /// Columns (never negative).
  public var width: Int
  /// Rows (never negative).
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(width, 0)
    self.height = max(height, 0)
  }

  /// Whether the rectangle covers no cell.
  public var isEmpty: Bool { width == 0 || height == 0 }
  /// One past the rightmost column.
  public var maxX: Int { x + width }
  /// One past the bottom row.
  public var maxY: Int { y + height }

  /// The rectangle shrunk by `dx` columns on each side and `dy` rows on top and bottom.
  public func inset(dx: Int, dy: Int) -> Rect {
    Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
  }

  /// The top `rows` rows (clamped to the rectangle).
  public func top(_ rows: Int) -> Rect {
    Rect(x: x, y: y, width: width, height: min(max(rows, 0), height))
  }

  /// Everything below the top `rows` rows.
  public func droppingTop(_ rows: Int) -> Rect {
    let n = min(max(rows, 0), height)
    return Rect(x: x, y: y + n, width: width, height: height - n)
  }

  /// The bottom `rows` rows (clamped to the rectangle).
  public func bottom(_ rows: Int) -> Rect {
    let n = min(max(rows, 0), height)
    return Rect(x: x, y: maxY - n, width: width, height: n)
  }

  /// Everything above the bottom `rows` rows.
  public func droppingBottom(_ rows: Int) -> Rect {
    Rect(x: x, y: y, width: width, height: height - min(max(rows, 0), height))
  }

  /// Splits the rectangle into `count` stacked bands of near-equal height (earlier bands get
  /// the spare rows).
  public func rows(_ count: Int) -> [Rect] {
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
  public func centered(width w: Int, height h: Int) -> Rect {
    let cw = min(w, width)
    let ch = min(h, height)
    return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
  }
}
