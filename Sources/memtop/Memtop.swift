import ArgumentParser
import MemtopCore
import MemtopFormat
import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// The `memtop` command line: the root command and its subcommands.
struct Memtop: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memtop",
    abstract: "Watch a Linux process's memory over time and tell whether it is leaking.",
    usage: """
      memtop --pid PID              watch a running process live (-p PID, as in top and htop)
        memtop -- COMMAND [ARGS...]   launch a command and watch it live
        memtop                        a table of every process (enter opens one)
        memtop record --pid PID       record to CSV without the view (also -- COMMAND)
        memtop serve                  every process judged for leaks, served to Prometheus
        memtop <subcommand> --help    analyze, plot, replay and the options of each
      """,
    discussion: """
      memtop samples /proc/PID/status every tick and, within a CPU budget, the heap (by the \
      PROCMAP_QUERY and PAGEMAP_SCAN ioctls where the kernel has them, else smaps) and \
      smaps_rollup, and records RSS, heap, anonymous memory, PSS and more as a CSV timeline.
      """,
    version: MemtopVersion.current,
    subcommands: [
      MonitorCommand.self, RecordCommand.self, ServeCommand.self, AnalyzeCommand.self, ReplayCommand.self,
      PlotCommand.self,
    ],
    defaultSubcommand: MonitorCommand.self
  )
}

/// Exit statuses, documented in memtop(1).
enum ExitStatus {
  /// Success.
  static let success: Int32 = 0
  /// A runtime error: no such process, unwritable output, malformed input.
  static let failure: Int32 = 1
  /// `--fail-on-leak` and the analyzer found a leak.
  static let leak: Int32 = 10
  /// Bad arguments.
  static let usage: Int32 = 64
}

/// A runtime failure that has already been phrased for the user (the core's one error type).
typealias UserFacingError = MemtopError

/// Exits with `status` after the caller has printed what it had to say.
struct ExitWith: Error {
  var status: Int32
}

@main
enum Main {
  static func main() {
    if let script = ShellCompletion.script(for: Array(CommandLine.arguments.dropFirst())) {
      print(script, terminator: "")
      return
    }
    AllocatorTuning.returnLargeBuffersToTheSystem()
    do {
      var command = try Memtop.parseAsRoot(ArgumentCheck.prepare(Array(CommandLine.arguments.dropFirst())))
      try command.run()
    } catch let error as UserFacingError {
      printError(error.message)
      exit(error.status)
    } catch let error as ExitWith {
      exit(error.status)
    } catch {
      let code = Memtop.exitCode(for: error)
      if code == .success {
        // --help, --version and friends.
        Memtop.exit(withError: error)
      }
      // One line: what is wrong and where to look, instead of the full usage dump.
      // The message quotes the arguments as given: escape them so none can drive the terminal.
      let raw = Memtop.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
      let message = Sanitizer.terminalSafe(raw, maxLength: 400)
      printError("\(message) (see '\(helpCommand())')")
      exit(code == .validationFailure ? ExitStatus.usage : code.rawValue)
    }
  }
}

/// The help command for the subcommand named on the command line, e.g. `memtop record --help`.
func helpCommand() -> String {
  let names = Memtop.configuration.subcommands.map { $0.configuration.commandName ?? "" }
  if CommandLine.arguments.count > 1, names.contains(CommandLine.arguments[1]) {
    return "memtop \(CommandLine.arguments[1]) --help"
  }
  return "memtop --help"
}

/// Prints `memtop: MESSAGE` on standard error.
func printError(_ message: String) {
  var line = "memtop: " + message
  if !line.hasSuffix("\n") { line += "\n" }
  Syscalls.writeStandardError(line)
}

enum MemtopVersion {
  static let current = "0.1.0"
}
