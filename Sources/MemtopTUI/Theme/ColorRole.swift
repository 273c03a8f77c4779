/// What a cell shows, for the theme to colour: widgets ask for roles, never raw colours.
///
/// The raw value is the key used in `.theme` files.
package enum ColorRole: String, Sendable, CaseIterable {
  /// Ordinary text.
  case text = "text"
  /// Secondary text: labels, units, hints.
  case dim = "text.dim"
  /// Chart and overlay titles.
  case title = "title"
  /// Box and separator lines.
  case border = "border"
  /// Axis labels and ticks.
  case axis = "axis"
  /// The RSS chart's area.
  case chartRSS = "chart.rss"
  /// The heap chart's area.
  case chartHeap = "chart.heap"
  /// The anonymous-memory chart's area.
  case chartAnon = "chart.anon"
  /// Missed samples drawn in a chart.
  case chartGap = "chart.gap"
  /// User markers on the charts.
  case marker = "marker"
  /// The header line (pid, name, state).
  case header = "header"
  /// The header when the target has exited or the view is paused.
  case headerAlert = "header.alert"
  /// The verdict banner when a leak alert is raised.
  case verdictLeak = "verdict.leak"
  /// The verdict banner for growth that is not (yet) a leak.
  case verdictGrowth = "verdict.growth"
  /// The verdict banner for stable or shrinking memory.
  case verdictOK = "verdict.ok"
  /// The verdict banner while evidence is being gathered.
  case verdictPending = "verdict.pending"
  /// The status bar's background text.
  case status = "status"
  /// The key names in the status bar and help overlay.
  case statusKey = "status.key"
  /// Messages (export written, errors) in the status bar.
  case message = "status.message"
  /// The help overlay's body.
  case help = "help"

  /// One line saying what the role colours, used in theme files and errors.
  package var summary: String {
    switch self {
    case .text: "ordinary text"
    case .dim: "secondary text: labels, units, hints"
    case .title: "chart and overlay titles"
    case .border: "box and separator lines"
    case .axis: "axis labels and ticks"
    case .chartRSS: "the RSS chart's area"
    case .chartHeap: "the heap chart's area"
    case .chartAnon: "the anonymous-memory chart's area"
    case .chartGap: "missed samples (gaps) in a chart"
    case .marker: "user markers on the charts"
    case .header: "the header line"
    case .headerAlert: "the header's state when paused or the target exited"
    case .verdictLeak: "the verdict banner when a leak alert is raised"
    case .verdictGrowth: "the verdict banner for growth that is not (yet) a leak"
    case .verdictOK: "the verdict banner for stable or shrinking memory"
    case .verdictPending: "the verdict banner while evidence is gathered"
    case .status: "the status bar"
    case .statusKey: "key names in the status bar and help"
    case .message: "messages in the status bar"
    case .help: "the help overlay's body"
    }
  }
}
