/// The text block under the chart (and under memory by kind): the Python report of a `--python` recording.
extension RecordingChart {
  /// Pixels the notes add under the chart.
  var notesHeight: Double { notes.isEmpty ? 0 : 12 + 17 * Double(notes.count) }

  func drawNotes(_ svg: inout SVGBuilder, top: Double) {
    guard !notes.isEmpty else { return }
    svg.open("g", ["id": "python", "font-size": "13", "fill": "#333333", "font-family": "monospace"])
    for (i, line) in notes.enumerated() {
      svg.text(line, ["x": "20", "y": SVGBuilder.number(top + 4 + 17 * Double(i))], maxLength: 160)
    }
    svg.close("g")
  }
}
