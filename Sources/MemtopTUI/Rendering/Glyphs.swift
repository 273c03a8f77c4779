/// Which characters the screen may use: braille and box drawing in a UTF-8 locale, block
/// elements when braille is unwanted, plain ASCII when the locale cannot show anything else
/// (or `--ascii` is given).
public enum GlyphMode: String, Sendable, CaseIterable {
  /// Braille charts (2×4 dots a cell) and box-drawing lines.
  case braille
  /// Block-element charts (`▁▂▃▄▅▆▇█`, eighths of a cell) and box-drawing lines.
  case block
  /// ASCII only: `#` bars and `-`/`|` lines.
  case ascii

  /// Horizontal line.
  package var horizontal: Character { self == .ascii ? "-" : "─" }
  /// Vertical line.
  package var vertical: Character { self == .ascii ? "|" : "│" }
  /// Box corners: top-left, top-right, bottom-left, bottom-right.
  package var corners: (Character, Character, Character, Character) {
    self == .ascii ? ("+", "+", "+", "+") : ("┌", "┐", "└", "┘")
  }
  /// The axis tick on the time axis.
  package var tick: Character { self == .ascii ? "+" : "┴" }
  /// The glyph drawn where samples are missing (a gap, never a drop to zero).
  package var gap: Character { self == .ascii ? "~" : "╌" }
  /// The marker's vertical line in the empty part of a chart.
  package var markerLine: Character { self == .ascii ? ":" : "┊" }
  /// The marker's flag on the time axis.
  package var markerFlag: Character { self == .ascii ? "^" : "▲" }
  /// The verdict banner's bullet.
  package var bullet: Character { self == .ascii ? "*" : "●" }
  /// The ellipsis that ends truncated text.
  package var ellipsis: String { self == .ascii ? "~" : "…" }
  /// The dot between items on one line.
  package var dot: String { self == .ascii ? "-" : "·" }
  /// The dash of a range, e.g. `1:00–2:00`.
  package var rangeDash: String { self == .ascii ? "-" : "–" }

  /// Plot sub-columns per cell: braille packs two.
  package var subColumns: Int { self == .braille ? 2 : 1 }
}

/// The braille dot patterns of a cell (U+2800 + bits).
enum Braille {
  /// Bits of the left and right dot columns, top row first.
  static let left: [UInt32] = [0x01, 0x02, 0x04, 0x40]
  static let right: [UInt32] = [0x08, 0x10, 0x20, 0x80]

  /// The character for a cell whose left column has its lowest `leftDots` dots lit and whose
  /// right column has its lowest `rightDots` lit (each 0…4).
  static func bars(left leftDots: Int, right rightDots: Int) -> Character {
    var bits: UInt32 = 0
    for row in 0..<4 {
      let fromBottom = 3 - row
      if fromBottom < leftDots { bits |= left[row] }
      if fromBottom < rightDots { bits |= right[row] }
    }
    return Character(Unicode.Scalar(0x2800 + bits) ?? " ")
  }
}

/// Block elements by eighths: index 1…8 is `▁`…`█`.
enum Blocks {
  static let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
}
