/// What the terminal reported.
package enum TerminalInput: Sendable, Equatable {
  /// A key press.
  case key(Key)
  /// The window changed size (columns, rows).
  case resize(width: Int, height: Int)
  /// A click or a turn of the wheel (on terminals that report the mouse).
  case mouse(MouseEvent)
}

/// A mouse event, at a cell of the screen (column and row from 0 at the top left).
package struct MouseEvent: Sendable, Equatable {
  /// What the mouse did.
  package enum Kind: Sendable, Equatable {
    /// The left button clicked (pressed and released).
    case click
    /// The left button clicked twice in quick succession.
    case doubleClick
    /// The wheel turned away from the user.
    case wheelUp
    /// The wheel turned towards the user.
    case wheelDown
  }

  package var kind: Kind
  /// Column, from 0.
  package var x: Int
  /// Row, from 0.
  package var y: Int

  package init(_ kind: Kind, x: Int, y: Int) {
    self.kind = kind
    self.x = x
    self.y = y
  }
}

/// The one door between the app and a terminal: a frame goes out, keys and resizes come in.
///
/// Two implementations: ``NCursesTerminal`` (the real screen, the only code that imports
/// ncurses) and ``TestTerminal`` (a cell buffer read back as text, with scripted input). The
/// app never knows which one it talks to.
package protocol TerminalBackend: AnyObject {
  /// The terminal size, columns × rows.
  var size: (width: Int, height: Int) { get }
  /// Maps every colour role of `theme` to the terminal's styles; the next flush redraws all.
  func apply(_ theme: Theme)
  /// Shows `buffer` (a backend may write only the cells that changed since the last frame).
  func flush(_ buffer: CellBuffer)
  /// Waits up to `milliseconds` for input; nil when none came.
  func read(timeoutMilliseconds milliseconds: Int) -> TerminalInput?
  /// Gives the terminal back as the shell left it (cooked mode, cursor, the shell's screen,
  /// no mouse reporting) before memtop stops itself.
  func suspend()
  /// Takes the terminal back after a stop (after ``suspend()``, or after a SIGSTOP memtop never
  /// saw): every mode again, the screen cleared, and the next flush draws every cell.
  func resume()
}
