#if canImport(Glibc)
import Glibc
#endif

/// A terminal in memory: the last frame as a cell buffer (read back as lines of text) and
/// input from a script, for testing the whole app without a screen.
///
/// A resize in the script changes ``size`` when it is read, as a real terminal would.
package final class TestTerminal: TerminalBackend {
  /// The terminal size, columns × rows.
  package private(set) var size: (width: Int, height: Int)
  /// Input still to be read, first first.
  package var script: [TerminalInput]
  /// The last frame flushed (blank before the first).
  package private(set) var frame: CellBuffer
  /// Frames flushed so far.
  package private(set) var flushes = 0
  /// The theme applied last.
  package private(set) var themeName: String?
  /// Whether an empty script makes `read` wait out its timeout (real time passes, as on a
  /// terminal); when false it returns at once.
  package var waitsWhenIdle: Bool
  /// Reads that found the script empty.
  package private(set) var idleReads = 0
  /// Times the terminal was given back (``suspend()``) and taken back (``resume()``).
  package private(set) var suspends = 0
  package private(set) var resumes = 0
  /// Flushes that drew every cell on a cleared screen (the first, and the first after a resume).
  package private(set) var fullRepaints = 0
  private var cleared = true

  /// A `width` × `height` terminal that will type `script`.
  package init(width: Int, height: Int, script: [TerminalInput] = [], waitsWhenIdle: Bool = false) {
    size = (width, height)
    self.script = script
    self.waitsWhenIdle = waitsWhenIdle
    frame = CellBuffer(width: width, height: height)
  }

  /// The last frame as text, one string per row.
  package var lines: [String] { frame.lines }

  /// The last frame as one string, rows joined by newlines.
  package var text: String { lines.joined(separator: "\n") }

  package func apply(_ theme: Theme) {
    themeName = theme.name
  }

  package func flush(_ buffer: CellBuffer) {
    frame = buffer
    flushes += 1
    if cleared { fullRepaints += 1 }
    cleared = false
  }

  package func suspend() {
    suspends += 1
  }

  /// Clears the frame (as anything may have been written over a real screen meanwhile) and
  /// makes the next flush a full repaint.
  package func resume() {
    resumes += 1
    frame = CellBuffer(width: size.width, height: size.height)
    cleared = true
  }

  package func read(timeoutMilliseconds milliseconds: Int) -> TerminalInput? {
    guard !script.isEmpty else {
      idleReads += 1
      if waitsWhenIdle, milliseconds > 0 { usleep(UInt32(milliseconds) * 1000) }
      return nil
    }
    let input = script.removeFirst()
    if case .resize(let width, let height) = input { size = (width, height) }
    return input
  }
}
