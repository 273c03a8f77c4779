import MemtopFormat

/// Looks at the raw arguments before ArgumentParser does, for the mistakes it reports badly.
enum ArgumentCheck {
  /// The arguments with a negative number after an option joined to it (`--interval -1` →
  /// `--interval=-1`, `-d -5` → `-d=-5`), so the option's own range check explains the
  /// problem instead of "Missing value"; throws for an option given an empty value
  /// (`--pid=`), which would otherwise take the next option as its value.
  ///
  /// Which options exist, and which take numbers, is the parser's business alone: every
  /// option name followed by a negative number is joined, and the parser then says what is
  /// wrong with it (no table of names here to drift from the commands).
  static func prepare(_ arguments: [String]) throws -> [String] {
    var out: [String] = []
    var i = 0
    while i < arguments.count {
      let argument = arguments[i]
      if argument == "--" {
        out += arguments[i...]
        break
      }
      if argument.hasPrefix("--"), argument.hasSuffix("="), argument.count > 3 {
        let name = Sanitizer.terminalSafe(String(argument.dropLast()), maxLength: 40)
        throw UserFacingError(
          message: "\(name)= has no value; write \(name) VALUE or \(name)=VALUE (see '\(helpCommand())')",
          status: ExitStatus.usage)
      }
      if isOptionName(argument), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
        out.append(argument + "=" + arguments[i + 1])
        i += 2
        continue
      }
      out.append(argument)
      i += 1
    }
    return out
  }

  /// Whether `text` is an option's name without a value: `--name`, or `-x` (one letter).
  static func isOptionName(_ text: String) -> Bool {
    if text.hasPrefix("--") {
      return text.count > 2 && !text.contains("=")
    }
    return text.count == 2 && text.hasPrefix("-") && text.last.map { $0.isLetter } == true
  }

  /// Whether `text` reads as a negative number (`-1`, `-0.5`, `-.5`).
  static func isNegativeNumber(_ text: String) -> Bool {
    guard text.hasPrefix("-"), text.count > 1 else { return false }
    return Double(text.dropFirst()) != nil && text.dropFirst().first.map { $0.isNumber || $0 == "." } == true
  }
}
