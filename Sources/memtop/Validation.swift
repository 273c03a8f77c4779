import ArgumentParser
import MemtopCore

/// Argument checks shared by the subcommands; each error names the bad value and the fix.
enum Validation {
  static let intervalRange = 0.01...3600.0

  static func interval(_ value: Double) throws {
    guard intervalRange.contains(value) else {
      throw ValidationError("--interval \(value) is out of range; use a value from 0.01 to 3600 seconds")
    }
  }

  static func parseLimit(_ text: String) -> UInt64? {
    ByteFormat.parseSize(text).flatMap { $0 > 0 ? $0 : nil }
  }

  static func badLimit(_ text: String) -> String {
    "--limit '\(Sanitizer.terminalSafe(text, maxLength: 40))' is not a size; give bytes with an optional K, M, G or T suffix, e.g. --limit 2G"
  }

  static func parsePID(_ text: String) throws -> Int32 {
    guard let pid = Int32(text.trimmingCharacters(in: " ")), pid > 0 else {
      throw ValidationError("invalid PID '\(Sanitizer.terminalSafe(text, maxLength: 40))'; give a positive process id such as --pid 1234 (find one with pgrep NAME)")
    }
    return pid
  }

  static func target(pid: String?, command: [String], subcommand: String) throws {
    if let pid {
      _ = try parsePID(pid)
      if !command.isEmpty {
        throw ValidationError("give either --pid or a command after --, not both")
      }
    } else if command.isEmpty {
      throw ValidationError("memtop \(subcommand) needs a target: --pid PID attaches to a running process, -- COMMAND [ARGS...] launches one")
    }
  }
}

extension String {
  func trimmingCharacters(in set: Character) -> String {
    var s = Substring(self)
    while s.first == set { s.removeFirst() }
    while s.last == set { s.removeLast() }
    return String(s)
  }
}
