import MemtopFormat
import MemtopSampling
import MemtopSystem

/// The "memory by kind" panel of a plot: one line per kind of memory under the main chart,
/// with a legend naming each kind's verdict and share of the growth. Drawn only when the
/// recording carries memory by kind.
extension RecordingChart {
  /// Colours of the kinds, in ``RegionKind`` order.
  package static let regionColors: [(kind: RegionKind, color: String)] = [
    (.brkHeap, "#2ca02c"), (.mallocArenas, "#d62728"), (.threadStacks, "#9467bd"), (.otherAnon, "#ff7f0e"),
    (.shmem, "#17becf"), (.file, "#7f7f7f"),
  ]

  /// Height of the panel in pixels (0 when the recording has no memory by kind).
  var regionPanelHeight: Double {
    Metric.regions.contains { timeline.maximum($0) != nil } ? 300 : 0
  }

  /// Draws the panel with its top edge at `top`.
  func drawRegionPanel(_ svg: inout SVGBuilder, top: Double) {
    let left = 92.0
    let right = width - 28
    let plotTop = top + 36
    let bottom = top + regionPanelHeight - 70
    let start = timeline.elapsed.first ?? 0
    let end = max(timeline.elapsed.last ?? 1, start + 1)
    let high = Double(Metric.regions.compactMap { timeline.maximum($0) }.max() ?? 1)
    let step = AxisTicks.byteStep(high: max(high, 1), slots: 4)
    let top = max((high / step).rounded(.up), 1) * step
    func x(_ t: Double) -> Double { left + (t - start) / (end - start) * (right - left) }
    func y(_ v: Double) -> Double { bottom - v / top * (bottom - plotTop) }
    let n = SVGBuilder.number

    svg.open("g", ["id": "regions", "font-size": "12", "fill": "#333333"])
    var heading = "memory by kind (resident bytes from the walk of the mappings)"
    if let growthIn = analysis.regions.growthIn { heading += "  ·  growth in \(growthIn.rawValue)" }
    svg.text(heading, ["x": "20", "y": n(plotTop - 12), "font-size": "14", "font-weight": "bold", "fill": "#222222"])
    var tick = 0.0
    while tick <= top + step / 2 {
      svg.element(
        "line",
        [
          "x1": n(left), "y1": n(y(tick)), "x2": n(right), "y2": n(y(tick)),
          "stroke": tick == 0 ? "#999999" : "#e3e3e3",
        ])
      svg.text(AxisTicks.byteLabel(tick), ["x": n(left - 8), "y": n(y(tick) + 4), "text-anchor": "end"])
      tick += step
    }
    for (metric, color) in Self.regionColors.map({ (Metric(region: $0.kind), $0.color) }) {
      let series = timeline.series(metric)
      var d = ""
      var lastColumn = -1
      for (t, v) in zip(series.times, series.values) where v.isFinite {
        // One point per pixel column keeps the path small for long recordings.
        let column = Int(saturating: x(t))
        if column == lastColumn { continue }
        d += (d.isEmpty ? "M" : "L") + n(x(t)) + " " + n(y(v))
        lastColumn = column
      }
      guard !d.isEmpty else { continue }
      svg.element(
        "path",
        [
          "class": "region", "id": "region-\(metric.csvColumn)", "d": d, "fill": "none", "stroke": color,
          "stroke-width": "1.6",
        ])
    }
    svg.element(
      "rect",
      [
        "x": n(left), "y": n(plotTop), "width": n(right - left), "height": n(bottom - plotTop), "fill": "none",
        "stroke": "#333333", "stroke-width": "1",
      ])
    // Legend: each kind with its verdict and share of the growth.
    var lx = left
    var ly = bottom + 26
    for (kind, color) in Self.regionColors {
      guard let entry = analysis.regions.entry(Metric(region: kind)) else { continue }
      var label = "\(kind.rawValue) \(entry.verdictName)"
      if let share = entry.shareOfGrowth, share > 0 { label += " \(Int(saturating: (share * 100).rounded())) %" }
      let w = 32 + Double(label.count) * 7.5 + 24
      if lx + w > right {
        lx = left
        ly += 20
      }
      svg.element(
        "line", ["x1": n(lx), "y1": n(ly - 4), "x2": n(lx + 26), "y2": n(ly - 4), "stroke": color, "stroke-width": "2"])
      svg.text(label, ["x": n(lx + 32), "y": n(ly), "font-size": "13", "fill": "#222222"])
      lx += w
    }
    svg.close("g")
  }
}
