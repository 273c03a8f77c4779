import MemtopFormat

/// A theme file could not be used; the message names the file and line.
package struct ThemeError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file (or theme name) being read.
  package var file: String
  /// The 1-based line, or 0 when the whole file is at fault.
  package var line: Int
  /// What is wrong and how to fix it.
  package var reason: String

  package var description: String {
    let file = Sanitizer.terminalSafe(self.file)
    return line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)"
  }
}

/// Parses memtop's `key = value` theme files: partial overrides on top of a base theme.
///
/// ```
/// # comment
/// background = default          # the screen background
/// chart.rss = #5fd7ff bold      # FG [on BG] [bold] [dim] [underline] [reverse]
/// ```
/// Colours: `default`, an ANSI name (`red`, `bright-blue`, …), `#RRGGBB`, or `0`–`255`.
/// `monochrome = true` drops every colour and keeps the attributes.
package enum ThemeParser {
  /// Parses `text` (from `file`, for messages) over `base`.
  package static func parse(_ text: String, name: String, file: String, base: Theme) throws(ThemeError) -> Theme {
    var theme = base
    theme.name = name
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      let content = stripComment(Substring(rawLine))
      if content.isEmpty { continue }
      guard let equals = content.firstIndex(of: "=") else {
        throw ThemeError(file: file, line: lineNumber, reason: "expected 'key = value', found '\(clip(content))'")
      }
      let key = trim(content[..<equals])
      let value = trim(content[content.index(after: equals)...])
      if value.isEmpty {
        throw ThemeError(
          file: file, line: lineNumber, reason: "'\(clip(key))' has no value; give a colour such as 'cyan' or '#5fd7ff'"
        )
      }
      switch key {
      case "background":
        do throws(ParseFailure) {
          theme.background = try color(value)
        } catch {
          throw ThemeError(file: file, line: lineNumber, reason: error.message)
        }
      case "monochrome":
        guard value == "true" || value == "false" else {
          throw ThemeError(
            file: file, line: lineNumber, reason: "monochrome must be true or false, not '\(clip(value))'")
        }
        theme.monochrome = value == "true"
      default:
        guard let role = ColorRole(rawValue: key) else {
          let known = (["background", "monochrome"] + ColorRole.allCases.map(\.rawValue)).joined(separator: ", ")
          throw ThemeError(file: file, line: lineNumber, reason: "unknown key '\(clip(key))'; known keys: \(known)")
        }
        do throws(ParseFailure) {
          theme.styles[role] = try style(value)
        } catch {
          throw ThemeError(file: file, line: lineNumber, reason: "\(key): \(error.message)")
        }
      }
    }
    return theme
  }

  struct ParseFailure: Error {
    var message: String
  }

  /// Parses `FG [on BG] [attributes...]`.
  static func style(_ value: String) throws(ParseFailure) -> Style {
    var result = Style()
    let words = value.split(separator: " ").map(String.init)
    var i = 0
    var sawForeground = false
    while i < words.count {
      let word = words[i]
      switch word {
      case "bold": result.bold = true
      case "dim": result.dim = true
      case "underline": result.underline = true
      case "reverse": result.reverse = true
      case "on":
        guard i + 1 < words.count else { throw ParseFailure(message: "'on' needs a background colour after it") }
        result.background = try color(words[i + 1])
        i += 1
      default:
        guard !sawForeground else {
          throw ParseFailure(message: "unexpected '\(clip(word))'; write FG [on BG] [bold] [dim] [underline] [reverse]")
        }
        result.foreground = try color(word)
        sawForeground = true
      }
      i += 1
    }
    return result
  }

  /// Parses one colour.
  static func color(_ word: String) throws(ParseFailure) -> ThemeColor {
    if word == "default" { return .terminalDefault }
    if let index = ThemeColor.names.firstIndex(of: word) { return .indexed(UInt8(index)) }
    if word == "grey" || word == "gray" { return .indexed(8) }
    if word.hasPrefix("#"), word.count == 7, let value = UInt32(word.dropFirst(), radix: 16) {
      return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }
    if let number = Int(word), (0...255).contains(number) { return .indexed(UInt8(number)) }
    throw ParseFailure(
      message: "'\(clip(word))' is not a colour; use default, a name such as red or bright-cyan, #RRGGBB, or 0-255")
  }

  private static func stripComment(_ line: Substring) -> String {
    // '#' starts a comment unless it begins a colour word: preceded by '=' or a space and
    // followed by a hex digit (`# text` is a comment, `#5fd7ff` or a mistyped `#12345` is not).
    var result = ""
    var previous: Character = " "
    var index = line.startIndex
    while index < line.endIndex {
      let c = line[index]
      if c == "#" {
        let next = line[line.index(after: index)...].first
        let isColor = (previous == " " || previous == "=") && (next?.isHexDigit ?? false)
        if !isColor { break }
      }
      result.append(c)
      previous = c
      index = line.index(after: index)
    }
    return trim(Substring(result))
  }

  private static func trim(_ text: Substring) -> String {
    String(
      text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: {
        $0 == " " || $0 == "\t" || $0 == "\r"
      }).reversed())
  }

  private static func clip(_ text: String) -> String { Sanitizer.terminalSafe(text, maxLength: 40) }
}
