import MemtopCore
import MemtopFormat
import MemtopTrend

/// The process table (`memtop` with no target): a header, one row per process with pid,
/// command line, RSS, anon, growth over the window, a sparkline and the analyzer's flag, and a
/// status bar of keys, the filter prompt or a message.
///
/// Each sparkline has its own vertical scale, from the row's lowest reading to its highest but
/// never less than ``minimumSpan(high:)`` (1 MiB, or 2 % of the row's size), so a leaker's
/// climb is visible beside a large steady process and a flat row's jitter stays flat; the
/// column's title says so. The growth column reads in one time unit, the largest rate's.
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
  static let maxCommandWidth = 56
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
    var sort = "  suspected leaks first, then by \(model.state.sort == .memory ? "memory" : "growth")"
    if !model.state.filter.isEmpty {
      sort += "  filter '\(Sanitizer.terminalSafe(model.state.filter, maxLength: 24))': \(model.rows.count) shown"
    }
    buffer.put(sort, x: x, y: area.y, role: .headerAlert, clip: line1)
    guard area.height >= 2 else { return }
    let line2 = Rect(x: area.x, y: area.y + 1, width: area.width, height: 1)
    buffer.put(
      columns(pid: "PID", name: "COMMAND", rss: "RSS", anon: "ANON", growth: "GROWTH", width: area.width)
        + "HISTORY (own scale)", x: area.x, y: area.y + 1, role: .dim, clip: line2)
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
    let unit = growthUnit
    for (offset, row) in model.rows.dropFirst(top).prefix(area.height).enumerated() {
      let y = area.y + offset
      let line = Rect(x: area.x, y: y, width: area.width, height: 1)
      let selected = model.selectedIndex == top + offset
      let role: ColorRole = selected ? .statusKey : .text
      if selected { buffer.fill(line, with: Cell(" ", .statusKey)) }
      let command = CommandSummary.distinguishing(row.command)
      let safe = HeaderWidget.singleWidth(Sanitizer.terminalSafe(command, maxLength: 4096))
      let name = Self.fit(safe, Self.commandWidth(area.width), mode: model.mode)
      let text = columns(
        pid: String(row.identity.pid), name: name, rss: row.rss.map(ByteFormat.bytes) ?? "n/a",
        anon: row.anon.map(ByteFormat.bytes) ?? "n/a", growth: Self.growth(row, unitOf: unit), width: area.width)
      buffer.put(text, x: area.x, y: y, role: role, clip: line)
      buffer.put(
        Self.sparkline(row.history, width: sparkWidth, mode: model.mode), x: sparkX, y: y,
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
      let end = buffer.put(Sanitizer.terminalSafe(prompt.text, maxLength: 40), x: x, y: row.y, role: .status, clip: row)
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

  /// The analyzer's floor rate, `+1.20 MiB/min` or `0`, in the time unit of `reference` (the
  /// column's: one unit down the column); `…` before its first rate, `n/a` when RSS is unreadable.
  static func growth(_ row: ProcessOverview.Row, unitOf reference: Double? = nil) -> String {
    guard let rate = row.growthBytesPerSecond, rate.isFinite else { return row.rss == nil ? "n/a" : "..." }
    if rate == 0 { return "0" }
    return (rate > 0 ? "+" : "-") + ByteFormat.rate(bytesPerSecond: abs(rate), unitOf: reference ?? rate)
  }

  /// The rate whose time unit the whole growth column uses: the largest in size of every
  /// listed row's (so scrolling does not change it).
  var growthUnit: Double? {
    model.rows.compactMap { $0.growthBytesPerSecond }.filter { $0.isFinite && $0 != 0 }.map(abs).max()
  }

  /// What each FLAG and the GROWTH column's placeholders mean, as the help box, `--help` and the
  /// man page say it (the flags' text comes from ``flag(_:confirmed:)``).
  package static var legend: [(flag: String, meaning: String)] {
    [
      (
        flag(.leak).0,
        "grows like a leak, confirmed at two evaluations in a row (open it for the evidence)"
      ),
      (flag(.leak, confirmed: false).0, "grows like a leak, being confirmed; suspected rows are listed first"),
      (flag(.plateau).0, "grew, then levelled off: warm-up or a filled cache"),
      (flag(.inconclusive).0, "cannot tell yet: too few readings or too much noise"),
      (flag(.stable).0, "no sign of a leak"),
      (flag(.shrinking).0, "memory is being given back"),
      (flag(nil).0, "not enough readings yet"),
      ("...", "GROWTH: the first window is still being read (about 30 s at the default interval)"),
    ]
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

  /// The smallest height a sparkline stands for: 1 MiB, or 2 % of its highest reading.
  static func minimumSpan(high: Double) -> Double { max(1_048_576, high * 0.02) }

  /// The last `width` readings, each row from its own minimum to its own maximum (a height of
  /// at least ``minimumSpan(high:)``); gaps as the gap glyph, never as zero.
  static func sparkline(_ values: [Double], width: Int, mode: GlyphMode) -> String {
    guard width > 0 else { return "" }
    let shown = values.suffix(width)
    let valid = shown.filter { !$0.isNaN }
    guard let low = valid.min(), let high = valid.max() else { return String(repeating: mode.gap, count: shown.count) }
    let levels: [Character] = mode == .ascii ? Array("_.-=+*#") : Array(Blocks.eighths.dropFirst())
    let range = max(high - low, minimumSpan(high: high))
    return String(
      shown.map { value -> Character in
        if value.isNaN { return mode.gap }
        let step = Int(saturating: ((value - low) / range * Double(levels.count - 1)).rounded())
        return levels[min(max(step, 0), levels.count - 1)]
      })
  }

  /// `text` in `width` columns: whole when it fits, else its first word (the script or
  /// program, up to half the width) and as much of its end as fits (the arguments that tell
  /// instances apart), joined by an ellipsis.
  static func fit(_ text: String, _ width: Int, mode: GlyphMode) -> String {
    guard text.count > width else { return text }
    guard width >= 8 else { return String(text.prefix(width)) }
    let mark = mode == .ascii ? "~" : "…"
    let first = text.prefix { $0 != " " }
    let head = first.prefix(width / 2)
    let tail = text.suffix(width - head.count - 1)
    return head + mark + tail
  }

  static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let clipped = text.count > width ? String(text.prefix(width)) : text
    let fill = String(repeating: " ", count: width - clipped.count)
    return right ? fill + clipped : clipped + fill
  }
}
