/// Reads btop `.theme` files as they are and maps btop's keys onto memtop's roles.
///
/// btop lines look like `theme[main_fg]="#cc241d"`; values are `#RRGGBB`, `#GG` (a grey),
/// `"R G B"` in decimal, or empty for the terminal default. Unknown keys are ignored, as btop
/// itself does; a value that is not a colour is an error with file and line.
package enum BtopTheme {
  /// Whether `text` is in btop's format (its first setting starts with `theme[`).
  package static func looksLikeBtop(_ text: String) -> Bool {
    for line in text.split(separator: "\n") {
      let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      return trimmed.hasPrefix("theme[")
    }
    return false
  }

  /// Which memtop roles take their foreground from which btop key.
  static let foregrounds: [(btop: String, roles: [ColorRole])] = [
    ("main_fg", [.text, .header, .help]),
    ("inactive_fg", [.dim, .verdictPending, .chartGap]),
    ("title", [.title]),
    ("div_line", [.border]),
    ("graph_text", [.axis]),
    ("hi_fg", [.statusKey, .marker, .headerAlert]),
    ("used_end", [.chartRSS]),
    ("cached_end", [.chartHeap]),
    ("free_end", [.chartAnon]),
    ("temp_end", [.verdictLeak]),
    ("temp_mid", [.verdictGrowth]),
    ("temp_start", [.verdictOK]),
    ("selected_fg", [.status, .message]),
  ]

  /// Parses a btop theme over `base`.
  package static func parse(_ text: String, name: String, file: String, base: Theme) throws(ThemeError) -> Theme {
    var values: [String: ThemeColor] = [:]
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      let line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
      guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]") else { continue }
      let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
      var rest = line[line.index(after: close)...].drop(while: { $0 == " " })
      guard rest.first == "=" else {
        throw ThemeError(file: file, line: lineNumber, reason: "expected theme[\(key)]=\"value\"")
      }
      rest = rest.dropFirst().drop(while: { $0 == " " })
      let raw = String(rest).trimmingCharacters(in: "\"").trimmingCharacters(in: "\r")
      guard let color = color(raw) else {
        throw ThemeError(
          file: file, line: lineNumber,
          reason: "theme[\(key)]: '\(raw.prefix(40))' is not a btop colour; use \"#RRGGBB\", \"#GG\", \"R G B\" or \"\""
        )
      }
      values[key] = color
    }
    var theme = base
    theme.name = name
    theme.monochrome = false
    if let background = values["main_bg"] { theme.background = background }
    for (key, roles) in foregrounds {
      guard let color = values[key] else { continue }
      for role in roles {
        var style = theme.styles[role] ?? Style()
        style.foreground = color
        theme.styles[role] = style
      }
    }
    if let selected = values["selected_bg"] {
      for role in [ColorRole.status, .statusKey, .message] {
        var style = theme.styles[role] ?? Style()
        style.background = selected
        theme.styles[role] = style
      }
    }
    if let meter = values["meter_bg"] {
      var style = theme.styles[.help] ?? Style()
      style.background = meter
      theme.styles[.help] = style
    }
    return theme
  }

  /// One btop colour value, or nil when malformed.
  static func color(_ raw: String) -> ThemeColor? {
    if raw.isEmpty { return .terminalDefault }
    if raw.hasPrefix("#") {
      let hex = raw.dropFirst()
      guard let value = UInt32(hex, radix: 16) else { return nil }
      if hex.count == 2 { return .rgb(UInt8(value), UInt8(value), UInt8(value)) }
      if hex.count == 6 { return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)) }
      return nil
    }
    let parts = raw.split(separator: " ").compactMap { UInt8($0) }
    return parts.count == 3 && raw.split(separator: " ").count == 3 ? .rgb(parts[0], parts[1], parts[2]) : nil
  }
}

extension String {
  /// The string without leading and trailing `character`s.
  func trimmingCharacters(in character: Character) -> String {
    var s = Substring(self)
    while s.first == character { s.removeFirst() }
    while s.last == character { s.removeLast() }
    return String(s)
  }
}
