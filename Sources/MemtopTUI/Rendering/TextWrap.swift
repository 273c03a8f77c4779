/// Word wrapping for text drawn in cells.
package enum TextWrap {
  /// `text`'s words wrapped to `width` columns; a word longer than a line is cut across lines.
  /// Text that fits is kept as it is (its spacing too).
  package static func lines(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    if text.count <= width && !text.isEmpty { return [text] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
      var word = Substring(word)
      if !line.isEmpty && line.count + 1 + word.count <= width {
        line += " " + word
        continue
      }
      if !line.isEmpty { lines.append(line) }
      while word.count > width {
        lines.append(String(word.prefix(width)))
        word = word.dropFirst(width)
      }
      line = String(word)
    }
    if !line.isEmpty { lines.append(line) }
    return lines
  }

  /// `text` wrapped to `width` columns, its continuation lines indented like its first
  /// (a list item's two spaces) plus `hang` more.
  package static func hanging(_ text: String, width: Int, hang: Int = 2) -> [String] {
    if text.count <= width { return [text] }
    let indent = String(text.prefix { $0 == " " })
    let words = text.dropFirst(indent.count).split(separator: " ")
    let room = width - indent.count
    guard room > hang, let head = words.first, head.count <= room else {
      return lines(text, width: width)
    }
    var first = String(head)
    var rest = words.dropFirst()
    while let word = rest.first, first.count + 1 + word.count <= room {
      first += " " + word
      rest = rest.dropFirst()
    }
    let more = lines(rest.joined(separator: " "), width: room - hang)
    return [indent + first] + more.map { indent + String(repeating: " ", count: hang) + $0 }
  }
}
