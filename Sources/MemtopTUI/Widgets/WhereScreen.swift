/// Draws the where screen: one row per kind of memory and per count (name, now, rate,
/// verdict, share, sparkline), the kind holding the growth, the top files and the sentence.
package struct WhereScreen {
  package var model: WhereModel
  package var mode: GlyphMode

  package init(model: WhereModel, mode: GlyphMode) {
    self.model = model
    self.mode = mode
  }

  /// Fixed columns before the sparkline: name 14, now 10, rate 16, verdict 13, share 6.
  static let columns = [14, 10, 16, 13, 6]

  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard area.height > 0 && area.width > 0 else { return }
    buffer.fill(area)
    var y = area.y
    buffer.put("where memory grows (w: back to the charts)", x: area.x, y: y, role: .title, clip: area)
    y += 1
    guard !model.rows.isEmpty else {
      if y < area.y + area.height { buffer.put(model.waiting, x: area.x, y: y, role: .dim, clip: area) }
      return
    }
    let header = ["kind", "now", "rate", "verdict", "share"]
    var x = area.x
    for (title, width) in zip(header, Self.columns) {
      buffer.put(title, x: x, y: y, role: .dim, clip: area)
      x += width
    }
    buffer.put("history (each row on its own scale)", x: x, y: y, role: .dim, clip: area)
    y += 1
    // The row's span after its sparkline, when there is room for both.
    let room = max(area.x + area.width - x, 0)
    let spanWidth = room >= 24 ? Self.spanWidth : 0
    let sparkWidth = room - spanWidth
    for row in model.rows where y < area.y + area.height {
      var x = area.x
      let cells = [row.name, row.now, row.rate, row.verdict, row.share]
      for (i, (text, width)) in zip(cells, Self.columns).enumerated() {
        let role: ColorRole = i == 3 && row.leaks ? .verdictLeak : i == 0 ? .text : .text
        buffer.put(text, x: x, y: y, role: role, clip: area)
        x += width
      }
      let spark = Self.sparkline(row.history, width: sparkWidth, mode: mode, minimumSpan: row.minimumSpan)
      buffer.put(spark, x: x, y: y, role: .chartRSS, clip: area)
      if spanWidth > 0 { buffer.put(row.span, x: x + sparkWidth + 1, y: y, role: .dim, clip: area) }
      y += 1
    }
    var lines: [(String, ColorRole)] = []
    lines.append(("growth in: " + (model.growthIn ?? "none (no kind grows)"), .text))
    if !model.topFiles.isEmpty { lines.append(("top files: " + model.topFiles.joined(separator: ", "), .text)) }
    if let sentence = model.sentence { lines.append(("where: " + sentence, .verdictLeak)) }
    for (text, role) in lines {
      for line in TextWrap.lines(text, width: area.width) where y < area.y + area.height {
        buffer.put(line, x: area.x, y: y, role: role, clip: area)
        y += 1
      }
    }
  }

  /// Columns kept after a sparkline for its span (`span 114.0 MiB`).
  static let spanWidth = 15

  /// The last `width` values as a one-row sparkline between their own min and max, the range
  /// at least `minimumSpan` (from the min up).
  static func sparkline(_ values: [Double], width: Int, mode: GlyphMode, minimumSpan: Double = 0) -> String {
    guard width > 0 else { return "" }
    let shown = values.suffix(width)
    guard let lo = shown.min(), let top = shown.max() else { return "" }
    let hi = max(top, lo + minimumSpan)
    let ramp: [Character] = mode == .ascii ? Array(" .:-=+*#") : Array("▁▂▃▄▅▆▇█")
    return String(
      shown.map { v -> Character in
        let level = hi > lo ? (v - lo) / (hi - lo) : 0
        return ramp[min(Int(level * Double(ramp.count - 1) + 0.5), ramp.count - 1)]
      })
  }
}
