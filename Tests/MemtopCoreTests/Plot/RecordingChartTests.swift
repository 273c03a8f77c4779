import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import Testing

@testable import MemtopCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The SVG chart as a document: well-formed XML, three series, labelled axes, the verdict's
/// trend line, markers, and untrusted text that stays text.
@Suite("SVG chart")
struct RecordingChartTests {
  /// A recording of `seconds` at 0.5 s whose RSS is `rss(t)`; heap is read every fourth tick.
  static func timeline(seconds: Double = 300, markers: [Int: String] = [:], _ rss: (Double) -> Double) -> Timeline {
    var timeline = Timeline()
    var t = 0.0
    var i = 0
    var noise: UInt64 = 99
    while t <= seconds {
      noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let value = UInt64(rss(t) + Double(noise >> 44) * 8) / 4096 * 4096
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 77, rss: value, anon: value - 40_000_000)
      if i % 4 == 0 { sample.heap = value - 50_000_000 }
      sample.marker = markers[i]
      timeline.append(sample)
      t += 0.5
      i += 1
    }
    return timeline
  }

  static func chart(_ timeline: Timeline, title: String = "app.csv") -> (svg: String, document: XMLNodeCollector) {
    let analysis = RecordingAnalysis(timeline: timeline, limit: nil)
    let svg = RecordingChart(timeline: timeline, analysis: analysis, title: title).svg()
    let collector = XMLNodeCollector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    collector.parsed = parser.parse()
    return (svg, collector)
  }

  @Test("the heading names the command line the recording carries, as text; after a restart, the new one's")
  func commandInTitle() throws {
    var timeline = Self.timeline(seconds: 60) { _ in 100e6 }
    // The command column is set on a lifetime's first row; hostile text stays text.
    var first = timeline[0]
    first.command = "python3 app.py --name <b>&x</b>"
    var rebuilt = Timeline()
    rebuilt.append(first)
    for i in 1..<timeline.count { rebuilt.append(timeline[i]) }
    timeline = rebuilt
    #expect(timeline.lastCommand == "python3 app.py --name <b>&x</b>")
    let (svg, doc) = Self.chart(timeline)
    try #require(doc.parsed, "\(doc.error ?? "")")
    #expect(
      doc.texts.contains { $0.contains("PID 77") && $0.contains("python3 app.py --name <b>&x</b>") }, "\(doc.texts)")
    #expect(!svg.contains("<b>"))
    // A new lifetime without a command line of its own names none rather than the old one.
    var restarted = timeline
    restarted.append(MemorySample(timeUnix: 1_764_000_100, elapsed: 100, pid: 78, rss: 100_000_000))
    #expect(restarted.lastCommand == nil)
  }

  @Test("a process tree's recording also draws its PSS total and labels the sums as sums")
  func tree() throws {
    var timeline = Timeline()
    for i in 0...600 {
      let t = Double(i) * 0.5
      let pss = UInt64(100e6 + 200_000 * t) / 4096 * 4096
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 77, rss: pss + 30_000_000, anon: pss)
      sample.pss = pss
      sample.processes = 3
      timeline.append(sample)
    }
    let (_, doc) = Self.chart(timeline)
    #expect(doc.parsed, "not well-formed: \(doc.error ?? "")")
    let series = doc.elements.filter { $0.name == "path" && $0.attributes["class"] == "series" }
    #expect(series.contains { $0.attributes["id"] == "series-pss_bytes" })
    let texts = doc.texts
    #expect(texts.contains("summed RSS") && texts.contains("tree PSS"), "legend: \(texts)")
    let verdict = try #require(doc.elements.first { $0.attributes["id"] == "verdict" })
    #expect(verdict.text.hasPrefix("verdict: leak: tree PSS"), "\(verdict.text)")
  }

  @Test("a leak: well-formed SVG with three series, byte and time axes, and the trend line")
  func leak() throws {
    let (_, doc) = Self.chart(Self.timeline { 200e6 + 100_000 * $0 })  // 100 kB/s
    #expect(doc.parsed, "not well-formed: \(doc.error ?? "")")
    #expect(doc.root == "svg")
    let series = doc.elements.filter { $0.name == "path" && $0.attributes["class"] == "series" }
    #expect(
      Set(series.compactMap { $0.attributes["id"] }) == ["series-rss_bytes", "series-heap_bytes", "series-anon_bytes"])
    for path in series {
      // Every series draws lines, not only isolated points (heap is read one tick in four).
      #expect((path.attributes["d"] ?? "").contains("L"), "\(path.attributes["id"] ?? "")")
    }
    let texts = doc.texts
    #expect(texts.contains("RSS") && texts.contains("heap") && texts.contains("anon"))
    #expect(texts.contains("memory") && texts.contains("elapsed time (m:ss)"))
    #expect(texts.contains { $0.hasSuffix(" MiB") }, "no byte tick labels: \(texts)")
    #expect(texts.contains("0:00") && texts.contains("5:00"), "time ticks: \(texts)")
    let verdict = try #require(doc.elements.first { $0.attributes["id"] == "verdict" })
    #expect(verdict.text.hasPrefix("verdict: leak: RSS +5.7"), "\(verdict.text)")
    // The trend line rises left to right (SVG y grows downwards) over most of the recording.
    let trend = try #require(doc.elements.first { $0.attributes["id"] == "trend" })
    let y1 = try #require(Double(trend.attributes["y1"] ?? ""))
    let y2 = try #require(Double(trend.attributes["y2"] ?? ""))
    let x1 = try #require(Double(trend.attributes["x1"] ?? ""))
    let x2 = try #require(Double(trend.attributes["x2"] ?? ""))
    #expect(y2 < y1 && x2 - x1 > 400)
  }

  @Test("a flat recording: RSS stable, and a flat trend over the judged stretch only")
  func stable() throws {
    let timeline = Self.timeline { _ in 300e6 }
    let (_, doc) = Self.chart(timeline)
    #expect(doc.parsed)
    let trend = try #require(doc.elements.first { $0.attributes["id"] == "trend" })
    let y1 = try #require(Double(trend.attributes["y1"] ?? ""))
    let y2 = try #require(Double(trend.attributes["y2"] ?? ""))
    #expect(abs(y1 - y2) < 2)
    #expect(RecordingAnalysis(timeline: timeline, limit: nil).results[.rss]?.verdict == .stable)
    // Heap, read one tick in four, cannot yet rule out a slow trend: the verdict says so.
    let verdict = doc.elements.first { $0.attributes["id"] == "verdict" }?.text ?? ""
    #expect(verdict == "verdict: stable" || verdict.hasPrefix("verdict: inconclusive: heap"), "\(verdict)")
  }

  /// Plot geometry of the default chart (see `RecordingChart.svg()`): x of a time.
  static func x(_ t: Double, start: Double, end: Double) -> Double {
    92 + (t - start) / (end - start) * (1000 - 28 - 92)
  }

  static let plotShapes: [(String, Double, @Sendable (Double) -> Double)] = [
    ("a 3.6 MiB leak on a 200 MB base", 300, { 200e6 + 12_600 * $0 }),
    ("one step of 300 MB at 2:00", 300, { 100e6 + ($0 >= 120 ? 300e6 : 0) }),
    ("warm-up then flat", 300, { 100e6 + 150e6 * (1 - exp(-$0 / 30)) }),
    ("staircase of 40 MB every minute", 600, { 100e6 + 40e6 * ($0 / 60).rounded(.down) }),
    ("flat", 300, { _ in 300e6 }),
  ]

  @Test("the chart tells what analyze tells: trend over the judged stretch, steps, a readable axis", arguments: 0..<5)
  func agreesWithAnalyze(_ index: Int) throws {
    let (id, seconds, shape) = Self.plotShapes[index]
    let timeline = Self.timeline(seconds: seconds, shape)
    let analysis = RecordingAnalysis(timeline: timeline, limit: nil)
    let lead = try #require(analysis.assessment.leading)
    let (_, doc) = Self.chart(timeline)
    #expect(doc.parsed, "\(id)")
    let start = timeline.elapsed.first ?? 0
    let end = timeline.elapsed.last ?? 1
    // The heading states the verdict and sentence analyze prints.
    #expect(doc.elements.first { $0.attributes["id"] == "verdict" }?.text == analysis.verdictSummary, "\(id)")
    let said = doc.elements.filter { $0.attributes["class"] == "explanation" }.map(\.text).joined(separator: " ")
    #expect(said == lead.result.explanation, "\(id): \(said)")
    // The trend line spans the judged stretch, never beyond the data.
    let trend = try #require(doc.elements.first { $0.attributes["id"] == "trend" }, "\(id)")
    let x1 = try #require(Double(trend.attributes["x1"] ?? ""))
    let x2 = try #require(Double(trend.attributes["x2"] ?? ""))
    #expect(abs(x1 - Self.x(lead.result.window.start, start: start, end: end)) < 1, "\(id)")
    #expect(abs(x2 - Self.x(lead.result.window.end, start: start, end: end)) < 1, "\(id)")
    #expect(x2 <= Self.x(end, start: start, end: end) + 0.01, "\(id)")
    // Each step the analyzer found is drawn where it happened.
    let steps = doc.elements.filter { $0.attributes["class"] == "step" }
    #expect(steps.count == lead.result.steps.count, "\(id)")
    for (line, step) in zip(steps, lead.result.steps) {
      #expect(abs((Double(line.attributes["x1"] ?? "") ?? -1) - Self.x(step.time, start: start, end: end)) < 1)
    }
    if id.hasPrefix("one step") {
      #expect(lead.result.steps.count == 1 && abs(lead.result.steps[0].time - 120) < 10, "\(lead.result.steps)")
    }
    // The judged change is visible: a leak's trend line climbs a fifth of the plot or more,
    // and an axis that does not start at zero says so.
    let y1 = try #require(Double(trend.attributes["y1"] ?? ""))
    let y2 = try #require(Double(trend.attributes["y2"] ?? ""))
    if lead.result.verdict == .leak { #expect(y1 - y2 > 0.2 * (560 - 86 - 110), "\(id): \(y1) → \(y2)") }
    let note = doc.elements.first { $0.attributes["id"] == "axis-note" }
    let bottomLabel = doc.elements.first { $0.name == "g" && $0.attributes["id"] == "y-axis" }
    #expect(bottomLabel != nil)
    if id.hasPrefix("a 3.6 MiB leak") { #expect(note?.text.hasPrefix("axis from ") == true, "\(id)") }
    if id.hasPrefix("one step") { #expect(note == nil, "\(id): an axis from zero shows a 300 MB step well") }
  }

  @Test("markers and the title are text, never markup")
  func hostileText() throws {
    let hostile = "<script>alert(1)</script>&\"'\u{1B}[31m\u{7}"
    let (svg, doc) = Self.chart(
      Self.timeline(markers: [100: hostile, 300: "warm-up done"]) { 200e6 + 1000 * $0 }, title: hostile)
    #expect(doc.parsed, "not well-formed: \(doc.error ?? "")")
    #expect(!doc.elements.contains { $0.name == "script" })
    #expect(!svg.contains("<script"))
    #expect(!svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    let texts = doc.texts
    #expect(texts.contains("warm-up done"))
    #expect(texts.contains("<script>alert(1)</script>&\"'\\e[31m\\a"))
    let markerLines = doc.elements.filter { $0.name == "line" && $0.attributes["stroke"] == "#7b1fa2" }
    #expect(markerLines.count == 2)
  }

  @Test("a tracing window's edges are marked with their text, its snapshots as ticks on the time axis")
  func tracingWindowMarkers() throws {
    let markers = [
      20: "python tracing window opened", 40: "python tracing window snapshot", 60: "python tracing window snapshot",
      80: "python tracing window closed (budget, gave back 1.02 MiB)",
    ]
    let (svg, doc) = Self.chart(Self.timeline(markers: markers) { 200e6 + 1000 * $0 })
    #expect(doc.parsed, "not well-formed: \(doc.error ?? "")")
    let lines = doc.elements.filter { $0.name == "line" && $0.attributes["stroke"] == "#7b1fa2" }
    #expect(lines.filter { $0.attributes["class"] == "snapshot" }.count == 2)
    #expect(lines.count == 4)
    #expect(doc.texts.contains("python tracing window opened"))
    #expect(!svg.contains("window snapshot"))
  }

  @Test("the Python notes wrap to the chart's width, every word kept, continuations indented")
  func notesWrap() throws {
    let long =
      "  verdict evidence: handlers._RESPONSE_CACHE (dict, handlers.py:32) grows +240 entries/min ≈ 5.72 MiB/min; "
      + String(repeating: "and the entries keep every reply they were given ", count: 4)
    let wrapped = RecordingChart.wrapNote(long, columns: 60)
    #expect(wrapped.count > 3 && wrapped.allSatisfy { $0.count <= 60 }, "\(wrapped)")
    #expect(wrapped.dropFirst().allSatisfy { $0.hasPrefix("      ") } && wrapped[0].hasPrefix("  verdict"))
    #expect(wrapped.joined(separator: " ").split(separator: " ") == long.split(separator: " "))
    // A word longer than a line is cut, not lost.
    let path = String(repeating: "x", count: 150)
    #expect(RecordingChart.wrapNote(path, columns: 60).joined().filter { $0 == "x" }.count == 150)
    #expect(RecordingChart.wrapNote("", columns: 60) == [""])

    let timeline = Self.timeline { 200e6 + 1000 * $0 }
    var chart = RecordingChart(
      timeline: timeline, analysis: RecordingAnalysis(timeline: timeline, limit: nil), title: "app.csv")
    chart.notes = ["python (process 42):", long]
    let svg = chart.svg()
    let lines = svg.split(separator: "\n").drop { !$0.contains(#"<g id="python""#) }.dropFirst()
      .prefix { !$0.hasPrefix("</g>") }
    #expect(lines.count == chart.wrappedNotes.count && lines.count > 2, "\(lines)")
    #expect(!svg.contains("…</text>"), "a note was cut short")
  }

  @Test("a long recording is reduced to pixel columns but keeps its spikes")
  func dense() throws {
    // 200 000 samples with one 1-sample spike to 900 MB.
    var timeline = Timeline()
    for i in 0..<200_000 {
      let rss: UInt64 = i == 123_457 ? 900_000_000 : 300_000_000 + UInt64(i % 7) * 4096
      timeline.append(
        MemorySample(timeUnix: Double(i), elapsed: Double(i) * 0.1, pid: 1, rss: rss, anon: rss / 2, heap: rss / 3))
    }
    let (svg, doc) = Self.chart(timeline)
    #expect(doc.parsed)
    #expect(svg.utf8.count < 400_000, "\(svg.utf8.count) bytes")
    let rss = try #require(doc.elements.first { $0.attributes["id"] == "series-rss_bytes" }?.attributes["d"])
    let ys = rss.split(whereSeparator: { $0 == "M" || $0 == "L" }).compactMap {
      $0.split(separator: " ").last.flatMap { Double($0.split(separator: "l").first ?? "") }
    }
    let plotTop = ys.min() ?? 0
    let texts = doc.texts
    #expect(texts.contains("1 GiB") || texts.contains("1000 MiB") || texts.contains("900 MiB"), "\(texts)")
    #expect(plotTop < ys.max()! - 100, "the spike was lost")
    #expect(texts.contains("elapsed time (h:mm:ss)"))
  }

  @Test("a missed sample lifts the pen; a heap value not read that tick does not")
  func gaps() throws {
    var timeline = Timeline()
    for i in 0..<40 {
      let missed = (20..<24).contains(i)
      var sample = MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: 1)
      if !missed {
        sample.rss = 100_000_000 + UInt64(i) * 4096
        sample.anon = 50_000_000
        if i % 3 == 0 { sample.heap = 40_000_000 }
      }
      timeline.append(sample)
    }
    let (_, doc) = Self.chart(timeline)
    let d = { (id: String) in doc.elements.first { $0.attributes["id"] == id }?.attributes["d"] ?? "" }
    #expect(d("series-rss_bytes").filter { $0 == "M" }.count == 2)
    #expect(d("series-heap_bytes").filter { $0 == "M" }.count == 2)
  }

  static let mib = 1_048_576.0
  static let stepCases: [(high: Double, step: Double)] = [
    (100 * mib, 20 * mib),
    (3 * 1024 * mib, 512 * mib),
    (900, 200),
  ]

  @Test("byte ticks are whole binary units", arguments: stepCases)
  func byteSteps(_ testCase: (high: Double, step: Double)) {
    #expect(AxisTicks.byteStep(high: testCase.high, slots: 6) == testCase.step)
  }

  static let labelCases: [(value: Double, label: String)] = [
    (0, "0"), (20 * mib, "20 MiB"), (1536 * mib, "1.5 GiB"), (200, "200 B"),
  ]

  @Test("tick labels", arguments: labelCases)
  func byteLabels(_ testCase: (value: Double, label: String)) {
    #expect(AxisTicks.byteLabel(testCase.value) == testCase.label)
  }
}

/// Collects elements, attributes and text from an XML document.
final class XMLNodeCollector: NSObject, XMLParserDelegate {
  struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
  }

  var elements: [Element] = []
  var root: String?
  var parsed = false
  var error: String?
  private var open: [Int] = []

  var texts: [String] { elements.filter { $0.name == "text" || $0.name == "title" }.map(\.text) }

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    if root == nil { root = name }
    elements.append(Element(name: name, attributes: attributes))
    open.append(elements.count - 1)
  }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    open.removeLast()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if let last = open.last { elements[last].text += string }
  }

  func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
    error = "\(parseError) at line \(parser.lineNumber)"
  }
}
