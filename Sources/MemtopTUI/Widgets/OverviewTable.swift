import MemtopCore
import MemtopFormat
import MemtopTrend

/// The process table (`memtop` with no target): a header, one row per process with pid,
/// command line, RSS, anon, growth over the window, a sparkline and the analyzer's flag, and a
/// status bar of keys, the filter prompt or a message.
///
/// Every sparkline shares one vertical scale — a row's full height is the same number of bytes
/// on every row, named in the column's title — so a small steady climb never looks like a cliff.
package struct OverviewTable: Sendable {
  /// The frame's model.
  package var model: OverviewModel

  package init(model: OverviewModel) {
    self.model = model
  }

  /// Column widths, left to right, before the sparkline takes what is left.
  static let pidWidth = 8
  static let nameWidth = 16
  /// The widest the command column grows on a wide terminal.
  static let maxCommandWidth = 40
  /// Columns kept for the sparkline before the command column widens.
  static let minSparkWidth = 24
  static let sizeWidth = 11
  static let growthWidth = 14
  static let flagWidth = 10

  /// The command column's width on a terminal `width` columns wide.
  static func commandWidth(_ width: Int) -> Int {
    let fixed = pidWidth + 1 + 2 * sizeWidth + growthWidth + 2 + flagWidth + 1
    return min(max(width - fixed - minSparkWidth, nameWidth), maxCommandWidth)
  }

  /// Draws over the whole of `buffer`.
  package func draw(into buffer: inout CellBuffer) {
    let area = buffer.bounds
    buffer.fill(area)
    guard area.width >= Screen.minimumWidth, area.height >= 6 else {
      Screen.drawTooSmall(into: &buffer, area: area, need: (Screen.minimumWidth, 6))
      return
    }
    drawHeader(into: &buffer, area: area.top(2))
    let body = area.droppingTop(2).droppingBottom(1)
    drawRows(into: &buffer, area: body)
    drawStatus(into: &buffer, area: area.bottom(1))
  }

  private func drawHeader(into buffer: inout CellBuffer, area: Rect) {
    let line1 = area.top(1)
    var x = buffer.put("memtop", x: area.x, y: area.y, role: .title, clip: line1)
    let unread = model.rows.filter { $0.rss == nil }
    let outOfDescriptors = unread.filter { $0.readFailure == .outOfDescriptors }.count
    var facts = "  all processes  \(model.total) listed"
    if unread.count > outOfDescriptors { facts += " (\(unread.count - outOfDescriptors) not readable: n/a)" }
    if outOfDescriptors > 0 { facts += " (\(outOfDescriptors) unread: out of file descriptors, raise ulimit -n)" }
    facts += "  every \(HeaderWidget.interval(model.interval))  growth over \(ByteFormat.duration(model.window))"
    x = buffer.put(facts, x: x, y: area.y, role: .header, clip: line1)
    var sort = "  sorted by \(model.state.sort == .memory ? "memory" : "growth")"
    if !model.state.filter.isEmpty {
      sort += "  filter '\(Sanitizer.terminalSafe(model.state.filter, maxLength: 24))': \(model.rows.count) shown"
    }
    buffer.put(sort, x: x, y: area.y, role: .headerAlert, clip: line1)
    guard area.height >= 2 else { return }
    let line2 = Rect(x: area.x, y: area.y + 1, width: area.width, height: 1)
    let scale = sparkSpan(width: sparkWidth(area)).map { ", height \(ByteFormat.bytes(UInt64($0)))" } ?? ""
    buffer.put(
      columns(pid: "PID", name: "COMMAND", rss: "RSS", anon: "ANON", growth: "GROWTH", width: area.width) + "HISTORY"
        + scale, x: area.x, y: area.y + 1, role: .dim, clip: line2)
    buffer.putRight("FLAG", maxX: area.maxX - Self.flagWidth + 4, y: area.y + 1, role: .dim, clip: line2)
  }

  /// The fixed columns as one string.
  private func columns(pid: String, name: String, rss: String, anon: String, growth: String, width: Int) -> String {
    Self.pad(pid, Self.pidWidth, right: true) + " " + Self.pad(name, Self.commandWidth(width))
      + Self.pad(rss, Self.sizeWidth, right: true)
      + Self.pad(anon, Self.sizeWidth, right: true) + Self.pad(growth, Self.growthWidth, right: true) + "  "
  }

  private func drawRows(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    if model.rows.isEmpty {
      buffer.put(
        model.state.filter.isEmpty ? " no process could be listed" : " no process matches the filter (esc clears it)",
        x: area.x, y: area.y, role: .dim, clip: area)
      return
    }
    let top = min(max(model.state.top, 0), max(model.rows.count - 1, 0))
    let sparkX = area.x + Self.pidWidth + 1 + Self.commandWidth(area.width) + 2 * Self.sizeWidth + Self.growthWidth + 2
    let sparkWidth = self.sparkWidth(area)
    let span = sparkSpan(width: sparkWidth)
    for (offset, row) in model.rows.dropFirst(top).prefix(area.height).enumerated() {
      let y = area.y + offset
      let line = Rect(x: area.x, y: y, width: area.width, height: 1)
      let selected = model.selectedIndex == top + offset
      let role: ColorRole = selected ? .statusKey : .text
      if selected { buffer.fill(line, with: Cell(" ", .statusKey)) }
      let name = HeaderWidget.singleWidth(Sanitizer.terminalSafe(row.command, maxLength: Self.commandWidth(area.width)))
      let text = columns(
        pid: String(row.identity.pid), name: name, rss: row.rss.map(ByteFormat.bytes) ?? "n/a",
        anon: row.anon.map(ByteFormat.bytes) ?? "n/a", growth: Self.growth(row), width: area.width)
      buffer.put(text, x: area.x, y: y, role: role, clip: line)
      buffer.put(
        Self.sparkline(row.history, width: sparkWidth, mode: model.mode, span: span), x: sparkX, y: y,
        role: selected ? .statusKey : .chartRSS, clip: line)
      let (flag, flagRole) = Self.flag(row.verdict, confirmed: row.leakConfirmed)
      buffer.put(flag, x: area.maxX - Self.flagWidth, y: y, role: selected ? .statusKey : flagRole, clip: line)
    }
  }

  private func drawStatus(into buffer: inout CellBuffer, area: Rect) {
    let row = area.top(1)
    buffer.fill(row, with: Cell(" ", .status))
    if let prompt = model.state.filterPrompt {
      let x = buffer.put(" Filter (name or pid): ", x: row.x, y: row.y, role: .statusKey, clip: row)
      let end = buffer.put(Sanitizer.terminalSafe(prompt, maxLength: 40), x: x, y: row.y, role: .status, clip: row)
      let after = buffer.put(model.mode == .ascii ? "_" : "▏", x: end, y: row.y, role: .statusKey, clip: row)
      buffer.put("  enter apply \(model.mode.dot) esc cancel", x: after, y: row.y, role: .status, clip: row)
      return
    }
    if let message = model.message {
      buffer.put(" " + message, x: row.x, y: row.y, role: .message, clip: row)
      return
    }
    var x = row.x
    for item in KeyMap.overviewHints(mode: model.mode) {
      x = buffer.put(" " + item.key, x: x, y: row.y, role: .statusKey, clip: row)
      x = buffer.put(" " + item.hint + " ", x: x, y: row.y, role: .status, clip: row)
    }
  }

  /// The analyzer's floor rate, `+1.20 MiB/min` or `0`; `…` before its first rate, `n/a` when RSS is unreadable.
  static func growth(_ row: ProcessOverview.Row) -> String {
    guard let rate = row.growthBytesPerSecond, rate.isFinite else { return row.rss == nil ? "n/a" : "..." }
    if rate == 0 { return "0" }
    return (rate > 0 ? "+" : "-") + ByteFormat.rate(bytesPerSecond: abs(rate))
  }

  /// The analyzer's flag and its colour: LEAK once the alert is raised (two evaluations in a
  /// row), as the live view's banner says it; `leak?` while it is being confirmed.
  static func flag(_ verdict: TrendVerdict?, confirmed: Bool = true) -> (String, ColorRole) {
    switch verdict {
    case .leak: confirmed ? ("LEAK", .verdictLeak) : ("leak?", .verdictGrowth)
    case .plateau: ("plateau", .verdictGrowth)
    case .inconclusive: ("inconcl.", .dim)
    case .shrinking: ("shrinking", .verdictOK)
    case .stable: ("stable", .verdictOK)
    case .insufficientData, nil: ("-", .dim)
    }
  }

  /// The sparkline columns for the table's body rows.
  private func sparkWidth(_ area: Rect) -> Int {
    let sparkX = area.x + Self.pidWidth + 1 + Self.commandWidth(area.width) + 2 * Self.sizeWidth + Self.growthWidth + 2
    return max(area.maxX - Self.flagWidth - sparkX - 1, 0)
  }

  /// The shared scale: the widest range (bytes) any listed row covers in its last `width`
  /// readings; nil when none moved.
  func sparkSpan(width: Int) -> Double? {
    guard width > 0 else { return nil }
    let spans = model.rows.map { row -> Double in
      let valid = row.history.suffix(width).filter { !$0.isNaN }
      guard let low = valid.min(), let high = valid.max() else { return 0 }
      return high - low
    }
    guard let widest = spans.max(), widest > 0 else { return nil }
    return widest
  }

  /// The last `width` readings, each row from its own minimum, on a shared height of `span`
  /// bytes (its own range when nil); gaps as the gap glyph, never as zero.
  static func sparkline(_ values: [Double], width: Int, mode: GlyphMode, span: Double? = nil) -> String {
    guard width > 0 else { return "" }
    let shown = values.suffix(width)
    let valid = shown.filter { !$0.isNaN }
    guard let low = valid.min(), let high = valid.max() else { return String(repeating: mode.gap, count: shown.count) }
    let levels: [Character] = mode == .ascii ? Array("_.-=+*#") : Array(Blocks.eighths.dropFirst())
    let range = max(span ?? (high - low), high - low)
    return String(
      shown.map { value -> Character in
        if value.isNaN { return mode.gap }
        guard range > 0 else { return levels[0] }
        let step = Int(saturating: ((value - low) / range * Double(levels.count - 1)).rounded())
        return levels[min(max(step, 0), levels.count - 1)]
      })
  }

  static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let clipped = text.count > width ? String(text.prefix(width)) : text
    let fill = String(repeating: " ", count: width - clipped.count)
    return right ? fill + clipped : clipped + fill
  }
}
