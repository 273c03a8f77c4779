import MemtopSampling

/// One screen on the app's stack (the process table, the chart view): state that events
/// change, and a frame drawn from that state.
protocol AppScreen: AnyObject {
  /// Monotonic seconds when the screen next has events to give (a sample, a refresh); nil
  /// when it only reacts to input.
  var nextDue: Double? { get }
  /// The events due at monotonic time `now` (samples, refreshes), in order.
  func poll(now: Double) -> [AppEvent]
  /// Reacts to one event; says what the app should do next.
  func handle(_ event: AppEvent, in context: AppContext) -> Transition
  /// Draws the whole frame into `buffer`.
  func draw(into buffer: inout CellBuffer, context: AppContext)
  /// Ends the screen (it leaves the stack): lines to print once the terminal is restored.
  func finish() -> [String]
}

/// What the app does after a screen handled an event.
enum Transition {
  /// Nothing on screen changed.
  case none
  /// Draw the frame again.
  case redraw
  /// Show another screen on top (Enter on a row of the table).
  case push(any AppScreen)
  /// Leave this screen, back to the one below (Esc in a view opened from the table).
  case pop
  /// End the app with this status and these lines for after the terminal is restored.
  case quit(status: Int32, messages: [String])
}

/// What every screen shares: the clock, the glyphs, the themes, the terminal's size.
final class AppContext {
  /// The clock every time is read from (monotonic seconds).
  let clock: any SamplerClock
  /// Monotonic seconds when the app started.
  let start: Double
  /// The glyphs.
  let mode: GlyphMode
  /// The themes `c` cycles through; the first is the one chosen.
  let themes: [Theme]
  /// The theme shown.
  var themeIndex = 0
  /// How memtop was started.
  let config: MonitorConfiguration
  /// The terminal size, columns × rows.
  var size: (width: Int, height: Int)

  init(
    clock: any SamplerClock, mode: GlyphMode, themes: [Theme], config: MonitorConfiguration,
    size: (width: Int, height: Int)
  ) {
    self.clock = clock
    start = clock.monotonicSeconds()
    self.mode = mode
    self.themes = themes.isEmpty ? [.fallback] : themes
    self.config = config
    self.size = size
  }

  /// Seconds since the app started.
  var elapsed: Double { clock.monotonicSeconds() - start }

  /// The theme shown.
  var theme: Theme { themes[min(max(themeIndex, 0), themes.count - 1)] }
}
