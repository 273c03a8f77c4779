import ArgumentParser
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopServe
import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record`: sample a process headless and stream the timeline to CSV.
struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Record a process's memory to CSV without the interactive view.",
    discussion: """
      Attach with --pid, or launch a command after `--` (run directly, never through a shell). \
      Rows are streamed and flushed at least once a second; SIGINT, SIGTERM or SIGHUP end the \
      recording with every sample saved.
      """
  )

  @OptionGroup(title: "Target") var target: TargetOptions<RecordWording>

  @OptionGroup(title: "Sampling") var sampling: SamplingOptions<RecordWording>

  @OptionGroup(title: "Sampling") var stop: DurationOption

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "CSV file to write, or - for standard output (default: memtop-PID-YYYYMMDD-HHMMSS.csv here, a new name).",
      valueName: "file"),
    completion: .file(extensions: ["csv"]))
  var outputFile: String?

  /// The CSV path: --output, or the fresh name ``validate()`` chose.
  var output: String { outputFile ?? "-" }

  @OptionGroup var limit: LimitOptions

  @OptionGroup var force: ForceOption

  @OptionGroup var pythonFlags: PythonFlags

  @Flag(
    name: .long,
    help:
      "With --children, also write one row per process of the tree after each total row (the total row has the processes column set)."
  )
  var perProcess = false

  @Flag(
    name: .long,
    help:
      "After recording, exit with status 10 if the analyzer finds a leak (a launched command's failure status wins).")
  var failOnLeak = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Serve Prometheus metrics at http://ADDRESS/metrics while recording: a port (on 127.0.0.1) or HOST:PORT; port 0 picks a free one.",
      valueName: "address"))
  var metricsListen: String?

  @Flag(
    name: .long,
    help:
      "Allow --metrics-listen on an address other than loopback (the metrics name the process; anyone who can reach the port can read them)."
  )
  var metricsAllowRemote = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Keep this file updated with Prometheus metrics, replaced atomically (node_exporter's textfile collector).",
      valueName: "path"))
  var promTextfile: String?

  @Argument(
    parsing: .postTerminator, help: ArgumentHelp("Command to launch and record (after --).", valueName: "command"))
  var command: [String] = []

  /// Seconds between samples.
  var interval: Double { sampling.interval ?? RecordWording.defaultInterval }

  mutating func validate() throws {
    try target.check(command: command, subcommand: "record")
    try Validation.interval(interval)
    if let duration = stop.duration, !(duration > 0 && duration.isFinite) {
      throw ValidationError("--duration \(duration) is not a positive number of seconds; give e.g. --duration 60")
    }
    try Validation.metricsListen(metricsListen, allowRemote: metricsAllowRemote)
    if target.followName != nil && (metricsListen != nil || promTextfile != nil) {
      throw ValidationError(
        "--metrics-listen and --prom-textfile do not yet follow a service across restarts; use --pid with the current PID instead of --follow-name"
      )
    }
    try pythonFlags.check(followName: target.followName)
    if pythonFlags.python && outputFile == "-" {
      throw ValidationError(
        "--python with --output - has nowhere to put the Python data (NAME.python.jsonl); give --output NAME.csv")
    }
    if perProcess && !target.children {
      throw ValidationError(
        "--per-process needs --children (it splits a process tree's total into one row per process)")
    }
    if outputFile == nil {
      // As mprof does: a new file in the current directory, named after the target and the time.
      let stem =
        target.pid.map { "memtop-\($0.trimmingCharacters(in: " "))" }
        ?? DefaultOutput.stem(command: target.followName ?? command.first ?? "")
      outputFile = DefaultOutput.unusedName(stem + "-" + DefaultOutput.timestamp(), extension: "csv")
      // Said only when there is something to record (a missing PID is reported by run()).
      if target.pid.flatMap({ Int32($0.trimmingCharacters(in: " ")) }).map({ Syscalls.exists("/proc/\($0)") }) ?? true {
        printError("no --output given: recording to \(outputFile ?? "")")
      }
    }
  }

  func run() throws {
    StopSignals.install()
    // A reader that goes away (`| head`) is a failed write: the recording ends, its command is
    // stopped and the verdict printed, instead of memtop dying of SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    let watched: WatchTarget =
      if let followName = target.followName {
        .follow(followName)
      } else if let pid = target.pid {
        .pid(try Validation.parsePID(pid))
      } else {
        .launch(command)
      }
    var options = WatchOptions(interval: interval, duration: stop.duration)
    options.python = pythonFlags.options
    options.children = target.children
    options.perProcess = perProcess
    options.detailBudget = sampling.fraction
    options.maxStall = sampling.stallSecondsPerSecond
    options.detailMaxAge = sampling.detailMaxAge
    options.limit = limit.memoryLimit
    options.launchInForeground = true
    var plan = WatchPlan(target: watched, options: options)
    // The Python data goes beside the CSV, under the same rules (checked, staged, committed).
    plan.csv = output
    plan.replaceExisting = force.force
    plan.promTextfile = promTextfile
    plan.launchOutput = output == "-" ? .stdoutToStderr : .inherit
    let server = try startEndpoint(&plan)
    defer { server?.stop() }
    if plan.leavesOutPythonFile {
      // Nothing belongs beside /dev/null: the Python data is summed up at the end only.
      printError(
        "--python: the recording goes to \(Sanitizer.terminalSafe(output)), so no Python file is written beside it; the Python summary is printed at the end"
      )
    }
    // The session checks the outputs before anything is launched; the files are staged beside
    // their paths and moved into place once the target runs, so a failed start never touches
    // an existing file.
    let session: WatchSession
    do {
      session = try WatchSession(plan: plan)
    } catch {
      throw UserFacingError(message: error.message, status: error.status)
    }
    if let said = session.python?.announcement { printError(said) }
    try record(session)
  }

  /// Drives the session to its end, then prints how it ended and the verdict.
  private func record(_ session: WatchSession) throws {
    // A live status line on a terminal, unless the CSV itself is going to that terminal.
    var status = StatusLine(enabled: Syscalls.isTerminal(2) && (output != "-" || !Syscalls.isTerminal(1)))
    let summary = session.run(stopRequested: { StopSignals.received }) { event in
      switch event {
      case .sample(let sample):
        let shown = status.update(at: sample.elapsed) {
          RecordingMessages.status(pid: session.pid, name: session.name, sample: sample, count: session.samples)
        }
        if let shown { Syscalls.writeStandardError(shown) }
      case .notice(let text):
        Syscalls.writeStandardError(status.clear)
        printError(text)
      case .warning(let text):
        Syscalls.writeStandardError(status.clear)
        printError("warning: " + text)
      case .missed, .targetExited, .outputFailed, .verdict:
        break
      }
    }
    Syscalls.writeStandardError(status.clear)
    // The session's final judgment, which the metrics sink was handed too.
    let verdict = summary.verdict ?? session.verdict()
    RecordingMessages.closing(summary, verdict: verdict, session: session, output: output).forEach(printError)
    switch RecordingOutcome(summary, verdict: verdict, failOnLeak: failOnLeak) {
    case .outputFailed, .nothingRecorded: throw ExitWith(status: ExitStatus.failure)
    case .commandFailed(let status): throw ExitWith(status: status)
    case .leak: throw ExitWith(status: ExitStatus.leak)
    case .success: break
    }
  }

  /// Binds --metrics-listen before anything is launched and gives `plan` the board it serves;
  /// returns the endpoint.
  private func startEndpoint(_ plan: inout WatchPlan) throws -> MetricsServer? {
    guard let metricsListen else { return nil }
    let board = MetricsBoard()
    let server = try MetricsServer(
      address: try Self.listenAddress(metricsListen), board: board, option: "--metrics-listen")
    server.start { notice in
      printError(notice.endsServing ? notice.text + " (the recording goes on)" : notice.text)
    }
    printError("serving metrics on http://\(server.boundAddress)/metrics")
    plan.metricsBoard = board
    return server
  }

  /// `--metrics-listen` parsed, or the reason it is no address.
  private static func listenAddress(_ text: String) throws -> ListenAddress {
    do {
      return try ListenAddress(parsing: text, option: "--metrics-listen")
    } catch {
      throw ValidationError(error.message)
    }
  }
}
