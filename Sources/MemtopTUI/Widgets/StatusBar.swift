import MemtopFormat

/// The bottom line: key hints from the key table, a message, or the export prompt.
package struct StatusBar: Sendable {
  /// The UI state (prompt, message, pause).
  package var ui: UIState
  /// The glyphs.
  package var mode: GlyphMode
  /// Whether a process tree is watched (the process key is then offered).
  package var tree: Bool

  package init(ui: UIState, mode: GlyphMode, tree: Bool = false) {
    self.ui = ui
    self.mode = mode
    self.tree = tree
  }

  /// Draws into the single row `area`.
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    let row = area.top(1)
    buffer.fill(row, with: Cell(" ", .status))
    if let prompt = ui.exportPrompt {
      var x = buffer.put(" Export CSV to: ", x: row.x, y: row.y, role: .statusKey, clip: row)
      x = buffer.put(prompt.text, x: x, y: row.y, role: .status, clip: row)
      x = buffer.put(mode == .ascii ? "_" : "▏", x: x, y: row.y, role: .statusKey, clip: row)
      buffer.put("  enter write \(mode.dot) esc cancel", x: x, y: row.y, role: .status, clip: row)
      return
    }
    if let prompt = ui.markerPrompt {
      var x = buffer.put(" Label for \(prompt.label): ", x: row.x, y: row.y, role: .statusKey, clip: row)
      x = buffer.put(
        Sanitizer.terminalSafe(prompt.editor.text, maxLength: UIState.markerLabelLimit), x: x, y: row.y, role: .status,
        clip: row)
      x = buffer.put(mode == .ascii ? "_" : "▏", x: x, y: row.y, role: .statusKey, clip: row)
      buffer.put("  enter keep \(mode.dot) esc no label", x: x, y: row.y, role: .status, clip: row)
      return
    }
    if let message = ui.message {
      buffer.put(" " + message.text, x: row.x, y: row.y, role: message.isError ? .headerAlert : .message, clip: row)
      return
    }
    var x = row.x
    for item in KeyMap.hints(mode: mode, paused: ui.paused, tree: tree) {
      x = buffer.put(" " + item.key, x: x, y: row.y, role: .statusKey, clip: row)
      x = buffer.put(" " + item.hint + " ", x: x, y: row.y, role: .status, clip: row)
    }
  }
}
