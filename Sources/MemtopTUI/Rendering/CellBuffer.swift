/// An off-screen grid of cells that widgets draw into; the backend flushes it to the terminal.
///
/// Every write is clipped to the buffer (and to an optional rectangle), so a widget given too
/// little room draws less, never out of bounds. Tests read the buffer back as lines of text.
public struct CellBuffer: Sendable, Equatable {
  /// Columns.
  package let width: Int
  /// Rows.
  package let height: Int
  /// Cells in row-major order.
  package private(set) var cells: [Cell]

  /// Creates a buffer filled with `fill` (tests use a sentinel such as `x`).
  public init(width: Int, height: Int, fill: Cell = .blank) {
    self.width = max(width, 0)
    self.height = max(height, 0)
    cells = Array(repeating: fill, count: self.width * self.height)
  }

  /// The whole buffer as a rectangle.
  package var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  /// The cell at column `x`, row `y`; reads outside the buffer return a blank cell and writes
  /// there are ignored.
  package subscript(x: Int, y: Int) -> Cell {
    get {
      guard contains(x, y) else { return .blank }
      return cells[y * width + x]
    }
    set {
      guard contains(x, y) else { return }
      cells[y * width + x] = newValue
    }
  }

  /// Whether (x, y) lies inside the buffer.
  package func contains(_ x: Int, _ y: Int) -> Bool {
    x >= 0 && y >= 0 && x < width && y < height
  }

  /// Fills `rect` (clipped) with `cell`.
  /// Clears `box` to the help background and draws its border in `mode`'s glyphs (an
  /// overlay's frame).
  package mutating func drawBox(_ box: Rect, mode: GlyphMode) {
    fill(box, with: Cell(" ", .help))
    let (tl, tr, bl, br) = mode.corners
    for x in box.x..<box.maxX {
      self[x, box.y] = Cell(mode.horizontal, .border)
      self[x, box.maxY - 1] = Cell(mode.horizontal, .border)
    }
    for y in box.y..<box.maxY {
      self[box.x, y] = Cell(mode.vertical, .border)
      self[box.maxX - 1, y] = Cell(mode.vertical, .border)
    }
    self[box.x, box.y] = Cell(tl, .border)
    self[box.maxX - 1, box.y] = Cell(tr, .border)
    self[box.x, box.maxY - 1] = Cell(bl, .border)
    self[box.maxX - 1, box.maxY - 1] = Cell(br, .border)
  }

  package mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
    let x0 = max(rect.x, 0)
    let x1 = min(rect.maxX, width)
    let y0 = max(rect.y, 0)
    let y1 = min(rect.maxY, height)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 {
      for x in x0..<x1 { cells[y * width + x] = cell }
    }
  }

  /// Writes `text` from column `x` on row `y`, one cell per character, clipped to `clip` and
  /// the buffer; returns the column after the last character written.
  @discardableResult
  package mutating func put(_ text: String, x: Int, y: Int, role: ColorRole = .text, clip: Rect? = nil) -> Int {
    let area = clip ?? bounds
    guard y >= area.y, y < area.maxY else { return x }
    var column = x
    for character in text {
      if column >= area.maxX { break }
      if column >= area.x { self[column, y] = Cell(character, role) }
      column += 1
    }
    return column
  }

  /// Writes `text` right-aligned so that its last character sits in column `maxX - 1`.
  @discardableResult
  package mutating func putRight(_ text: String, maxX: Int, y: Int, role: ColorRole = .text, clip: Rect? = nil) -> Int {
    let start = maxX - text.count
    put(text, x: start, y: y, role: role, clip: clip)
    return start
  }

  /// Row `y` as text (glyphs only).
  package func line(_ y: Int) -> String {
    guard y >= 0, y < height else { return "" }
    return String(cells[(y * width)..<((y + 1) * width)].map(\.glyph))
  }

  /// Every row as text.
  package var lines: [String] { (0..<height).map(line) }

  /// The roles of row `y`, for tests that check colouring.
  package func roles(_ y: Int) -> [ColorRole] {
    guard y >= 0, y < height else { return [] }
    return cells[(y * width)..<((y + 1) * width)].map(\.role)
  }
}
