/// What the terminal reported.
public enum TerminalInput: Sendable, Equatable {
  /// A key press.
  case key(Key)
  /// The window changed size (columns, rows).
  case resize(width: Int, height: Int)
}

/// The one door between the app and a terminal: a frame goes out, keys and resizes come in.
///
/// Two implementations: ``NCursesTerminal`` (the real screen, the only code that imports
/// ncurses) and ``TestTerminal`` (a cell buffer read back as text, with scripted input). The
/// app never knows which one it talks to.
public protocol TerminalBackend: AnyObject {
  /// The terminal size, columns × rows.
  var size: (width: Int, height: Int) { get }
  /// Maps every colour role of `theme` to the terminal's styles; the next flush redraws all.
  func apply(_ theme: Theme)
  /// Shows `buffer` (a backend may write only the cells that changed since the last frame).
  func flush(_ buffer: CellBuffer)
  /// Waits up to `milliseconds` for input; nil when none came.
  func read(timeoutMilliseconds milliseconds: Int) -> TerminalInput?
}
