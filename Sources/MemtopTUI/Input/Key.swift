/// A key press, decoded from the terminal by the backend.
package enum Key: Sendable, Equatable, Hashable {
  /// A printable character (including space).
  case character(Character)
  /// The left arrow.
  case left
  /// The right arrow.
  case right
  /// The up arrow.
  case up
  /// The down arrow.
  case down
  /// Enter / Return.
  case enter
  /// Escape.
  case escape
  /// Backspace (or DEL).
  case backspace
  /// A function key, F1 to F12.
  case function(Int)

  /// How the key is written in the status bar and help, e.g. `space`, `←`.
  package func label(_ mode: GlyphMode) -> String {
    switch self {
    case .character(" "): "space"
    case .character(let c): String(c)
    case .left: mode == .ascii ? "left" : "←"
    case .right: mode == .ascii ? "right" : "→"
    case .up: mode == .ascii ? "up" : "↑"
    case .down: mode == .ascii ? "down" : "↓"
    case .enter: "enter"
    case .escape: "esc"
    case .backspace: "backspace"
    case .function(let n): "F\(n)"
    }
  }
}
