import MemtopCore

/// How the process table is ordered.
public enum OverviewSort: String, Sendable {
  /// Largest RSS first (`M`).
  case memory
  /// Fastest RSS growth over the window first (`G`).
  case growth
}

/// What the user has asked the process table to show.
public struct OverviewState: Sendable, Equatable {
  /// The order.
  public var sort: OverviewSort = .memory
  /// Only processes whose name or command line contains this text (any case) or whose pid starts with it.
  public var filter = ""
  /// The filter prompt's text while it is open.
  public var filterPrompt: String?
  /// The selected process, kept across re-sorting.
  public var selected: Int32?
  /// First row shown (scrolls with the selection).
  public var top = 0

  public init() {}
}

/// One frame of the process table, built purely from the overview's rows and the state.
public struct OverviewModel: Sendable {
  /// The rows to show, sorted and filtered.
  public var rows: [ProcessOverview.Row]
  /// Processes listed before filtering.
  public var total: Int
  /// Index of the selected row in ``rows``, if it is there.
  public var selectedIndex: Int?
  /// The state it was built from.
  public var state: OverviewState
  /// Seconds between refreshes.
  public var interval: Double
  /// Seconds of history behind growth and sparkline.
  public var window: Double
  /// A message for the status bar, if any.
  public var message: String?
  /// The glyphs.
  public var mode: GlyphMode

  public init(
    rows all: [ProcessOverview.Row], state: OverviewState, interval: Double, window: Double, message: String?,
    mode: GlyphMode
  ) {
    total = all.count
    let arranged = Self.arrange(all, state: state)
    rows = arranged
    selectedIndex = state.selected.flatMap { pid in arranged.firstIndex { $0.identity.pid == pid } }
    self.state = state
    self.interval = interval
    self.window = window
    self.message = message
    self.mode = mode
  }

  /// Filters and sorts `rows`: unreadable sizes ("n/a") sort last, ties by pid.
  public static func arrange(_ rows: [ProcessOverview.Row], state: OverviewState) -> [ProcessOverview.Row] {
    let needle = state.filter.lowercased()
    let kept =
      needle.isEmpty
      ? rows
      : rows.filter { row in
        row.name.lowercased().contains(needle) || row.command.lowercased().contains(needle)
          || String(row.identity.pid).hasPrefix(needle)
      }
    func key(_ row: ProcessOverview.Row) -> Double? {
      switch state.sort {
      case .memory: row.rss.map { Double($0) }
      case .growth: row.growthBytesPerSecond
      }
    }
    return kept.sorted { a, b in
      switch (key(a), key(b)) {
      case (let x?, let y?) where x != y: x > y
      case (.some, nil): true
      case (nil, .some): false
      default: a.identity.pid < b.identity.pid
      }
    }
  }
}
