import MemtopFormat

/// Makes untrusted text safe inside XML character data and attribute values.
package enum XMLText {
  /// Escapes `&`, `<`, `>`, `"` and `'`, shows control characters as visible escapes (XML 1.0
  /// cannot hold most of them at all) and drops the two non-characters U+FFFE and U+FFFF;
  /// caps the length like ``Sanitizer/terminalSafe(_:maxLength:)``.
  public static func escape(_ text: String, maxLength: Int = 256) -> String {
    var out = ""
    for scalar in Sanitizer.terminalSafe(text, maxLength: maxLength).unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\u{FFFE}", "\u{FFFF}": continue
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
