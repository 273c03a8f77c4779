/// A terminal colour as a theme names it.
package enum ThemeColor: Sendable, Equatable, Hashable {
  /// The terminal's own default foreground or background.
  case terminalDefault
  /// One of the 256 indexed colours (0–15 are the ANSI colours).
  case indexed(UInt8)
  /// A 24-bit colour, shown as the nearest colour the terminal has.
  case rgb(UInt8, UInt8, UInt8)

  /// The ANSI colour names accepted in theme files, by index.
  package static let names: [String] = [
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue",
    "bright-magenta", "bright-cyan", "bright-white",
  ]

  /// The colour as an index into a palette of `colors` entries (8, 16, 256), or -1 for the
  /// terminal default.
  package func index(forPalette colors: Int) -> Int {
    switch self {
    case .terminalDefault:
      return -1
    case .indexed(let i):
      if Int(i) < colors { return Int(i) }
      return ColorMatch.nearest(rgb: ColorMatch.rgb(ofIndex: Int(i)), palette: colors)
    case .rgb(let r, let g, let b):
      return ColorMatch.nearest(rgb: (Int(r), Int(g), Int(b)), palette: colors)
    }
  }
}

/// How a role is drawn: colours and attributes.
package struct Style: Sendable, Equatable, Hashable {
  /// Foreground colour.
  package var foreground: ThemeColor = .terminalDefault
  /// Background colour; `nil` takes the theme's `background`.
  package var background: ThemeColor?
  /// Bold text.
  package var bold = false
  /// Dim text.
  package var dim = false
  /// Underlined text.
  package var underline = false
  /// Swapped foreground and background.
  package var reverse = false

  package init(
    foreground: ThemeColor = .terminalDefault, background: ThemeColor? = nil, bold: Bool = false,
    dim: Bool = false, underline: Bool = false, reverse: Bool = false
  ) {
    self.foreground = foreground
    self.background = background
    self.bold = bold
    self.dim = dim
    self.underline = underline
    self.reverse = reverse
  }
}

/// Nearest-colour matching onto the xterm palettes.
enum ColorMatch {
  /// The xterm RGB of the 16 ANSI colours.
  static let ansi: [(Int, Int, Int)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
  ]

  /// The RGB of xterm-256 colour `i`.
  static func rgb(ofIndex i: Int) -> (Int, Int, Int) {
    if i < 16 { return ansi[max(i, 0)] }
    if i < 232 {
      let n = i - 16
      let level = { (v: Int) in v == 0 ? 0 : 55 + v * 40 }
      return (level(n / 36), level(n / 6 % 6), level(n % 6))
    }
    let grey = 8 + (i - 232) * 10
    return (grey, grey, grey)
  }

  /// The index of the palette entry closest to `rgb` (squared distance).
  static func nearest(rgb target: (Int, Int, Int), palette colors: Int) -> Int {
    let count = colors >= 256 ? 256 : (colors >= 16 ? 16 : 8)
    var best = 0
    var bestDistance = Int.max
    for i in 0..<count {
      let c = rgb(ofIndex: i)
      let d =
        (c.0 - target.0) * (c.0 - target.0) + (c.1 - target.1) * (c.1 - target.1) + (c.2 - target.2) * (c.2 - target.2)
      if d < bestDistance {
        bestDistance = d
        best = i
      }
    }
    return best
  }
}
