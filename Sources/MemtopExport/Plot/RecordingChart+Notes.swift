extension RecordingChart {
  /// Monospace characters of the notes' 13 px font that fit the chart's width (about 7.9 px
  /// each, 20 px margins).
  var notesColumns: Int { max(Int((width - 40) / 7.9), 20) }

  /// The notes wrapped at spaces to the chart's width, continuation lines indented: a long
  /// sentence never runs past the right edge.
  package var wrappedNotes: [String] {
    notes.flatMap { Self.wrapNote($0, columns: notesColumns) }
  }

  /// Pixels the notes add under the chart.
  var notesHeight: Double { notes.isEmpty ? 0 : 12 + 17 * Double(wrappedNotes.count) }

  func drawNotes(_ svg: inout SVGBuilder, top: Double) {
    guard !notes.isEmpty else { return }
    svg.open("g", ["id": "python", "font-size": "13", "fill": "#333333", "font-family": "monospace"])
    for (i, line) in wrappedNotes.enumerated() {
      let y = SVGBuilder.number(top + 4 + 17 * Double(i))
      svg.text(line, ["x": "20", "y": y, "xml:space": "preserve"], maxLength: notesColumns)
    }
    svg.close("g")
  }

  /// `line` cut at spaces into lines of at most `columns` characters; its leading spaces are
  /// kept, and lines after the first are indented four more. A word longer than a line is cut.
  package static func wrapNote(_ line: String, columns: Int) -> [String] {
    let indent = String(line.prefix { $0 == " " })
    let words = line.dropFirst(indent.count).split(separator: " ")
    var out: [String] = []
    var current = indent
    var lead = indent
    for word in words {
      var word = Substring(word)
      while lead.count + word.count > columns, columns > lead.count + 1 {
        // A word that fits no line: cut it.
        if current != lead { out.append(current) }
        let room = columns - lead.count
        out.append(lead + word.prefix(room))
        word = word.dropFirst(room)
        lead = indent + "    "
        current = lead
      }
      if current == lead {
        current += word
      } else if current.count + 1 + word.count <= columns {
        current += " " + word
      } else {
        out.append(current)
        lead = indent + "    "
        current = lead + word
      }
    }
    if current != lead || out.isEmpty { out.append(current) }
    return out
  }
}
