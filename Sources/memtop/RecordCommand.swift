import ArgumentParser
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopSampling
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

  @Option(
    name: [.customShort("p"), .long], parsing: .unconditional,
    help: ArgumentHelp("Process id to attach to.", valueName: "pid"), completion: .processIDs)
  var pid: String?

  @Option(
    name: [.customShort("i"), .long],
    help: ArgumentHelp("Seconds between samples (0.01 to 3600).", valueName: "seconds"))
  var interval: Double = 0.5

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Stop after this many seconds (default: until the process exits or a signal arrives).", valueName: "seconds"))
  var duration: Double?

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "CSV file to write, or - for standard output (default: memtop-PID-YYYYMMDD-HHMMSS.csv here, a new name).",
      valueName: "file"),
    completion: .file(extensions: ["csv"]))
  var outputFile: String?

  /// The CSV path: --output, or the fresh name ``validate()`` chose.
  var output: String { outputFile ?? "-" }

  @OptionGroup var detail: DetailOptions

  @OptionGroup var limit: LimitOptions

  @OptionGroup var force: ForceOption

  @OptionGroup var pythonFlags: PythonFlags

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Follow the oldest process with this command name (or, when none has it, running a script of that name: app.py or app), and when it exits wait for it to start again: each lifetime is a new series segment (new pid and start_ticks).",
      valueName: "name"))
  var followName: String?

  @Flag(
    name: .long,
    help:
      "Follow the process and all its descendants (found every tick); the rows hold the tree's total: PSS summed correctly, RSS summed (shared pages counted once per process)."
  )
  var children = false

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

  mutating func validate() throws {
    try Validation.target(pid: pid, command: command, subcommand: "record", followName: followName)
    try Validation.interval(interval)
    if let duration, !(duration > 0 && duration.isFinite) {
      throw ValidationError("--duration \(duration) is not a positive number of seconds; give e.g. --duration 60")
    }
    try Validation.metricsListen(metricsListen, allowRemote: metricsAllowRemote)
    if followName != nil && (metricsListen != nil || promTextfile != nil) {
      throw ValidationError(
        "--metrics-listen and --prom-textfile do not yet follow a service across restarts; use --pid with the current PID instead of --follow-name"
      )
    }
    try pythonFlags.check(followName: followName)
    if pythonFlags.python && outputFile == "-" {
      throw ValidationError(
        "--python with --output - has nowhere to put the Python data (NAME.python.jsonl); give --output NAME.csv")
    }
    if perProcess && !children {
      throw ValidationError(
        "--per-process needs --children (it splits a process tree's total into one row per process)")
    }
    if outputFile == nil {
      // As mprof does: a new file in the current directory, named after the target and the time.
      let stem =
        pid.map { "memtop-\($0.trimmingCharacters(in: " "))" }
        ?? DefaultOutput.stem(command: followName ?? command.first ?? "")
      outputFile = DefaultOutput.unusedName(stem + "-" + DefaultOutput.timestamp(), extension: "csv")
      // Said only when there is something to record (a missing PID is reported by run()).
      if pid.flatMap({ Int32($0.trimmingCharacters(in: " ")) }).map({ Syscalls.exists("/proc/\($0)") }) ?? true {
        printError("no --output given: recording to \(outputFile ?? "")")
      }
    }
  }

  func run() throws {
    StopSignals.install()
    // A reader that goes away (`| head`) is a failed write: the recording ends, its command is
    // stopped and the verdict printed, instead of memtop dying of SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    let target: WatchTarget =
      if let followName { .follow(followName) } else if let pid { .pid(try Validation.parsePID(pid)) } else {
        .launch(command)
      }
    // Outputs are checked before anything is launched; the file is staged beside its path and
    // moved into place once the target runs, so a failed start never touches an existing file.
    let (server, board) = try startExport()
    defer { server?.stop() }
    let writer: CSVFileWriter
    do {
      writer = try CSVFileWriter(path: output, replaceExisting: force.force, staged: output != "-")
    } catch {
      throw UserFacingError(message: error.description)
    }
    // The Python data goes beside the CSV, under the same rules (checked, staged, committed).
    var pythonWriter: PythonJSONLWriter?
    if pythonFlags.python && !CSVFileWriter.isFilePath(output) {
      // Nothing belongs beside /dev/null: the Python data is summed up at the end only.
      printError(
        "--python: the recording goes to \(Sanitizer.terminalSafe(output)), so no Python file is written beside it; the Python summary is printed at the end"
      )
    } else if pythonFlags.python {
      do {
        pythonWriter = try PythonJSONLWriter(
          path: PythonJSONLWriter.path(besideCSV: output), replaceExisting: force.force, staged: true)
      } catch {
        throw UserFacingError(message: error.description)
      }
    }
    var options = WatchOptions(interval: interval, duration: duration)
    options.python = pythonFlags.options
    options.children = children
    options.perProcess = perProcess
    options.detailBudget = detail.fraction
    options.maxStall = detail.stallSecondsPerSecond
    options.limit = limit.memoryLimit
    options.launchOutput = output == "-" ? .stdoutToStderr : .inherit
    options.launchInForeground = true
    let session: WatchSession
    do {
      session = try WatchSession(target: target, options: options)
    } catch {
      throw UserFacingError(message: error.message, status: error.status)
    }
    if let plan = session.python?.plan { printError(plan.announcement) }
    // The Python file first: if the CSV then cannot be put in place, the empty Python file is
    // taken back, and an existing CSV is never left cut to its header.
    do {
      try pythonWriter?.commit()
      try writer.commit()
    } catch {
      pythonWriter?.withdraw()
      session.finish(.stopped)
      throw UserFacingError(message: error.description)
    }
    if let pythonWriter { session.python?.record(to: pythonWriter) }
    let csv = CSVSink(writer)
    session.add(csv)
    if board != nil || promTextfile != nil {
      session.add(
        MetricsSink(LiveMetrics(pid: session.pid, board: board, textfile: promTextfile, name: { session.name })))
    }
    try record(session, csv: csv)
  }

  /// Drives the session to its end, then prints how it ended and the verdict.
  private func record(_ session: WatchSession, csv: CSVSink) throws {
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
    if let failure = summary.outputFailure {
      printError(failure.description)
    }
    if summary.samples == 0, case .targetExited(let exit, _) = summary.end {
      printError(
        "process \(exit.identity.pid) (\(Sanitizer.terminalSafe(exit.name))) \(exit.summary) before its first sample: the file holds the header only"
      )
    } else {
      printError(
        RecordingMessages.ending(summary.end, pid: session.pid, name: session.name, duration: summary.duration))
    }
    var line = RecordingMessages.summary(summary, output: output)
    if let following = session.followed {
      line +=
        ", \(following.lifetimes) \(following.lifetimes == 1 ? "lifetime" : "lifetimes") of \(Sanitizer.terminalSafe(following.name))"
    }
    printError(line)
    printError(verdict.verdictLine)
    if let python = session.python {
      if let report = python.report(preferring: session.pid) {
        for line in report.lines(maxEach: 3) { printError("python: " + line) }
      } else if !python.greeted {
        printError("python: no agent reported; the recording has no Python data")
      }
    }
    let leakStatus = failOnLeak && verdict.verdict == .leak ? ExitStatus.leak : ExitStatus.success
    if summary.outputFailure != nil { throw ExitWith(status: ExitStatus.failure) }
    // A launched command that ended on its own passes its exit status on. If the recording
    // ended first (duration or a stop signal), memtop stopped the command itself and reports
    // the recording's own outcome instead.
    if let termination = summary.termination {
      let clean = summary.stoppedCommand ? Self.stopped(termination) : termination
      if clean != .exited(0) { throw ExitWith(status: clean.shellStatus) }
    }
    if summary.samples == 0, case .targetExited = summary.end, summary.termination == nil {
      throw ExitWith(status: ExitStatus.failure)
    }
    if leakStatus != ExitStatus.success { throw ExitWith(status: leakStatus) }
  }

  /// Checks --prom-textfile and binds --metrics-listen before any output is created; returns
  /// the endpoint and the board it serves.
  private func startExport() throws -> (MetricsServer?, MetricsBoard?) {
    if let promTextfile {
      do {
        try Syscalls.writeFileAtomically(promTextfile, [])
      } catch {
        throw UserFacingError(message: Messages.cannotWrite(promTextfile, error, option: "--prom-textfile"))
      }
    }
    guard let metricsListen else { return (nil, nil) }
    let board = MetricsBoard()
    let server = try MetricsServer(
      address: try ListenAddress(parsing: metricsListen), board: board, warn: { printError($0) })
    printError("serving metrics on http://\(server.boundAddress)/metrics")
    return (server, board)
  }

  /// A command memtop itself stopped (with the stop signal it passed on, or SIGTERM) counts
  /// as a clean end.
  private static func stopped(_ termination: ChildTermination) -> ChildTermination {
    switch termination {
    case .signaled(SIGTERM), .signaled(SIGINT), .signaled(SIGHUP), .signaled(SIGKILL): .exited(0)
    default: termination
    }
  }
}

/// Feeds the Prometheus endpoint and textfile from a watch: its samples and its verdicts.
final class MetricsSink: WatchSink {
  private let metrics: LiveMetrics

  init(_ metrics: LiveMetrics) {
    self.metrics = metrics
  }

  func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError) {
    metrics.update(sample)
  }

  func take(_ verdict: SessionVerdict) {
    metrics.take(verdict)
  }

  func flush() throws(CSVWriteError) {}

  func finish() throws(CSVWriteError) {
    metrics.finish()
  }
}
