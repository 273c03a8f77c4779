/// Makes untrusted text (process names, command lines, file contents) safe to print.
public enum Sanitizer {
  /// Replaces control characters (C0, DEL, C1 — including ESC and BEL) with visible escapes
  /// such as `\e`, `\a`, `\n` or `\x9b`, so no byte can drive the terminal, and bidirectional
  /// and zero-width characters with `\u{202e}`-style escapes, so none can disguise the text;
  /// caps the length.
  public static func terminalSafe(_ text: String, maxLength: Int = 256) -> String {
    var out = ""
    var length = 0
    for scalar in text.unicodeScalars {
      if length >= maxLength {
        out += "…"
        break
      }
      switch scalar.value {
      case 0x1B: out += "\\e"
      case 0x07: out += "\\a"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0x00..<0x20, 0x7F, 0x80..<0xA0:
        let hex = String(scalar.value, radix: 16)
        out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
      case 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF:
        // Bidirectional controls and zero-width characters: invisible, yet they reorder or
        // hide the text around them (U+202E shows "exe.txt" as "txt.exe").
        out += "\\u{" + String(scalar.value, radix: 16) + "}"
      default:
        out.unicodeScalars.append(scalar)
      }
      length += 1
    }
    return out
  }
}
