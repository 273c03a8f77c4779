/// Lays out a whole frame: header, three charts, verdict banner, status bar, help overlay —
/// or a "terminal too small" notice when the terminal cannot hold them.
public enum Screen {
  /// The smallest terminal the full layout fits, columns × rows.
  public static let minimumWidth = 40
  public static let minimumHeight = 17

  /// Header rows.
  static let headerHeight = 2
  /// Verdict banner rows.
  static let verdictHeight = 2

  /// Draws `model` over the whole of `buffer`.
  public static func draw(_ model: ScreenModel, into buffer: inout CellBuffer) {
    let area = buffer.bounds
    buffer.fill(area)
    guard area.width >= minimumWidth, area.height >= minimumHeight else {
      drawTooSmall(into: &buffer, area: area)
      return
    }
    HeaderWidget(model: model).draw(into: &buffer, area: area.top(headerHeight))
    let status = area.bottom(1)
    let verdict = area.droppingBottom(1).bottom(verdictHeight)
    let charts = area.droppingTop(headerHeight).droppingBottom(1 + verdictHeight)
    for (chart, rect) in zip(model.charts, charts.rows(model.charts.count)) {
      ChartWidget(model: chart, mode: model.mode).draw(into: &buffer, area: rect)
    }
    VerdictBanner(model: model.verdict, mode: model.mode).draw(into: &buffer, area: verdict)
    StatusBar(ui: model.ui, mode: model.mode, tree: model.session.tree != nil).draw(into: &buffer, area: status)
    if model.ui.showHelp {
      HelpOverlay(mode: model.mode, themeName: model.themeName).draw(into: &buffer, area: charts)
    }
  }

  /// The notice for a terminal below the minimum size, word-wrapped to fit (even at 10×4).
  static func drawTooSmall(into buffer: inout CellBuffer, area: Rect) {
    let words = ["terminal", "too", "small", "(need", "\(minimumWidth)x\(minimumHeight))"]
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
