import MemtopFormat

/// Looks at the raw arguments before ArgumentParser does, for the mistakes it reports badly.
enum ArgumentCheck {
  /// Options whose value may be a number, long name first (the short name maps to it).
  static let numericOptions: [String: String] = [
    "--interval": "--interval", "-i": "--interval", "--duration": "--duration", "-d": "--duration",
    "--budget": "--budget", "--max-stall": "--max-stall", "--pid": "--pid", "-p": "--pid",
  ]

  /// The arguments with a negative number after a numeric option joined to it
  /// (`--interval -1` → `--interval=-1`), so the option's own range check explains the
  /// problem instead of "Missing value"; throws for an option given an empty value
  /// (`--pid=`), which would otherwise take the next option as its value.
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
      if let long = numericOptions[argument], i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
        out.append(long + "=" + arguments[i + 1])
        i += 2
        continue
      }
      out.append(argument)
      i += 1
    }
    return out
  }

  /// Whether `text` reads as a negative number (`-1`, `-0.5`, `-.5`).
  static func isNegativeNumber(_ text: String) -> Bool {
    guard text.hasPrefix("-"), text.count > 1 else { return false }
    return Double(text.dropFirst()) != nil && text.dropFirst().first.map { $0.isNumber || $0 == "." } == true
  }
}
