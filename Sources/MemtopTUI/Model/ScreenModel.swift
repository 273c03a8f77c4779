import MemtopAnalysis
import MemtopSampling
import MemtopStore

/// Everything one frame shows, built purely from the timeline, the analysis and the UI state.
public struct ScreenModel: Sendable {
  /// Session facts for the header.
  package var session: SessionInfo
  /// The UI state (pause, zoom, overlays, messages).
  package var ui: UIState
  /// RSS, heap and anon charts, in that order.
  package var charts: [ChartModel]
  /// The verdict banner.
  package var verdict: VerdictModel
  /// Samples recorded so far.
  package var samples: Int
  /// The highest peak RSS (`VmHWM`) seen, bytes.
  package var peakRSS: UInt64?
  /// Elapsed seconds of the newest sample.
  package var latest: Double
  /// The theme in use, for the help overlay.
  package var themeName: String
  /// The glyphs in use.
  package var mode: GlyphMode
  /// The latest proportional set size read (PSS, bytes; read within the detail budget).
  package var pss: UInt64?
  /// The soonest projected time to reach the memory limit, seconds (nil: no limit, or no growth toward it).
  package var timeToLimit: Double?
  /// The where screen, when it replaces the charts (key `w`).
  package var whereView: WhereModel?
  /// Rows kept under the charts for a panel (the Python panel split beside them; 0: none).
  package var panelRows = 0

  /// How the figures are read, for the help overlay: sources and cadences.
  package var details: [String] {
    var lines = ["RSS and anon: /proc/PID/status every \(HeaderWidget.interval(session.interval))"]
    if let heap = session.heapCadence { lines.append("heap: " + HeaderWidget.cadence(heap)) }
    if let pss = session.rollupCadence { lines.append("PSS: " + HeaderWidget.cadence(pss)) }
    return lines
  }

  /// Chart titles and roles, in screen order.
  package static let chartSpecs: [(metric: Metric, title: String, role: ColorRole)] = [
    (.rss, "RSS", .chartRSS), (.heap, "heap", .chartHeap), (.anon, "anon", .chartAnon),
  ]

  public init(
    timeline: Timeline, session: SessionInfo, ui: UIState, analysis: LiveAnalysis, extremes: Extremes,
    themeName: String, mode: GlyphMode, regions: RegionAssessment? = nil
  ) {
    self.session = session
    self.ui = ui
    latest = timeline.elapsed.last ?? 0
    let window = ui.window(latest: latest)
    // A tree's total sums each process's figures: RSS so summed counts shared pages once per process.
    let summed = session.tree?.showsTotal == true
    charts = Self.chartSpecs.map { spec in
      var chart = ChartModel(
        timeline: timeline, metric: spec.metric, title: summed ? "summed " + spec.title : spec.title, role: spec.role,
        start: window.start,
        end: window.end, interval: session.interval, extremes: extremes.range(spec.metric))
      if spec.metric == .heap {
        chart.unavailableReason = session.heapUnavailable
        chart.unavailableFix = session.heapFix
      }
      return chart
    }
    verdict = VerdictModel(analysis: analysis, summed: summed, regions: regions)
    timeToLimit = analysis.results.compactMap { $0?.timeToLimit?.estimateSeconds }.filter(\.isFinite).min()
    samples = timeline.count
    pss = (0..<timeline.count).reversed().lazy.compactMap { timeline.value(.pss, at: $0) }.first
    peakRSS = extremes.peakRSS
    self.themeName = themeName
    self.mode = mode
  }
}
