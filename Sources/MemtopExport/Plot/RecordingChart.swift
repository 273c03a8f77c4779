import MemtopAnalysis
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopTrend

/// A recording drawn as a self-contained SVG chart: RSS, heap and anon over time, human-unit
/// axes, markers, and the analyzer's verdict with its Sen-slope rate drawn over the span the
/// verdict rests on.
///
/// Pure string building: no files, no fonts, no renderer. Every piece of text that came from
/// outside (the title, markers) is escaped for XML.
public struct RecordingChart {
  /// The series drawn, in legend order, with their colours.
  public static let series: [(metric: Metric, color: String)] = [
    (.rss, "#1f77b4"), (.heap, "#2ca02c"), (.anon, "#ff7f0e"),
  ]
  /// A process tree's PSS total, drawn too for a `--children` recording (its verdict leads with it).
  package static let treeSeries: (metric: Metric, color: String) = (.pss, "#9467bd")

  /// The series this chart draws: a tree's PSS total after the summed figures.
  var drawn: [(metric: Metric, color: String)] { analysis.isTree ? Self.series + [Self.treeSeries] : Self.series }

  /// The recording.
  public var timeline: Timeline
  /// The analyzer's verdict on it.
  public var analysis: RecordingAnalysis
  /// The verdict the heading gives, when the policy's differs from ``analysis``'s own (a tree
  /// whose member leaks): the verdict and its line. Nil heads with the analysis.
  public var verdict: (verdict: TrendVerdict, summary: String)?
  /// The heading, e.g. the file name; untrusted.
  public var title: String
  /// Size of the picture in pixels.
  public var width: Double = 1000
  public var height: Double = 560
  /// Lines of text under the chart (the Python report of a `--python` recording); untrusted.
  public var notes: [String] = []

  public init(timeline: Timeline, analysis: RecordingAnalysis, title: String) {
    self.timeline = timeline
    self.analysis = analysis
    self.title = title
  }

  /// The SVG document.
  public func svg() -> String {
    let explanation = wrap(analysis.assessment.leading?.result.explanation ?? "", width: 150, lines: 3)
    let plot = PlotArea(left: 92, top: 78 + 16 * Double(explanation.count), right: width - 28, bottom: height - 86)
    let start = timeline.elapsed.first ?? 0
    let end = max(timeline.elapsed.last ?? 1, start + 1)
    let trend = trendLine()
    var high = drawn.compactMap { timeline.maximum($0.metric) }.max().map { Double($0) } ?? 0
    if let trend { high = max(high, trend.fromBytes, trend.toBytes) }
    let range = axisRange(high: high, trend: trend)
    let scale = Scale(plot: plot, start: start, end: end, low: range.low, high: range.high)
    let step = range.step

    let panel = regionPanelHeight
    let below = panel + notesHeight
    var svg = SVGBuilder(width: width, height: height + below, title: "memtop: " + title)
    svg.element("rect", ["x": "0", "y": "0", "width": n(width), "height": n(height + below), "fill": "#ffffff"])
    drawHeading(&svg, explanation: explanation)
    drawYAxis(&svg, scale: scale, step: step)
    drawTimeAxis(&svg, scale: scale)
    svg.open("clipPath", ["id": "plot-area"])
    svg.element("rect", ["x": n(plot.left), "y": n(plot.top), "width": n(plot.width), "height": n(plot.height)])
    svg.close("clipPath")
    svg.open(
      "g",
      [
        "clip-path": "url(#plot-area)", "fill": "none", "stroke-width": "1.6", "stroke-linejoin": "round",
        "stroke-linecap": "round",
      ])
    for (metric, color) in drawn.reversed() {
      svg.element(
        "path",
        ["class": "series", "id": "series-\(metric.csvColumn)", "stroke": color, "d": path(metric, scale: scale)])
    }
    if let trend {
      svg.element(
        "line",
        [
          "id": "trend", "x1": n(scale.x(trend.fromTime)), "y1": n(scale.y(trend.fromBytes)),
          "x2": n(scale.x(trend.toTime)), "y2": n(scale.y(trend.toBytes)),
          "stroke": "#d62728", "stroke-width": "2.5", "stroke-dasharray": "9 5", "stroke-opacity": "0.85",
        ])
    }
    svg.close("g")
    drawMarkers(&svg, scale: scale)
    drawSteps(&svg, scale: scale)
    if let trend {
      svg.text(
        trend.label,
        [
          "x": n(min(scale.x(trend.toTime), plot.right - 4)), "y": n(max(scale.y(trend.toBytes) - 10, plot.top + 14)),
          "text-anchor": "end", "font-size": "13", "font-weight": "bold", "fill": "#d62728",
          // A white halo keeps the label readable over the series.
          "stroke": "#ffffff", "stroke-width": "4", "stroke-linejoin": "round", "paint-order": "stroke",
        ])
    }
    drawLegend(&svg, plot: plot, trend: trend)
    svg.element(
      "rect",
      [
        "x": n(plot.left), "y": n(plot.top), "width": n(plot.width), "height": n(plot.height), "fill": "none",
        "stroke": "#333333", "stroke-width": "1",
      ])
    if panel > 0 { drawRegionPanel(&svg, top: height) }
    drawNotes(&svg, top: height + panel)
    return svg.finish()
  }

  // MARK: - Parts

  private func drawHeading(_ svg: inout SVGBuilder, explanation: [String]) {
    var heading = title + "  ·  \(timeline.count) samples over \(ByteFormat.duration(analysis.duration))"
    if analysis.pid != 0 { heading += "  ·  PID \(analysis.pid)" }
    if let command = timeline.lastCommand { heading += "  ·  " + command }
    svg.text(
      heading, ["x": "20", "y": "30", "font-size": "18", "font-weight": "bold", "fill": "#222222"], maxLength: 140)
    svg.text(
      verdict?.summary ?? analysis.verdictSummary,
      [
        "id": "verdict", "x": "20", "y": "56", "font-size": "15", "font-weight": "bold",
        "fill": Self.color(of: verdict?.verdict ?? analysis.verdict),
      ])
    for (i, line) in explanation.enumerated() {
      svg.text(
        line, ["class": "explanation", "x": "20", "y": n(78 + 16 * Double(i)), "font-size": "12.5", "fill": "#444444"])
    }
  }

  private func drawYAxis(_ svg: inout SVGBuilder, scale: Scale, step: Double) {
    let plot = scale.plot
    svg.open("g", ["id": "y-axis", "font-size": "12", "fill": "#333333"])
    var tick = scale.low
    while tick <= scale.high + step / 2 {
      let y = scale.y(tick)
      svg.element(
        "line",
        [
          "x1": n(plot.left), "y1": n(y), "x2": n(plot.right), "y2": n(y),
          "stroke": tick == scale.low ? "#999999" : "#e3e3e3",
        ])
      svg.text(AxisTicks.byteLabel(tick), ["x": n(plot.left - 8), "y": n(y + 4), "text-anchor": "end"])
      tick += step
    }
    if scale.low > 0 {
      // Say so when the axis does not start at zero, so the change is not read as a multiple.
      svg.text(
        "axis from \(AxisTicks.byteLabel(scale.low))",
        [
          "id": "axis-note", "x": n(plot.left - 8), "y": n(plot.bottom + 19), "text-anchor": "end", "font-size": "11",
          "font-style": "italic",
        ])
    }
    svg.text(
      "memory",
      [
        "x": "18", "y": n(plot.top + plot.height / 2), "text-anchor": "middle", "font-size": "13",
        "transform": "rotate(-90 18 \(n(plot.top + plot.height / 2)))",
      ])
    svg.close("g")
  }

  private func drawTimeAxis(_ svg: inout SVGBuilder, scale: Scale) {
    let plot = scale.plot
    let span = scale.end - scale.start
    let step = AxisTicks.timeStep(span: span, slots: plot.width / 90)
    svg.open("g", ["id": "x-axis", "font-size": "12", "fill": "#333333"])
    var offset = 0.0
    while offset <= span + 1e-9 {
      let x = scale.x(scale.start + offset)
      svg.element("line", ["x1": n(x), "y1": n(plot.top), "x2": n(x), "y2": n(plot.bottom), "stroke": "#eeeeee"])
      svg.element(
        "line", ["x1": n(x), "y1": n(plot.bottom), "x2": n(x), "y2": n(plot.bottom + 5), "stroke": "#333333"])
      svg.text(AxisTicks.clock(offset), ["x": n(x), "y": n(plot.bottom + 19), "text-anchor": "middle"])
      offset += step
    }
    let unit = span >= 3600 ? "h:mm:ss" : "m:ss"
    svg.text(
      "elapsed time (\(unit))",
      ["x": n(plot.left + plot.width / 2), "y": n(plot.bottom + 40), "text-anchor": "middle", "font-size": "13"])
    svg.close("g")
  }

  private func drawMarkers(_ svg: inout SVGBuilder, scale: Scale) {
    guard !timeline.markers.isEmpty else { return }
    svg.open("g", ["id": "markers", "font-size": "11", "fill": "#7b1fa2"])
    for (index, label) in timeline.markers.sorted(by: { $0.key < $1.key }) {
      let x = scale.x(timeline.elapsed[index])
      if label == MemorySample.observerSnapshotMarker {
        // A tracing window's snapshots, often many: a tick on the time axis, no text.
        svg.element(
          "line",
          [
            "x1": n(x), "y1": n(scale.plot.bottom - 8), "x2": n(x), "y2": n(scale.plot.bottom), "stroke": "#7b1fa2",
            "stroke-width": "1.2", "class": "snapshot",
          ])
        continue
      }
      svg.element(
        "line",
        [
          "x1": n(x), "y1": n(scale.plot.top), "x2": n(x), "y2": n(scale.plot.bottom), "stroke": "#7b1fa2",
          "stroke-width": "1.2", "stroke-dasharray": "3 3",
        ])
      svg.text(
        label,
        [
          "x": n(x + 3), "y": n(scale.plot.bottom - 6),
          "transform": "rotate(-90 \(n(x + 3)) \(n(scale.plot.bottom - 6)))", "dy": "9",
        ], maxLength: 40)
    }
    svg.close("g")
  }

  /// The steps the analyzer found in the leading metric's floor: a solid line at each, with
  /// its size; and where growth levelled off, for a plateau.
  private func drawSteps(_ svg: inout SVGBuilder, scale: Scale) {
    guard let lead = analysis.assessment.leading else { return }
    let steps = lead.result.steps
    let plateau = lead.result.plateau
    guard !steps.isEmpty || plateau != nil else { return }
    svg.open("g", ["id": "steps", "font-size": "12", "fill": "#6d4c41"])
    for step in steps {
      let x = scale.x(step.time)
      svg.element(
        "line",
        [
          "class": "step", "x1": n(x), "y1": n(scale.plot.top), "x2": n(x), "y2": n(scale.plot.bottom),
          "stroke": "#6d4c41", "stroke-width": "1.5",
        ])
      let sign = step.heightBytes >= 0 ? "+" : "−"
      svg.text(
        "step \(sign)\(ByteFormat.bytes(abs(step.heightBytes))) at \(AxisTicks.clock(step.time))",
        [
          "class": "step-label", "x": n(x + 4), "y": n(scale.plot.top + 14),
        ])
    }
    if let plateau {
      let x = scale.x(plateau.levelledAt)
      svg.element(
        "line",
        [
          "id": "levelled", "x1": n(x), "y1": n(scale.plot.top), "x2": n(x), "y2": n(scale.plot.bottom),
          "stroke": "#e65100", "stroke-width": "1.2", "stroke-dasharray": "2 4",
        ])
      svg.text(
        "held at \(ByteFormat.bytes(plateau.levelBytes)) from \(AxisTicks.clock(plateau.levelledAt))",
        [
          "x": n(x + 4), "y": n(scale.plot.top + 28), "fill": "#e65100",
        ])
    }
    svg.close("g")
  }

  /// One row under the time axis, so it never hides data.
  private func drawLegend(_ svg: inout SVGBuilder, plot: PlotArea, trend: TrendLine?) {
    var entries = drawn.map { (label: analysis.label($0.metric), color: $0.color, dashed: false) }
    if let trend {
      entries.append((label: "\(analysis.label(trend.metric)) trend (Sen slope)", color: "#d62728", dashed: true))
    }
    let y = plot.bottom + 66
    var x = plot.left
    svg.open("g", ["id": "legend", "font-size": "13", "fill": "#222222"])
    for entry in entries {
      svg.element(
        "line",
        [
          "x1": n(x), "y1": n(y - 4), "x2": n(x + 26), "y2": n(y - 4), "stroke": entry.color,
          "stroke-width": entry.dashed ? "2.5" : "2", "stroke-dasharray": entry.dashed ? "6 3" : "none",
        ])
      svg.text(entry.label, ["x": n(x + 32), "y": n(y)])
      // Roughly 7.5 px per character at 13 px, plus a gap.
      x += 32 + Double(entry.label.count) * 7.5 + 28
    }
    svg.close("g")
  }

  // MARK: - Data

  /// A path through one metric's samples. A missed sample (no RSS either) lifts the pen; a
  /// detailed metric merely not read on a tick (heap within the budget) is bridged. A lone point
  /// is drawn as a dot (a zero-length segment with round caps). Dense series are reduced to the
  /// minimum and maximum of each pixel column, which keeps every spike.
  private func path(_ metric: Metric, scale: Scale) -> String {
    var series = timeline.series(metric)
    if metric != .rss {
      let rss = timeline.series(.rss).values
      for i in series.values.indices where series.values[i].isNaN && !rss[i].isNaN {
        series.values[i] = .infinity  // not read this tick: skipped, pen stays down
      }
    }
    var d = ""
    var penDown = false
    func visit(_ time: Double, _ value: Double) {
      if value == .infinity { return }
      guard value.isFinite else {
        penDown = false
        return
      }
      d += (penDown ? "L" : "M") + n(scale.x(time)) + " " + n(scale.y(value)) + (penDown ? "" : "l0 0")
      penDown = true
    }
    let columns = Int(saturating: scale.plot.width)
    guard series.count > 3 * columns else {
      for i in 0..<series.count { visit(series.times[i], series.values[i]) }
      return d
    }
    var i = 0
    while i < series.count {
      let column = Int(saturating: scale.x(series.times[i]) - scale.plot.left)
      var j = i
      var low: Int?
      var high: Int?
      while j < series.count, Int(saturating: scale.x(series.times[j]) - scale.plot.left) == column {
        let v = series.values[j]
        if v == .infinity {
          // not read this tick
        } else if v.isFinite {
          if low.map({ v < series.values[$0] }) ?? true { low = j }
          if high.map({ v > series.values[$0] }) ?? true { high = j }
        } else if low != nil {
          break
        } else {
          visit(series.times[j], .nan)
        }
        j += 1
      }
      if let low, let high {
        for k in Set([low, high]).sorted() { visit(series.times[k], series.values[k]) }
      }
      i = max(j, i + 1)
    }
    return d
  }

  /// The Sen line of the leading metric over the segment its verdict rests on (never beyond
  /// the data), for any verdict with a rate.
  private func trendLine() -> TrendLine? {
    guard let lead = analysis.assessment.leading else { return nil }
    let result = lead.result
    guard result.slopeBytesPerSecond.isFinite, result.floorBytes.isFinite, result.window.duration > 0 else {
      return nil
    }
    let from = result.floorBytes - result.slopeBytesPerSecond * result.window.duration
    let rate =
      (result.slopeBytesPerSecond >= 0 ? "+" : "") + ByteFormat.rate(bytesPerSecond: result.slopeBytesPerSecond)
    return TrendLine(
      metric: lead.metric, fromTime: result.window.start, fromBytes: from, toTime: result.window.end,
      toBytes: result.floorBytes, label: "\(analysis.verdict.rawValue): \(lead.label) \(rate)")
  }

  /// The y range: from zero, unless the data sit so high above it that the judged change
  /// would look flat; then from a round value under the lowest sample.
  private func axisRange(high: Double, trend: TrendLine?) -> (low: Double, high: Double, step: Double) {
    var low = drawn.compactMap { timeline.series($0.metric).values.lazy.filter { !$0.isNaN }.min() }.min() ?? 0
    if let trend { low = min(low, trend.fromBytes, trend.toBytes) }
    let span = max(high - low, 1)
    if low <= 2 * span {
      let step = AxisTicks.byteStep(high: high, slots: 6)
      return (0, max((high / step).rounded(.up), 1) * step, step)
    }
    let step = AxisTicks.byteStep(high: span * 1.2, slots: 6)
    let bottom = max(((low - 0.1 * span) / step).rounded(.down) * step, 0)
    let top = max(((high + 0.05 * span) / step).rounded(.up) * step, bottom + step)
    return (bottom, top, step)
  }

  private static func color(of verdict: TrendVerdict) -> String {
    switch verdict {
    case .leak: "#c62828"
    case .plateau: "#e65100"
    case .shrinking: "#1565c0"
    case .stable: "#2e7d32"
    case .inconclusive: "#8d6e00"
    case .insufficientData: "#616161"
    }
  }

  /// Splits `text` at spaces into at most `lines` lines of about `width` characters.
  private func wrap(_ text: String, width: Int, lines: Int) -> [String] {
    var out: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
      if !line.isEmpty && line.count + 1 + word.count > width {
        out.append(line)
        line = ""
      }
      line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { out.append(line) }
    if out.count > lines {
      out = Array(out.prefix(lines))
      out[lines - 1] += " …"
    }
    return out
  }

  private func n(_ value: Double) -> String { SVGBuilder.number(value) }
}

// MARK: - Geometry

private struct PlotArea {
  var left: Double
  var top: Double
  var right: Double
  var bottom: Double
  var width: Double { right - left }
  var height: Double { bottom - top }
}

/// Maps seconds and bytes to pixels.
private struct Scale {
  var plot: PlotArea
  var start: Double
  var end: Double
  var low: Double
  var high: Double

  func x(_ time: Double) -> Double { plot.left + (time - start) / (end - start) * plot.width }
  func y(_ bytes: Double) -> Double { plot.bottom - (bytes - low) / (high - low) * plot.height }
}

private struct TrendLine {
  var metric: Metric
  var fromTime: Double
  var fromBytes: Double
  var toTime: Double
  var toBytes: Double
  var label: String
}
