import MemtopCore

/// How the process table is ordered.
package enum OverviewSort: String, Sendable {
  /// Largest RSS first (`M`).
  case memory
  /// Fastest RSS growth over the window first (`G`).
  case growth
}

/// What the user has asked the process table to show.
package struct OverviewState: Sendable, Equatable {
  /// The order.
  package var sort: OverviewSort = .memory
  /// Only processes whose name or command line contains this text (any case) or whose pid starts with it.
  package var filter = ""
  /// The filter prompt while it is open.
  package var filterPrompt: LineEditor?
  /// The selected process, kept across re-sorting.
  package var selected: Int32?
  /// First row shown (scrolls with the selection).
  package var top = 0
  /// A process left out of the table: memtop itself (its own growth is not the user's
  /// question); a filter that is exactly its pid still shows it.
  package var hidden: Int32?

  package init() {}
}

/// One frame of the process table, built purely from the overview's rows and the state.
package struct OverviewModel: Sendable {
  /// The rows to show, sorted and filtered.
  package var rows: [ProcessOverview.Row]
  /// Processes listed before filtering.
  package var total: Int
  /// Index of the selected row in ``rows``, if it is there.
  package var selectedIndex: Int?
  /// The state it was built from.
  package var state: OverviewState
  /// Seconds between refreshes.
  package var interval: Double
  /// Seconds of history behind growth and sparkline.
  package var window: Double
  /// A message for the status bar, if any.
  package var message: String?
  /// The glyphs.
  package var mode: GlyphMode

  package init(
    rows all: [ProcessOverview.Row], state: OverviewState, interval: Double, window: Double, message: String?,
    mode: GlyphMode
  ) {
    total = all.count - (state.hidden.map { pid in all.contains { $0.identity.pid == pid } ? 1 : 0 } ?? 0)
    let arranged = Self.arrange(all, state: state)
    rows = arranged
    selectedIndex = state.selected.flatMap { pid in arranged.firstIndex { $0.identity.pid == pid } }
    self.state = state
    self.interval = interval
    self.window = window
    self.message = message
    self.mode = mode
  }

  /// Filters and sorts `rows`: suspected leaks (`LEAK` and `leak?`) first, then by the sort
  /// key; unreadable sizes ("n/a") sort last, ties by pid. The hidden process is left out.
  package static func arrange(_ rows: [ProcessOverview.Row], state: OverviewState) -> [ProcessOverview.Row] {
    let needle = state.filter.lowercased()
    // The hidden process shows only when the filter is its pid, exactly.
    let listed = rows.filter { $0.identity.pid != state.hidden || state.filter == String($0.identity.pid) }
    let kept =
      needle.isEmpty
      ? listed
      : listed.filter { row in
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
      let suspectA = a.verdict == .leak
      let suspectB = b.verdict == .leak
      if suspectA != suspectB { return suspectA }
      return switch (key(a), key(b)) {
      case (let x?, let y?) where x != y: x > y
      case (.some, nil): true
      case (nil, .some): false
      default: a.identity.pid < b.identity.pid
      }
    }
  }
}
