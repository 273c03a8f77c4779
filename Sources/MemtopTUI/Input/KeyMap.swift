/// What a key asks the app to do.
package enum Action: String, Sendable, CaseIterable {
  case quit, togglePause, zoomIn, zoomOut, fitAll, scrollBack, scrollForward, export, marker, cycleTheme, help,
    resetMinMax
  case cycleProcess
  case pythonPanel
  case showWhere
  case sortByMemory, sortByGrowth, filter, selectUp, selectDown, open, back
}

/// Where a key binding applies.
public enum KeyScope: Sendable, Equatable {
  /// The per-process view (live or replay).
  case view
  /// The table of every process (`memtop` with no target).
  case overview
  /// Both.
  case both
}

/// One row of the key table: the keys, the short hint for the status bar, the help text.
package struct KeyBinding: Sendable, Equatable {
  /// Keys that trigger the action.
  package var keys: [Key]
  /// The action.
  package var action: Action
  /// One or two words for the status bar, e.g. `pause`.
  package var hint: String
  /// A sentence for the help overlay and the man page.
  package var help: String
  /// Where it applies.
  package var scope: KeyScope = .view
}

/// One row of the mouse table: what the mouse does, and what that does where.
package struct MouseBinding: Sendable, Equatable {
  /// The gesture as the help names it: `click`, `double-click`, `wheel`.
  package var gesture: String
  /// A sentence for the help overlay and the man page.
  package var help: String
  /// Where it applies.
  package var scope: KeyScope
}

/// The key table, declared once: it dispatches keys and generates the status bar and help.
public enum KeyMap {
  /// Every binding, in the order the status bar and help list them.
  package static let bindings: [KeyBinding] = [
    KeyBinding(
      keys: [.character("q"), .function(10)], action: .quit, hint: "quit",
      help: "quit (restores the terminal; stops a command memtop launched, and its workers)", scope: .both),
    KeyBinding(
      keys: [.character(" ")], action: .togglePause, hint: "pause",
      help: "pause or resume the view (sampling goes on); in a replay, play or stop"),
    KeyBinding(
      keys: [.character("+"), .character("=")], action: .zoomIn, hint: "zoom in",
      help: "zoom in: show a shorter time window (down to 10 s)"),
    KeyBinding(
      keys: [.character("-"), .character("_")], action: .zoomOut, hint: "zoom out",
      help: "zoom out: show a longer window (up to the whole recording)"),
    KeyBinding(
      keys: [.character("a")], action: .fitAll, hint: "all", help: "fit all: show the whole recording at once"),
    KeyBinding(keys: [.left], action: .scrollBack, hint: "back", help: "while paused, scroll back in time"),
    KeyBinding(keys: [.right], action: .scrollForward, hint: "fwd", help: "while paused, scroll forward in time"),
    KeyBinding(
      keys: [.character("e")], action: .export, hint: "export",
      help: "export to CSV: the whole timeline (in a replay, the visible window)"),
    KeyBinding(
      keys: [.character("m")], action: .marker, hint: "mark",
      help: "mark the latest sample, with an optional label (replay: the window's end)"),
    KeyBinding(
      keys: [.character("c")], action: .cycleTheme, hint: "colours", help: "cycle through the bundled colour themes"),
    KeyBinding(
      keys: [.character("p"), .character("t")], action: .cycleProcess, hint: "process",
      help: "with --children: switch between the tree's total and each process (t as in htop's tree)"),
    KeyBinding(
      keys: [.character("y")], action: .pythonPanel, hint: "python",
      help: "with --python: show or hide the Python panel (caches, lines, types, collector, share)"),
    KeyBinding(
      keys: [.character("w")], action: .showWhere, hint: "where",
      help: "show where memory grows: each kind, threads and fds with rate, verdict, share"),
    KeyBinding(
      keys: [.character("r")], action: .resetMinMax, hint: "reset", help: "reset the min/max shown on each chart"),
    KeyBinding(
      keys: [.character("?"), .character("h"), .function(1)], action: .help, hint: "help",
      help: "show or hide this help", scope: .both),
    KeyBinding(
      keys: [.character("M")], action: .sortByMemory, hint: "sort mem", help: "process table: sort by memory (RSS)",
      scope: .overview),
    KeyBinding(
      keys: [.character("G")], action: .sortByGrowth, hint: "sort growth",
      help: "process table: sort by growth over the window", scope: .overview),
    KeyBinding(
      keys: [.character("/")], action: .filter, hint: "filter", help: "process table: filter by name or pid",
      scope: .overview),
    KeyBinding(
      keys: [.up], action: .selectUp, hint: "select",
      help: "process table: move the selection up; chart view: scroll the Python panel up", scope: .both),
    KeyBinding(
      keys: [.down], action: .selectDown, hint: "select",
      help: "process table: move the selection down; chart view: scroll the Python panel down", scope: .both),
    KeyBinding(
      keys: [.enter], action: .open, hint: "open", help: "process table: open the selected process in the chart view",
      scope: .overview),
    KeyBinding(
      keys: [.escape], action: .back, hint: "back", help: "back to the process table; in it, clear the filter",
      scope: .both),
  ]

  /// What the mouse does, on terminals that report it (listed after the keys).
  package static let mouse: [MouseBinding] = [
    MouseBinding(
      gesture: "wheel", help: "zoom in (turned away) or out; while paused, scroll back or forward in time",
      scope: .view),
    MouseBinding(
      gesture: "click", help: "process table: select a row; click it again to open it", scope: .overview),
    MouseBinding(gesture: "double-click", help: "process table: open the row", scope: .overview),
    MouseBinding(gesture: "wheel", help: "process table: move the selection", scope: .overview),
  ]

  /// The action for `key` where `scope` is shown, if any.
  package static func action(for key: Key, in scope: KeyScope = .view) -> Action? {
    bindings.first { $0.keys.contains(key) && ($0.scope == .both || $0.scope == scope) }?.action
  }

  /// The keys of a binding as shown to the user, e.g. `+` or `←`.
  package static func keyLabel(_ binding: KeyBinding, mode: GlyphMode) -> String {
    binding.keys.first.map { $0.label(mode) } ?? ""
  }

  /// Status-bar items, `(key, hint)`; the scroll keys only matter while paused, the process
  /// key only when a process tree is watched.
  package static func hints(mode: GlyphMode, paused: Bool, tree: Bool = false) -> [(key: String, hint: String)] {
    var items: [(key: String, hint: String)] = []
    for binding in bindings where binding.scope != .overview {
      if binding.action == .back { continue }
      if binding.action == .cycleProcess && !tree { continue }
      // Said in the help and when the Python data arrives, not in the status bar.
      if binding.action == .pythonPanel || binding.action == .selectUp || binding.action == .selectDown { continue }
      if binding.action == .scrollForward { continue }
      if binding.action == .scrollBack {
        if paused { items.append((key: "\(Key.left.label(mode))\(Key.right.label(mode))", hint: "scroll")) }
        continue
      }
      if binding.action == .zoomOut { continue }
      if binding.action == .zoomIn {
        let out = bindings.first { $0.action == .zoomOut }.map { keyLabel($0, mode: mode) } ?? ""
        items.append((key: keyLabel(binding, mode: mode) + out, hint: "zoom"))
        continue
      }
      items.append(
        (key: keyLabel(binding, mode: mode), hint: binding.action == .togglePause && paused ? "resume" : binding.hint))
    }
    return items
  }

  /// Status-bar items of the process table.
  package static func overviewHints(mode: GlyphMode) -> [(key: String, hint: String)] {
    var items: [(key: String, hint: String)] = []
    for binding in bindings where binding.scope != .view {
      if binding.action == .selectDown { continue }
      if binding.action == .selectUp {
        items.append((key: "\(Key.up.label(mode))\(Key.down.label(mode))", hint: "select"))
        continue
      }
      items.append((key: keyLabel(binding, mode: mode), hint: binding.hint))
    }
    return items
  }

  /// Help overlay lines, `(keys, help)`, every binding listed, then the mouse's.
  ///
  /// The chart view's overlay leaves out the process table's keys; `--help` lists them all.
  public static func helpLines(mode: GlyphMode, includeOverview: Bool = false, scope: KeyScope = .view) -> [(
    keys: String, help: String
  )] {
    let keys = bindings.filter { includeOverview || $0.scope == .both || $0.scope == scope }.map { binding in
      (keys: binding.keys.map { $0.label(mode) }.joined(separator: " "), help: binding.help)
    }
    return keys
      + mouse.filter { includeOverview || $0.scope == .both || $0.scope == scope }.map { binding in
        (keys: binding.gesture, help: binding.help)
      }
  }
}
