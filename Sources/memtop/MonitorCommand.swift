import ArgumentParser
import MemtopSystem
import MemtopTUI

/// `memtop [monitor]`: the interactive view, and the default command.
struct MonitorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monitor",
    abstract: "Watch a process's memory live: RSS, heap and anon charts and a leak verdict (the default).",
    discussion: """
      Attach with --pid, or launch a command after `--` (run directly, never through a shell; \
      its output goes to --child-output); with neither, a table of every process (sort with M \
      or G, filter with /, enter opens one, esc comes back). Themes: --theme NAME is looked up in --themes-dir, \
      $XDG_CONFIG_HOME/memtop/themes, PREFIX/share/memtop/themes, then the built-in default, \
      light, high-contrast and monochrome; a btop .theme file also works; NO_COLOR selects \
      monochrome.

      Keys:
      """ + "\n"
        + KeyMap.helpLines(mode: .braille, includeOverview: true).map { "  \($0.keys)  \($0.help)" }.joined(
          separator: "\n")
        + "\n\nThe process table's FLAG column (and GROWTH before its first rate):\n"
        + OverviewTable.legend.map { "  \($0.flag)  \($0.meaning)" }.joined(separator: "\n")
  )

  @OptionGroup(title: "Target") var target: TargetOptions<MonitorWording>

  @OptionGroup(title: "Sampling") var sampling: SamplingOptions<MonitorWording>

  @OptionGroup(title: "Sampling") var pace: DelayOption

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Also stream every sample to this CSV file (same columns as memtop record).", valueName: "file.csv"),
    completion: .file(extensions: ["csv"]))
  var record: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "File that receives a launched command's output, kept when memtop ends (created 0600 if missing; default: a private file, 0600 in a 0700 directory under $TMPDIR or /tmp, shown in the header and removed when memtop ends).",
      valueName: "file"), completion: .file())
  var childOutput: String?

  @OptionGroup var view: ViewOptions

  @OptionGroup var limit: LimitOptions

  @OptionGroup var force: ForceOption

  @OptionGroup var pythonFlags: PythonFlags

  @Argument(
    parsing: .postTerminator, help: ArgumentHelp("Command to launch and watch (after --).", valueName: "command"))
  var command: [String] = []

  /// The sampling interval in seconds from --interval or -d.
  var seconds: Double { sampling.interval ?? pace.delay.map { $0 / 10 } ?? 1 }

  func validate() throws {
    if target.names(command: command) {
      try target.check(command: command, subcommand: "monitor")
    } else if record != nil || target.children {
      // No target: the table of every process, which has no single series to record or tree to follow.
      throw ValidationError(
        "\(record != nil ? "--record" : "--children") needs a target: --pid PID or -- COMMAND [ARGS...] (without one memtop shows every process)"
      )
    }
    if sampling.interval != nil && pace.delay != nil {
      throw ValidationError("give either --interval (seconds) or -d/--delay (tenths of a second), not both")
    }
    if let delay = pace.delay, !Validation.intervalRange.contains(delay / 10) {
      throw ValidationError(
        "--delay \(delay) is out of range; use tenths of a second from 0.1 to 36000 (e.g. -d 10 for 1 s)")
    }
    try Validation.interval(seconds)
    if record == "-" {
      throw ValidationError(
        "--record - would write CSV over the live view; give a file name (memtop record -o - writes to standard output without the view)"
      )
    }
    try pythonFlags.check(followName: target.followName)
    if pythonFlags.python && target.pid == nil && command.isEmpty {
      throw ValidationError(
        "--python needs a target: --pid PID (a running CPython) or -- python3 app.py (a program to launch)")
    }
    if childOutput != nil && target.pid != nil {
      throw ValidationError("--child-output only applies to a launched command (-- COMMAND), not to --pid")
    }
  }

  func run() throws {
    guard Syscalls.isTerminal(1) else {
      throw UserFacingError(
        message:
          "standard output is not a terminal, so the live view cannot run; to record without it use memtop record --pid PID --output FILE.csv",
        status: ExitStatus.usage)
    }
    let watched: MonitorConfiguration.Target =
      try target.pid.map { .attach(try Validation.parsePID($0)) }
      ?? target.followName.map { .follow($0) } ?? (command.isEmpty ? .overview : .launch(command))
    var config = MonitorConfiguration(
      target: watched, interval: seconds, theme: view.theme, themesDir: view.themesDir, recordPath: record,
      ascii: view.ascii,
      childOutput: childOutput)
    config.children = target.children
    config.force = force.force
    config.limitBytes = limit.memoryLimit?.bytes
    config.detailBudget = sampling.fraction
    config.maxStall = sampling.stallSecondsPerSecond
    config.detailMaxAge = sampling.detailMaxAge
    config.python = pythonFlags.options
    try runView(config)
  }
}

/// Runs the interactive view (live or replay) and passes its exit status on; a failure to
/// start it is one line.
func runView(_ config: MonitorConfiguration) throws {
  let status: Int32
  do {
    status = try MonitorApp.run(config)
  } catch {
    throw UserFacingError(message: error.message, status: error.status)
  }
  if status != 0 { throw ExitWith(status: status) }
}
