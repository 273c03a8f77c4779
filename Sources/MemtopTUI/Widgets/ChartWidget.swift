import MemtopFormat

/// One time chart: a title line with current/min/max and the change in the window, a y-axis in human units, the area
/// plot (gaps as gaps), marker lines, and a time axis.
///
/// Layout in its rectangle (at least 4 rows): row 0 title, then the plot, last row the time
/// axis; the left ``axisWidth`` columns hold the y labels and the axis line.
package struct ChartWidget: Sendable {
  /// Columns taken by the y labels and the axis line.
  package static let axisWidth = 10
  /// The data.
  package var model: ChartModel
  /// The glyphs.
  package var mode: GlyphMode

  package init(model: ChartModel, mode: GlyphMode) {
    self.model = model
    self.mode = mode
  }

  /// Draws into `area` of `buffer`.
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area)
    drawTitle(into: &buffer, area: area.top(1))
    guard area.height >= 3, area.width > Self.axisWidth + 2 else { return }
    let body = area.droppingTop(1)
    let plot = Rect(x: body.x + Self.axisWidth, y: body.y, width: body.width - Self.axisWidth, height: body.height - 1)
    let columns = model.columns(plot.width * mode.subColumns)
    let range = ChartModel.range(of: columns)
    drawYAxis(into: &buffer, body: body, plot: plot, range: range)
    if let range {
      let span = range.high - range.low
      let levels: [Double?] = columns.map { column in
        switch column {
        case .none: -1
        case .gap: nil
        case .value(let v): span > 0 ? (v - range.low) / span * Double(plot.height) : 0
        }
      }
      AreaPlot(levels: levels, mode: mode, role: model.role).draw(into: &buffer, area: plot)
    }
    if range == nil, let fix = model.unavailableFix, plot.height > 0 {
      buffer.put(Sanitizer.terminalSafe(fix), x: plot.x + 1, y: plot.y + plot.height / 2, role: .dim, clip: plot)
    }
    drawMarkers(into: &buffer, plot: plot)
    drawTimeAxis(into: &buffer, row: body.maxY - 1, plot: plot, axisX: body.x)
  }

  // MARK: - Parts

  private func drawTitle(into buffer: inout CellBuffer, area: Rect) {
    var x = buffer.put(model.title, x: area.x, y: area.y, role: .title, clip: area)
    // Never a bare "n/a" (let alone a 0) when the reason is known.
    let absent = model.unavailableReason.map { "n/a (\($0))" } ?? "n/a"
    let stats: [(String, String)] = [
      ("now", model.current.map { ByteFormat.bytes($0) } ?? absent),
      ("min", model.minimum.map { ByteFormat.bytes($0) } ?? "n/a"),
      ("max", model.maximum.map { ByteFormat.bytes($0) } ?? "n/a"),
      (mode == .ascii ? "change in window" : "Δ in window", model.windowChange.map { Self.signedBytes($0) } ?? "n/a"),
    ]
    for (label, value) in stats {
      x = buffer.put("  " + label + " ", x: x, y: area.y, role: .dim, clip: area)
      x = buffer.put(value, x: x, y: area.y, role: .text, clip: area)
    }
  }

  /// `+1.20 MiB`, `-3.00 KiB`, `+0 B`.
  static func signedBytes(_ bytes: Double) -> String {
    (bytes >= 0 ? "+" : "-") + ByteFormat.bytes(abs(bytes))
  }

  private func drawYAxis(into buffer: inout CellBuffer, body: Rect, plot: Rect, range: (low: Double, high: Double)?) {
    let labelWidth = Self.axisWidth - 1
    for y in plot.y..<plot.maxY {
      buffer[body.x + labelWidth, y] = Cell(mode.vertical, .border)
    }
    guard let range else { return }
    var rows: [(Int, Double)] = [(plot.y, range.high), (plot.maxY - 1, range.low)]
    if plot.height >= 5 { rows.append((plot.y + (plot.height - 1) / 2, (range.high + range.low) / 2)) }
    for (y, value) in rows {
      let text = String(ByteFormat.bytes(value).prefix(labelWidth - 1))
      buffer.putRight(text, maxX: body.x + labelWidth - 1, y: y, role: .axis)
    }
  }

  private func drawMarkers(into buffer: inout CellBuffer, plot: Rect) {
    let span = model.end - model.start
    guard span > 0, !plot.isEmpty else { return }
    for time in model.markers {
      let column = max(min(Int(saturating: (time - model.start) / span * Double(plot.width)), plot.width - 1), 0)
      for y in plot.y..<plot.maxY where buffer[plot.x + column, y].glyph == " " {
        buffer[plot.x + column, y] = Cell(mode.markerLine, .marker)
      }
    }
  }

  private func drawTimeAxis(into buffer: inout CellBuffer, row: Int, plot: Rect, axisX: Int) {
    let labelWidth = Self.axisWidth - 1
    buffer[axisX + labelWidth, row] = Cell(mode.corners.2, .border)
    for x in plot.x..<plot.maxX { buffer[x, row] = Cell(mode.horizontal, .border) }
    let span = model.end - model.start
    guard span > 0, plot.width > 0 else { return }
    let step = Self.tickStep(span: span, columns: plot.width)
    var tick = (model.start / step).rounded(.up) * step
    var nextFree = plot.x
    while tick <= model.end {
      let column =
        plot.x + max(min(Int(saturating: (tick - model.start) / span * Double(plot.width)), plot.width - 1), 0)
      let label = Self.clock(tick)
      if column >= nextFree, column + label.count + 1 <= plot.maxX {
        buffer[column, row] = Cell(mode.tick, .border)
        buffer.put(label, x: column + 1, y: row, role: .axis, clip: plot.onRow(row))
        nextFree = column + label.count + 3
      }
      tick += step
    }
    for time in model.markers + model.snapshots {
      let column = max(min(Int(saturating: (time - model.start) / span * Double(plot.width)), plot.width - 1), 0)
      buffer[plot.x + column, row] = Cell(mode.markerFlag, .marker)
    }
  }

  /// A tick spacing, seconds, that leaves about 12 columns per label.
  static func tickStep(span: Double, columns: Int) -> Double {
    AxisTicks.timeStep(span: span, slots: Double(columns) / 12)
  }

  /// Elapsed seconds as `m:ss` or `h:mm:ss`.
  static func clock(_ seconds: Double) -> String { AxisTicks.clock(seconds) }
}

extension Rect {
  /// This rectangle's columns on a single `row`.
  func onRow(_ row: Int) -> Rect { Rect(x: x, y: row, width: width, height: 1) }
}
