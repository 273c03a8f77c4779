/// A named mapping from colour roles to styles.
package struct Theme: Sendable, Equatable {
  /// The theme's name (file name without `.theme`).
  package var name: String
  /// The screen background; roles without their own background use it.
  package var background: ThemeColor = .terminalDefault
  /// Whether the theme uses no colour at all (attributes only).
  package var monochrome = false
  /// Styles by role; roles missing here use ``Style/init()``.
  package var styles: [ColorRole: Style] = [:]

  package init(
    name: String, background: ThemeColor = .terminalDefault, monochrome: Bool = false, styles: [ColorRole: Style] = [:]
  ) {
    self.name = name
    self.background = background
    self.monochrome = monochrome
    self.styles = styles
  }

  /// The style for `role`, with the theme background filled in.
  package func style(_ role: ColorRole) -> Style {
    var style = styles[role] ?? Style()
    if style.background == nil { style.background = background }
    if monochrome {
      style.foreground = .terminalDefault
      style.background = .terminalDefault
    }
    return style
  }

  /// The theme memtop falls back to when no file can be read: plain attributes, no colour.
  package static let fallback = Theme(
    name: "fallback", monochrome: true,
    styles: [
      .title: Style(bold: true), .headerAlert: Style(bold: true), .verdictLeak: Style(bold: true, reverse: true),
      .statusKey: Style(bold: true), .status: Style(reverse: true), .message: Style(bold: true, reverse: true),
      .dim: Style(dim: true), .chartGap: Style(dim: true),
    ])
}
