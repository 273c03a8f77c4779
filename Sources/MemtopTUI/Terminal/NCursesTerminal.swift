import CNCurses
import MemtopFormat

#if canImport(Glibc)
import Glibc
#endif

/// The only code that talks to ncurses: set-up and restore, colour pairs from a theme, a
/// flush of only the cells that changed since the last frame, and key/resize reading.
///
/// ncurses is not thread-safe: use one instance, from one thread.
package final class NCursesTerminal: TerminalBackend {
  /// The frame last written to the screen, for the diff; nil forces a full redraw.
  private var front: CellBuffer?
  /// The ncurses attribute (pair and flags) for each role under the current theme.
  private var attributes: [ColorRole: attr_t] = [:]
  private var pairs: [ColorRole: Int32] = [:]
  private var screen: OpaquePointer?
  /// Whether the terminal shows colour at all.
  package private(set) var hasColor = false
  /// Whether ncurses is active (set up and not yet restored).
  package private(set) var isActive = false
  /// Whether the terminal reports the mouse (false on one without mouse support, silently).
  package private(set) var hasMouse = false
  /// Whether the terminal was given back by ``suspend()`` and not yet taken back.
  private var suspended = false

  /// Prepares the locale before ncurses starts; returns whether the user's locale is UTF-8.
  ///
  /// Under a locale that is not (`LANG=C`, `env -i`) the view draws ASCII glyphs, as the man
  /// page says; `LC_CTYPE` still moves to `C.UTF-8` when the system has it, so ncursesw
  /// measures any text it is given correctly.
  package static func prepareLocale() -> Bool {
    setlocale(LC_ALL, "")
    if memtop_locale_is_utf8() != 0 { return true }
    for candidate in ["C.UTF-8", "C.utf8"] where setlocale(LC_CTYPE, candidate) != nil {
      if memtop_locale_is_utf8() != 0 { break }
    }
    return false
  }

  package init() {}

  /// Starts ncurses on the controlling terminal; throws a message when it cannot.
  package func start() throws(TerminalError) {
    FatalSignals.arm()
    guard let created = memtop_newterm() else {
      FatalSignals.disarm()
      let term = getenv("TERM").map { String(cString: $0) } ?? ""
      throw TerminalError(
        message:
          "cannot start the terminal interface (TERM='\(Sanitizer.terminalSafe(term))' is unknown to terminfo); set TERM=xterm-256color, or use memtop record to record without the view"
      )
    }
    set_term(created)
    guard memtop_can_move_cursor() != 0 else {
      endwin()
      FatalSignals.disarm()
      delscreen(created)
      let term = getenv("TERM").map { String(cString: $0) } ?? ""
      throw TerminalError(
        message:
          "TERM='\(Sanitizer.terminalSafe(term))' cannot move the cursor, so the live view cannot be drawn; run memtop in a full terminal (e.g. TERM=xterm-256color), or use memtop record to record without the view"
      )
    }
    screen = created
    isActive = true
    // If anything ends the process without going through stop(), put the terminal back anyway.
    atexit { if isendwin() == false { endwin() } }
    cbreak()
    noecho()
    nonl()
    keypad(memtop_stdscr(), true)
    set_escdelay(25)
    curs_set(0)
    if has_colors() {
      start_color()
      use_default_colors()
      hasColor = true
    }
    // Clicks and the wheel where the terminal reports them; elsewhere keys alone, silently.
    hasMouse = memtop_mouse_on() != 0
    // A click is told from a double click within this many milliseconds.
    if hasMouse { mouseinterval(200) }
    front = nil
  }

  /// Restores the terminal (idempotent); call before printing anything after the TUI.
  package func stop() {
    guard isActive else { return }
    isActive = false
    // Mouse reporting off first: the shell must get the terminal's own selection back.
    if hasMouse { memtop_mouse_off() }
    hasMouse = false
    curs_set(1)
    endwin()
    FatalSignals.disarm()
    if let screen { delscreen(screen) }
    screen = nil
  }

  deinit { stop() }

  /// Gives the terminal back for ctrl-z: mouse reporting off, cursor shown, cooked mode and
  /// the shell's screen (`endwin`), so the shell works while memtop is stopped.
  package func suspend() {
    guard isActive, !suspended else { return }
    if hasMouse { memtop_mouse_off() }
    curs_set(1)
    endwin()
    suspended = true
  }

  /// Takes the terminal back after a stop: raw input, keypad, the alternate screen (ncurses
  /// sends them again on the first refresh after `endwin`), the hidden cursor and mouse
  /// reporting; then clears it, and the next flush draws every cell. After a SIGSTOP memtop
  /// never saw (`kill -STOP`), the shell may have reset the terminal's modes and anything may
  /// be on the screen, so curses mode is left and entered again all the same.
  package func resume() {
    guard isActive else { return }
    if !isendwin() { endwin() }
    suspended = false
    wrefresh(memtop_stdscr())
    cbreak()
    noecho()
    nonl()
    keypad(memtop_stdscr(), true)
    curs_set(0)
    if hasMouse { hasMouse = memtop_mouse_on() != 0 }
    // The next flush clears the screen and writes every cell.
    front = nil
  }

  /// The terminal size, columns × rows.
  package var size: (width: Int, height: Int) { (Int(memtop_cols()), Int(memtop_lines())) }

  /// Maps every role of `theme` to a colour pair and attributes; the next flush redraws all.
  package func apply(_ theme: Theme) {
    attributes.removeAll()
    let colors = Int(memtop_colors())
    let useColor = hasColor && !theme.monochrome
    for (i, role) in ColorRole.allCases.enumerated() {
      let style = theme.style(role)
      var attr: attr_t = 0
      if style.bold { attr |= memtop_a_bold() }
      if style.dim { attr |= memtop_a_dim() }
      if style.underline { attr |= memtop_a_underline() }
      if style.reverse { attr |= memtop_a_reverse() }
      var pair: Int32 = 0
      if useColor, i + 1 < Int(memtop_color_pairs()) {
        pair = Int32(i + 1)
        let fg = Self.colorNumber(style.foreground, colors: colors)
        let bg = Self.colorNumber(style.background ?? .terminalDefault, colors: colors)
        init_extended_pair(pair, fg, bg)
      }
      attributes[role] = attr
      pairs[role] = pair
    }
    front = nil
  }

  /// The ncurses colour number: -1 for default, an index, or packed RGB on direct-colour terminals.
  static func colorNumber(_ color: ThemeColor, colors: Int) -> Int32 {
    if colors > 256, case .rgb(let r, let g, let b) = color {
      return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
    }
    return Int32(color.index(forPalette: min(colors, 256)))
  }

  /// Writes the cells of `buffer` that differ from the last frame, then refreshes.
  package func flush(_ buffer: CellBuffer) {
    guard isActive else { return }
    // A frame like the one on the screen (a steady target between two ticks of the clock
    // shown) costs nothing more.
    if let front, front == buffer { return }
    let full = front.map { $0.width != buffer.width || $0.height != buffer.height } ?? true
    if full { wclear(memtop_stdscr()) }
    for y in 0..<buffer.height {
      var x = 0
      while x < buffer.width {
        let cell = buffer[x, y]
        if !full, let old = front, old[x, y] == cell {
          x += 1
          continue
        }
        // A run of changed cells in one role goes out in one write.
        var run = String.UnicodeScalarView()
        run.append(cell.scalar)
        var end = x + 1
        while end < buffer.width {
          let next = buffer[end, y]
          if next.role != cell.role { break }
          if !full, let old = front, old[end, y] == next { break }
          run.append(next.scalar)
          end += 1
        }
        memtop_set_attr(attributes[cell.role] ?? 0, pairs[cell.role] ?? 0)
        mvwaddstr(memtop_stdscr(), Int32(y), Int32(x), String(run))
        x = end
      }
    }
    memtop_set_attr(0, 0)
    wrefresh(memtop_stdscr())
    front = buffer
  }

  /// Waits up to `milliseconds` for input; nil when none came (or it was not a key or mouse
  /// event memtop uses).
  package func read(timeoutMilliseconds milliseconds: Int) -> TerminalInput? {
    guard isActive else { return nil }
    wtimeout(memtop_stdscr(), Int32(max(milliseconds, 0)))
    let code = wgetch(memtop_stdscr())
    switch code {
    case memtop_err(): return nil
    case memtop_key_resize():
      front = nil
      return .resize(width: size.width, height: size.height)
    case memtop_key_mouse():
      var x: Int32 = 0
      var y: Int32 = 0
      let kind: MouseEvent.Kind
      switch memtop_mouse_event(&x, &y) {
      case 1: kind = .click
      case 2: kind = .doubleClick
      case 3: kind = .wheelUp
      case 4: kind = .wheelDown
      default: return nil
      }
      return .mouse(MouseEvent(kind, x: Int(x), y: Int(y)))
    case memtop_key_left(): return .key(.left)
    case memtop_key_right(): return .key(.right)
    case memtop_key_up(): return .key(.up)
    case memtop_key_down(): return .key(.down)
    case memtop_key_enter(), 10, 13: return .key(.enter)
    case memtop_key_backspace(), 127, 8: return .key(.backspace)
    case 27: return .key(.escape)
    case memtop_key_f(1)...memtop_key_f(12): return .key(.function(Int(code - memtop_key_f(0))))
    case 32...126:
      guard let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
      return .key(.character(Character(scalar)))
    default: return nil
    }
  }
}

/// The terminal interface could not start.
package struct TerminalError: Error, Sendable, CustomStringConvertible {
  /// What went wrong and what to do.
  package var message: String
  package var description: String { message }
}
