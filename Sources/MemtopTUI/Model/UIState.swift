/// What the user has asked the view to show: pause, zoom, scroll, overlays, messages.
///
/// Pure state with no clock: times are elapsed seconds of the recording, passed in.
public struct UIState: Sendable, Equatable {
  /// Time windows `+`/`-` step through, in seconds; `nil` is the whole recording.
  package static let zoomLevels: [Double?] = [10, 30, 60, 300, 900, 3600, nil]
  /// The window a live view opens on: 60 s.
  package static let defaultZoomIndex = 2
  /// The longest marker label typed after `m`, characters.
  package static let markerLabelLimit = 60

  /// Whether the view is frozen (sampling continues underneath).
  package var paused = false
  /// The window end (elapsed seconds) frozen at pause time.
  package var pausedEnd: Double = 0
  /// How far the paused view has scrolled back from `pausedEnd`, seconds.
  package var scrollBack: Double = 0
  /// Index into ``zoomLevels``.
  package var zoomIndex = UIState.defaultZoomIndex
  /// Whether the help overlay is shown.
  package var showHelp = false
  /// The export prompt while it is open: the file name typed.
  package var exportPrompt: LineEditor?
  /// The marker label prompt while it is open: the marker it names and the label typed.
  package var markerPrompt: (label: String, editor: LineEditor)?
  /// A message for the status bar and when it expires (elapsed seconds).
  package var message: (text: String, isError: Bool, until: Double)?
  /// Index of the theme in the cycle.
  package var themeIndex = 0

  public init() {}

  public static func == (a: UIState, b: UIState) -> Bool {
    a.paused == b.paused && a.pausedEnd == b.pausedEnd && a.scrollBack == b.scrollBack
      && a.zoomIndex == b.zoomIndex && a.showHelp == b.showHelp && a.exportPrompt == b.exportPrompt
      && a.markerPrompt?.label == b.markerPrompt?.label && a.markerPrompt?.editor == b.markerPrompt?.editor
      && a.message?.text == b.message?.text && a.themeIndex == b.themeIndex
  }

  /// The visible span in seconds, or `nil` for the whole recording.
  package var span: Double? { Self.zoomLevels[min(max(zoomIndex, 0), Self.zoomLevels.count - 1)] }

  /// The span's name for the header, e.g. `5 min` or `all`.
  package var spanLabel: String {
    guard let span else { return "all" }
    return span < 60 ? "\(Int(saturating: span)) s" : "\(Int(saturating: span / 60)) min"
  }

  /// Zooms in (shorter window); returns whether anything changed.
  ///
  /// From the whole recording, the next window is the longest one shorter than the data's
  /// span (`dataSpan`, seconds), so `+` on a 20 s recording shows 10 s, never 60 min.
  @discardableResult
  package mutating func zoomIn(dataSpan: Double = .infinity) -> Bool {
    guard zoomIndex > 0 else { return false }
    if span == nil {
      let shorter = Self.zoomLevels.lastIndex { level in level.map { $0 < dataSpan } ?? false }
      zoomIndex = shorter ?? 0
    } else {
      zoomIndex -= 1
    }
    return true
  }

  /// Zooms out (longer window); returns whether anything changed. A window as long as the
  /// data (`dataSpan`, seconds) or longer is the whole recording.
  @discardableResult
  package mutating func zoomOut(dataSpan: Double = .infinity) -> Bool {
    guard zoomIndex < Self.zoomLevels.count - 1 else { return false }
    zoomIndex += 1
    if let span, span >= dataSpan { zoomIndex = Self.zoomLevels.count - 1 }
    return true
  }

  /// Shows the whole recording at once ("fit all").
  package mutating func fitAll() {
    zoomIndex = Self.zoomLevels.count - 1
    scrollBack = 0
  }

  /// Pauses at `latest` (elapsed seconds of the newest sample) or resumes live.
  package mutating func togglePause(latest: Double) {
    paused.toggle()
    pausedEnd = latest
    scrollBack = 0
  }

  /// Scrolls a paused view by a quarter window (`direction` −1 back, +1 forward).
  package mutating func scroll(_ direction: Int, latest: Double) {
    guard paused else { return }
    let step = (span ?? max(latest, 1)) / 4
    scrollBack = min(max(scrollBack - Double(direction) * step, 0), max(pausedEnd, 0))
  }

  /// The visible window `[start, end]` in elapsed seconds, given the newest sample time.
  ///
  /// A recording shorter than the span fills the chart from the left.
  package func window(latest: Double) -> (start: Double, end: Double) {
    let end = paused ? max(pausedEnd - scrollBack, 0) : latest
    guard let span else { return (0, max(end, 1)) }
    if end < span { return (0, span) }
    return (end - span, end)
  }

  /// Shows `text` in the status bar until `now + seconds`.
  package mutating func show(_ text: String, isError: Bool = false, now: Double, seconds: Double = 10) {
    message = (text, isError, now + seconds)
  }

  /// Drops an expired message; returns whether one was dropped.
  package mutating func expireMessage(now: Double) -> Bool {
    guard let message, message.until <= now else { return false }
    self.message = nil
    return true
  }
}
