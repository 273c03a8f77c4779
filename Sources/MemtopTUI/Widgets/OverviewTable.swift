import MemtopCore

/// The process table (`memtop` with no target): a header, one row per process with pid,
/// name, RSS, anon, growth over the window, a sparkline and the analyzer's flag, and a status
/// bar of keys, the filter prompt or a message.
public struct OverviewTable: Sendable {
  /// The frame's model.
  public var model: OverviewModel

  public init(model: OverviewModel) {
    self.model = model
  }

  /// Column widths, left to right, before the sparkline takes what is left.
  static let pidWidth = 8
  static let nameWidth = 16
  static let sizeWidth = 11
  static let growthWidth = 14
  static let flagWidth = 10

  /// Draws over the whole of `buffer`.
  public func draw(into buffer: inout CellBuffer) {
    let area = buffer.bounds
    buffer.fill(area)
    guard area.width >= Screen.minimumWidth, area.height >= 6 else {
      Screen.drawTooSmall(into: &buffer, area: area)
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
    let unreadable = model.rows.filter { $0.rss == nil }.count
    var facts = "  all processes  \(model.total) listed"
    if unreadable > 0 { facts += " (\(unreadable) not readable: n/a)" }
    facts += "  every \(HeaderWidget.interval(model.interval))  growth over \(ByteFormat.duration(model.window))"
    x = buffer.put(facts, x: x, y: area.y, role: .header, clip: line1)
    var sort = "  sorted by \(model.state.sort == .memory ? "memory" : "growth")"
    if !model.state.filter.isEmpty {
      sort += "  filter '\(Sanitizer.terminalSafe(model.state.filter, maxLength: 24))': \(model.rows.count) shown"
    }
    buffer.put(sort, x: x, y: area.y, role: .headerAlert, clip: line1)
    guard area.height >= 2 else { return }
    let line2 = Rect(x: area.x, y: area.y + 1, width: area.width, height: 1)
    buffer.put(columns(pid: "PID", name: "NAME", rss: "RSS", anon: "ANON", growth: "GROWTH", width: area.width) + "HISTORY", x: area.x, y: area.y + 1, role: .dim, clip: line2)
    buffer.putRight("FLAG", maxX: area.maxX - Self.flagWidth + 4, y: area.y + 1, role: .dim, clip: line2)
  }

  /// The fixed columns as one string.
  private func columns(pid: String, name: String, rss: String, anon: String, growth: String, width: Int) -> String {
    Self.pad(pid, Self.pidWidth, right: true) + " " + Self.pad(name, Self.nameWidth) + Self.pad(rss, Self.sizeWidth, right: true)
      + Self.pad(anon, Self.sizeWidth, right: true) + Self.pad(growth, Self.growthWidth, right: true) + "  "
  }

  private func drawRows(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    if model.rows.isEmpty {
      buffer.put(model.state.filter.isEmpty ? " no process could be listed" : " no process matches the filter (esc clears it)", x: area.x, y: area.y, role: .dim, clip: area)
      return
    }
    let top = min(max(model.state.top, 0), max(model.rows.count - 1, 0))
    let sparkX = area.x + Self.pidWidth + 1 + Self.nameWidth + 2 * Self.sizeWidth + Self.growthWidth + 2
    let sparkWidth = max(area.maxX - Self.flagWidth - sparkX - 1, 0)
    for (offset, row) in model.rows.dropFirst(top).prefix(area.height).enumerated() {
      let y = area.y + offset
      let line = Rect(x: area.x, y: y, width: area.width, height: 1)
      let selected = model.selectedIndex == top + offset
      let role: ColorRole = selected ? .statusKey : .text
      if selected { buffer.fill(line, with: Cell(" ", .statusKey)) }
      let name = HeaderWidget.singleWidth(Sanitizer.terminalSafe(row.name, maxLength: Self.nameWidth))
      let text = columns(
        pid: String(row.identity.pid), name: name, rss: row.rss.map(ByteFormat.bytes) ?? "n/a",
        anon: row.anon.map(ByteFormat.bytes) ?? "n/a", growth: Self.growth(row), width: area.width)
      buffer.put(text, x: area.x, y: y, role: role, clip: line)
      buffer.put(Self.sparkline(row.history, width: sparkWidth, mode: model.mode), x: sparkX, y: y, role: selected ? .statusKey : .chartRSS, clip: line)
      let (flag, flagRole) = Self.flag(row.verdict)
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
      buffer.put("  enter apply · esc cancel", x: after, y: row.y, role: .status, clip: row)
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
    guard let rate = row.growthBytesPerSecond, rate.isFinite else { return row.rss == nil ? "n/a" : "…" }
    if rate == 0 { return "0" }
    return (rate > 0 ? "+" : "-") + ByteFormat.rate(bytesPerSecond: abs(rate))
  }

  /// The analyzer's flag and its colour.
  static func flag(_ verdict: TrendVerdict?) -> (String, ColorRole) {
    switch verdict {
    case .leak: ("LEAK", .verdictLeak)
    case .plateau: ("plateau", .verdictGrowth)
    case .inconclusive: ("inconcl.", .dim)
    case .shrinking: ("shrinking", .verdictOK)
    case .stable: ("stable", .verdictOK)
    case .insufficientData, nil: ("-", .dim)
    }
  }

  /// The last `width` readings scaled between their own minimum and maximum; gaps as the
  /// gap glyph, never as zero.
  static func sparkline(_ values: [Double], width: Int, mode: GlyphMode) -> String {
    guard width > 0 else { return "" }
    let shown = values.suffix(width)
    let valid = shown.filter { !$0.isNaN }
    guard let low = valid.min(), let high = valid.max() else { return String(repeating: mode.gap, count: shown.count) }
    let levels: [Character] = mode == .ascii ? Array("_.-=+*#") : Array(Blocks.eighths.dropFirst())
    return String(shown.map { value -> Character in
      if value.isNaN { return mode.gap }
      guard high > low else { return levels[0] }
      let step = Int(((value - low) / (high - low) * Double(levels.count - 1)).rounded())
      return levels[min(max(step, 0), levels.count - 1)]
    })
  }

  static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let clipped = text.count > width ? String(text.prefix(width)) : text
    let fill = String(repeating: " ", count: width - clipped.count)
    return right ? fill + clipped : clipped + fill
  }
}
