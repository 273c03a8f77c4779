import ArgumentParser
import MemtopFormat
import MemtopServe
import MemtopSystem

/// Argument checks shared by the subcommands; each error names the bad value and the fix.
enum Validation {
  static let intervalRange = 0.01...3600.0

  static func interval(_ value: Double) throws {
    guard intervalRange.contains(value) else {
      throw ValidationError("--interval \(value) is out of range; use a value from 0.01 to 3600 seconds")
    }
  }

  static func budget(_ percent: Double) throws {
    guard percent >= 0 && percent <= 100 else {
      throw ValidationError(
        "--budget \(percent) is out of range; use a percentage from 0 to 100 (0 turns detailed reads off)")
    }
  }

  static func maxStall(_ milliseconds: Double) throws {
    guard milliseconds >= 0 && milliseconds <= 1000 else {
      throw ValidationError(
        "--max-stall \(milliseconds) is out of range; use milliseconds per second from 0 to 1000 (0 removes the cap)")
    }
  }

  static func detailMaxAge(_ seconds: Double) throws {
    guard seconds >= 0 && seconds <= 86_400 else {
      throw ValidationError(
        "--detail-max-age \(seconds) is out of range; use seconds from 0 to 86400 (0 reads as often as the budget allows)"
      )
    }
  }

  /// `--metrics-listen` (a loopback address unless `allowRemote`) and `--metrics-allow-remote`
  /// (only with it), as `record` and `serve` take them.
  static func metricsListen(_ text: String?, allowRemote: Bool) throws {
    if let text {
      let address: ListenAddress
      do {
        address = try ListenAddress(parsing: text, option: "--metrics-listen")
      } catch {
        throw ValidationError(error.message)
      }
      if !address.isLoopback && !allowRemote {
        throw ValidationError(
          "--metrics-listen \(address.text) is not a loopback address; the metrics would be open to the network. Use 127.0.0.1:\(address.port), or add --metrics-allow-remote if that is intended"
        )
      }
    } else if allowRemote {
      throw ValidationError("--metrics-allow-remote only applies with --metrics-listen HOST:PORT")
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
      throw ValidationError(
        "invalid PID '\(Sanitizer.terminalSafe(text, maxLength: 40))'; give a positive process id such as --pid 1234 (find one with pgrep NAME)"
      )
    }
    return pid
  }

  static func target(pid: String?, command: [String], subcommand: String, followName: String? = nil) throws {
    if let followName {
      if pid != nil || !command.isEmpty {
        throw ValidationError("give one target: --follow-name, --pid or a command after --, not several")
      }
      if followName.isEmpty || followName.contains("/") {
        throw ValidationError(
          "--follow-name '\(Sanitizer.terminalSafe(followName, maxLength: 40))' is not a command name; give the name ps -o comm shows, e.g. --follow-name gunicorn"
        )
      }
      return
    }
    if let pid {
      _ = try parsePID(pid)
      if !command.isEmpty {
        throw ValidationError("give either --pid or a command after --, not both")
      }
    } else if command.isEmpty {
      throw ValidationError(
        "memtop \(subcommand) needs a target: --pid PID attaches to a running process, -- COMMAND [ARGS...] launches one"
      )
    } else if let program = command.first, program.contains("/"), Syscalls.isDirectory(program) {
      throw ValidationError(
        "'\(Sanitizer.terminalSafe(program, maxLength: 80))' is a directory, not a program; give the program to launch after --, e.g. -- \(Sanitizer.terminalSafe(program, maxLength: 80))/myapp"
      )
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
