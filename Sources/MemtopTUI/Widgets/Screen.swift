import MemtopFormat

/// Lays out a whole frame: header, charts, verdict banner, status bar, help overlay.
///
/// The layout degrades with the terminal instead of refusing it: three charts from
/// ``minimumWidth`` × ``minimumHeight``, then one (RSS, with room to read it) while a chart of
/// ``minimumChartHeight`` rows fits; below that a summary — the figures on one line, the
/// verdict, the status bar — down to ``summaryWidth`` × ``summaryHeight``. Only a terminal
/// smaller still gets a "too small" notice.
public enum Screen {
  /// The smallest terminal all three charts fit, columns × rows.
  package static let minimumWidth = 40
  package static let minimumHeight = 17
  /// The fewest rows a chart is drawn in.
  package static let minimumChartHeight = 4
  /// The smallest terminal the summary fits, columns × rows.
  package static let summaryWidth = 10
  package static let summaryHeight = 4

  /// Header rows.
  static let headerHeight = 2
  /// Verdict banner rows at the least: the headline and one line of explanation.
  static let verdictHeight = 2

  /// How many charts fit a `width` × `height` terminal with the header, a banner of `banner`
  /// rows and the status bar (0: the summary is drawn instead): all three, or one rather than
  /// two squeezed ones.
  package static func chartCount(width: Int, height: Int, banner: Int = verdictHeight) -> Int {
    guard width >= minimumWidth else { return 0 }
    let rows = height - headerHeight - banner - 1
    let all = ScreenModel.chartSpecs.count
    if rows >= all * minimumChartHeight { return all }
    return rows >= minimumChartHeight ? 1 : 0
  }

  /// Rows the verdict banner gets on a `width` × `height` terminal: as many as its explanation
  /// needs wrapped (up to ``VerdictBanner/maximumRows``), but never so many that a chart is lost.
  package static func verdictRows(_ verdict: VerdictModel, width: Int, height: Int) -> Int {
    var rows = VerdictBanner.rows(verdict, width: width)
    let charts = chartCount(width: width, height: height)
    while rows > verdictHeight && chartCount(width: width, height: height, banner: rows) < charts { rows -= 1 }
    return rows
  }

  /// Draws `model` over the whole of `buffer`.
  public static func draw(_ model: ScreenModel, into buffer: inout CellBuffer) {
    let area = buffer.bounds
    buffer.fill(area)
    let count = chartCount(width: area.width, height: area.height)
    guard count > 0 else {
      if area.width >= summaryWidth && area.height >= summaryHeight {
        drawSummary(model, into: &buffer, area: area)
      } else {
        drawTooSmall(into: &buffer, area: area)
      }
      return
    }
    HeaderWidget(model: model).draw(into: &buffer, area: area.top(headerHeight))
    let status = area.bottom(1)
    let banner = verdictRows(model.verdict, width: area.width, height: area.height)
    let verdict = area.droppingBottom(1).bottom(banner)
    let whole = area.droppingTop(headerHeight).droppingBottom(1 + banner)
    let charts = whole.droppingBottom(min(max(model.panelRows, 0), max(whole.height - minimumChartHeight, 0)))
    let shown = min(count, max(charts.height / minimumChartHeight, 1))
    if let whereView = model.whereView {
      WhereScreen(model: whereView, mode: model.mode).draw(into: &buffer, area: charts)
    } else {
      for (chart, rect) in zip(model.charts.prefix(shown), charts.rows(shown)) {
        ChartWidget(model: chart, mode: model.mode).draw(into: &buffer, area: rect)
      }
    }
    VerdictBanner(model: model.verdict, mode: model.mode).draw(into: &buffer, area: verdict)
    StatusBar(ui: model.ui, mode: model.mode, tree: model.session.tree != nil).draw(into: &buffer, area: status)
    if model.ui.showHelp {
      HelpOverlay(mode: model.mode, themeName: model.themeName, details: model.details).draw(
        into: &buffer, area: whole)
    }
  }

  /// The figures on one line: `PID 4242 RSS 41.2 MiB heap 16.0 MiB anon 25.1 MiB running`.
  package static func summaryLine(_ model: ScreenModel) -> String {
    var parts = ["PID " + (model.session.pid == 0 ? "-" : String(model.session.pid))]
    for chart in model.charts {
      parts.append(chart.metric.label + " " + (chart.current.map(ByteFormat.bytes) ?? "n/a"))
    }
    switch model.session.state {
    case .running: parts.append(model.ui.paused ? "PAUSED" : model.session.stopped ? "stopped" : "running")
    case .exited(let how): parts.append("target " + how)
    case .replay: parts.append("replay")
    }
    return parts.joined(separator: " ")
  }

  /// The small-terminal view: the summary line, the verdict, and the status bar at the bottom.
  static func drawSummary(_ model: ScreenModel, into buffer: inout CellBuffer, area: Rect) {
    buffer.put(summaryLine(model), x: area.x, y: area.y, role: .header, clip: area.top(1))
    let verdict = area.droppingTop(1).droppingBottom(1)
    let rows =
      verdict.height - 1 >= VerdictBanner.maximumRows
      ? VerdictBanner.rows(model.verdict, width: area.width) : verdictHeight
    VerdictBanner(model: model.verdict, mode: model.mode).draw(
      into: &buffer, area: verdict.top(min(verdict.height, rows)))
    StatusBar(ui: model.ui, mode: model.mode, tree: model.session.tree != nil).draw(into: &buffer, area: area.bottom(1))
    if model.ui.showHelp {
      HelpOverlay(mode: model.mode, themeName: model.themeName, details: model.details).draw(into: &buffer, area: area)
    }
  }

  /// The notice for a terminal below the minimum size, word-wrapped to fit (even at 10×4).
  static func drawTooSmall(
    into buffer: inout CellBuffer, area: Rect, need: (width: Int, height: Int) = (summaryWidth, summaryHeight)
  ) {
    let words = ["terminal", "too", "small", "(need", "\(need.width)x\(need.height))"]
    var lines: [String] = []
    for word in words {
      if let last = lines.last, last.count + 1 + word.count <= area.width {
        lines[lines.count - 1] = last + " " + word
      } else {
        lines.append(word)
      }
    }
    let top = max((area.height - lines.count) / 2, 0)
    for (i, line) in lines.enumerated() where top + i < area.height {
      let x = max((area.width - line.count) / 2, 0)
      buffer.put(line, x: x, y: top + i, role: .headerAlert)
    }
  }
}
