import Foundation

/// One terminal cell: a single-width glyph and the colour role it is drawn in.
///
/// Cells carry roles, never raw colours: the theme turns a role into a style when the
/// backend flushes, so switching themes never touches the widgets.
///
/// The glyph is kept as one Unicode scalar, so a cell is plain data (8 bytes, nothing to
/// count): a frame of thousands of cells is built, compared with the one before and dropped
/// without a retain or a release per cell. A character of several scalars is precomposed
/// (a letter and a combining accent become the accented letter); one that has no single
/// scalar keeps its first, the base letter.
public struct Cell: Sendable, Equatable {
  /// The glyph's scalar.
  package var scalar: Unicode.Scalar
  /// What the cell shows, for the theme to colour.
  package var role: ColorRole

  package init(_ glyph: Character, _ role: ColorRole = .text) {
    self.scalar = Self.scalar(of: glyph)
    self.role = role
  }

  /// The glyph; always one column wide.
  package var glyph: Character { Character(scalar) }

  /// A blank cell in the plain text role.
  public static let blank = Cell(" ", .text)

  private static func scalar(of glyph: Character) -> Unicode.Scalar {
    let scalars = glyph.unicodeScalars
    if scalars.count == 1, let only = scalars.first { return only }
    let composed = String(glyph).precomposedStringWithCanonicalMapping.unicodeScalars
    return composed.first ?? " "
  }
}
