/// One terminal cell: a single-width glyph and the colour role it is drawn in.
///
/// Cells carry roles, never raw colours: the theme turns a role into a style when the
/// backend flushes, so switching themes never touches the widgets.
public struct Cell: Sendable, Equatable {
  /// The glyph; always one column wide.
  package var glyph: Character
  /// What the cell shows, for the theme to colour.
  package var role: ColorRole

  package init(_ glyph: Character, _ role: ColorRole = .text) {
    self.glyph = glyph
    self.role = role
  }

  /// A blank cell in the plain text role.
  public static let blank = Cell(" ", .text)
}
