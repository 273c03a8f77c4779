import ArgumentParser
import MemtopCore

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

  @Option(name: [.customShort("p"), .long], parsing: .unconditional, help: ArgumentHelp("Process id to attach to.", valueName: "pid"), completion: .processIDs)
  var pid: String?

  @Option(name: [.customShort("i"), .long], help: ArgumentHelp("Seconds between samples (0.01 to 3600).", valueName: "seconds"))
  var interval: Double = 0.5

  @Option(name: .long, help: ArgumentHelp("Stop after this many seconds (default: until the process exits or a signal arrives).", valueName: "seconds"))
  var duration: Double?

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp("CSV file to write, or - for standard output (default: memtop-PID-YYYYMMDD-HHMMSS.csv here, a new name).", valueName: "file"),
    completion: .file(extensions: ["csv"]))
  var outputFile: String?

  /// The CSV path: --output, or the fresh name ``validate()`` chose.
  var output: String { outputFile ?? "-" }

  @OptionGroup var detail: DetailOptions

  @Option(name: .long, help: ArgumentHelp("Memory limit to project against, e.g. 2G (default: the cgroup limit, else current use + MemAvailable).", valueName: "size"))
  var limit: String?

  @Option(name: .long, help: ArgumentHelp("Follow the oldest process with this command name, and when it exits wait for it to start again: each lifetime is a new series segment (new pid and start_ticks).", valueName: "name"))
  var followName: String?

  @Flag(name: .long, help: "Follow the process and all its descendants (found every tick); the rows hold the tree's total: PSS summed correctly, RSS summed (shared pages counted once per process).")
  var children = false

  @Flag(name: .long, help: "With --children, also write one row per process of the tree after each total row (the total row has the processes column set).")
  var perProcess = false

  @Flag(name: .long, help: "After recording, exit with status 10 if the analyzer finds a leak (a launched command's failure status wins).")
  var failOnLeak = false

  @Option(name: .long, help: ArgumentHelp("Serve Prometheus metrics at http://ADDRESS/metrics while recording: a port (on 127.0.0.1) or HOST:PORT; port 0 picks a free one.", valueName: "address"))
  var metricsListen: String?

  @Flag(name: .long, help: "Allow --metrics-listen on an address other than loopback (the metrics name the process; anyone who can reach the port can read them).")
  var metricsAllowRemote = false

  @Option(name: .long, help: ArgumentHelp("Keep this file updated with Prometheus metrics, replaced atomically (node_exporter's textfile collector).", valueName: "path"))
  var promTextfile: String?

  @Argument(parsing: .postTerminator, help: ArgumentHelp("Command to launch and record (after --).", valueName: "command"))
  var command: [String] = []

  mutating func validate() throws {
    try Validation.target(pid: pid, command: command, subcommand: "record", followName: followName)
    try Validation.interval(interval)
    if let duration, !(duration > 0 && duration.isFinite) {
      throw ValidationError("--duration \(duration) is not a positive number of seconds; give e.g. --duration 60")
    }
    if let limit, Validation.parseLimit(limit) == nil {
      throw ValidationError(Validation.badLimit(limit))
    }
    if let metricsListen {
      let address = try ListenAddress(parsing: metricsListen)
      if !address.isLoopback && !metricsAllowRemote {
        throw ValidationError("--metrics-listen \(address.text) is not a loopback address; the metrics would be open to the network. Use 127.0.0.1:\(address.port), or add --metrics-allow-remote if that is intended")
      }
    } else if metricsAllowRemote {
      throw ValidationError("--metrics-allow-remote only applies with --metrics-listen HOST:PORT")
    }
    if followName != nil && (metricsListen != nil || promTextfile != nil) {
      throw ValidationError("--metrics-listen and --prom-textfile do not yet follow a service across restarts; use --pid with the current PID instead of --follow-name")
    }
    if perProcess && !children {
      throw ValidationError("--per-process needs --children (it splits a process tree's total into one row per process)")
    }
    if outputFile == nil {
      // As mprof does: a new file in the current directory, named after the target and the time.
      let stem = pid.map { "memtop-\($0.trimmingCharacters(in: " "))" } ?? DefaultOutput.stem(command: followName ?? command.first ?? "")
      outputFile = DefaultOutput.unusedName(stem + "-" + DefaultOutput.timestamp(), extension: "csv")
      // Said only when there is something to record (a missing PID is reported by run()).
      if pid.flatMap({ Int32($0.trimmingCharacters(in: " ")) }).map({ Syscalls.exists("/proc/\($0)") }) ?? true {
        printError("no --output given: recording to \(outputFile ?? "")")
      }
    }
  }

  func run() throws {
    StopSignals.install()
    if let followName {
      let writer = try Self.openWriter(output)
      try recordFollowing(followName, writer: writer, clock: SystemClock())
      return
    }
    let writer: CSVFileWriter
    let handle: ProcessHandle
    var child: ChildProcess?
    var server: MetricsServer?
    var board: MetricsBoard?
    // Stopped on every way out, an output or launch that fails included.
    defer { server?.stop() }
    if let pidText = pid {
      // Check the process before creating the output: a bad PID leaves no file behind.
      let pid = try Validation.parsePID(pidText)
      do {
        handle = try ProcessHandle(pid: pid)
      } catch {
        throw UserFacingError(message: error.openMessage(pid: pid))
      }
      (server, board) = try startExport()
      writer = try Self.openWriter(output)
    } else {
      // Create the outputs first: a bad path must fail before anything is launched.
      (server, board) = try startExport()
      writer = try Self.openWriter(output)
      let launched: ChildProcess
      do {
        launched = try ChildProcess(arguments: command, stdoutToStderr: output == "-")
      } catch {
        throw UserFacingError(message: error.description, status: 127)
      }
      child = launched
      do {
        handle = try ProcessHandle(pid: launched.pid)
      } catch {
        let termination = launched.waitForExit()
        throw UserFacingError(message: "'\(Sanitizer.terminalSafe(command[0]))' \(termination) before it could be sampled", status: termination.shellStatus)
      }
    }
    try record(handle: handle, child: child, writer: writer, board: board, clock: SystemClock())
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
    let server = try MetricsServer(address: try ListenAddress(parsing: metricsListen), board: board, warn: { printError($0) })
    printError("serving metrics on http://\(server.boundAddress)/metrics")
    return (server, board)
  }

  /// Records the processes named `name` one lifetime after another, until the duration or a signal.
  private func recordFollowing(_ name: String, writer: CSVFileWriter, clock: SystemClock) throws {
    let start = clock.monotonicSeconds()
    let budget = detail.fraction
    let maxStall = detail.stallSecondsPerSecond
    let children = self.children
    let sampler = FollowingSampler(name: name) { handle in
      makeSampler(for: handle, tree: children, clock: clock, detailBudget: budget, maxStall: maxStall, startMonotonic: start)
    }
    var recorder = Recorder(interval: interval, duration: duration)
    recorder.perProcess = perProcess
    recorder.onWarning = { printError("warning: " + $0) }
    recorder.onNotice = { printError($0) }
    let summary: RecordingSummary
    do {
      summary = try recorder.run(sampler: sampler, clock: clock, writer: writer, start: start)
    } catch {
      throw UserFacingError(message: error.description)
    }
    let memoryLimit = limit.flatMap(Validation.parseLimit).map { MemoryLimit(bytes: $0, source: .user) }
    let analysis = RecordingAnalysis(digest: summary.digest, limit: memoryLimit)
    let pid = sampler.identity?.pid ?? summary.digest.pid
    printError(RecordingMessages.ending(summary.end, pid: pid, name: sampler.currentName, duration: summary.duration))
    printError(RecordingMessages.summary(summary, output: output) + ", \(sampler.lifetimes) \(sampler.lifetimes == 1 ? "lifetime" : "lifetimes") of \(Sanitizer.terminalSafe(name))")
    printError(analysis.verdictLine)
    if failOnLeak && analysis.verdict == .leak { throw ExitWith(status: ExitStatus.leak) }
  }

  private static func openWriter(_ output: String) throws -> CSVFileWriter {
    do {
      return try CSVFileWriter(path: output)
    } catch {
      throw UserFacingError(message: error.description)
    }
  }

  private func record(handle: ProcessHandle, child: ChildProcess?, writer: CSVFileWriter, board: MetricsBoard?, clock: SystemClock) throws {
    // A live status line on a terminal, unless the CSV itself is going to that terminal.
    let live = Syscalls.isTerminal(2) && (output != "-" || !Syscalls.isTerminal(1))
    var lastStatus = -Double.infinity
    let start = clock.monotonicSeconds()
    let sampler = makeSampler(
      for: handle, tree: children, clock: clock, detailBudget: detail.fraction, maxStall: detail.stallSecondsPerSecond, startMonotonic: start)
    var recorder = Recorder(interval: interval, duration: duration)
    recorder.perProcess = perProcess
    recorder.onWarning = { printError("warning: " + $0) }
    let userLimit = limit.flatMap(Validation.parseLimit).map { MemoryLimit(bytes: $0, source: .user) }
    var liveMetrics: LiveMetrics?
    if board != nil || promTextfile != nil {
      let metrics = LiveMetrics(
        pid: handle.identity.pid, board: board, textfile: promTextfile, name: { sampler.currentName },
        limit: { userLimit ?? handle.readMemoryLimit(currentBytes: $0.maximum(.rss) ?? 0) })
      recorder.onDigest = { metrics.update($0, digest: $1) }
      liveMetrics = metrics
    }
    if live {
      recorder.onSample = { sample, count in
        guard sample.elapsed - lastStatus >= 0.25 else { return }
        lastStatus = sample.elapsed
        let line = RecordingMessages.status(pid: handle.identity.pid, name: sampler.currentName, sample: sample, count: count)
        Syscalls.writeStandardError("\r\u{1B}[K" + line)
      }
    }
    let summary: RecordingSummary
    do {
      summary = try recorder.run(sampler: sampler, clock: clock, writer: writer, child: child, start: start)
    } catch {
      if live { Syscalls.writeStandardError("\r\u{1B}[K") }
      child?.signal(SIGTERM)
      throw UserFacingError(message: error.description)
    }
    if live { Syscalls.writeStandardError("\r\u{1B}[K") }
    let memoryLimit = userLimit ?? handle.readMemoryLimit(currentBytes: summary.digest.maximum(.rss) ?? 0)
    let analysis = RecordingAnalysis(digest: summary.digest, limit: memoryLimit)
    liveMetrics?.finish(analysis)
    printError(RecordingMessages.ending(summary.end, pid: handle.identity.pid, name: sampler.currentName, duration: summary.duration))
    printError(RecordingMessages.summary(summary, output: output))
    printError(analysis.verdictLine)
    let leakStatus = failOnLeak && analysis.verdict == .leak ? ExitStatus.leak : ExitStatus.success

    guard let child else {
      if leakStatus != ExitStatus.success { throw ExitWith(status: leakStatus) }
      return
    }
    // A launched command that ended on its own: pass its exit status on. If the recording
    // ended first (duration or a stop signal), memtop stops the command itself and reports
    // the recording's own outcome instead.
    let termination: ChildTermination
    switch summary.end {
    case .targetExited:
      termination = child.waitForExit()
    case .durationReached:
      child.signal(SIGTERM)
      termination = Self.stopped(child.waitForExit())
    case .signal:
      // A terminal's Ctrl-C reaches the command too: give it a moment to stop on its own.
      termination = Self.stop(child)
    }
    if termination != .exited(0) {
      throw ExitWith(status: termination.shellStatus)
    }
    if leakStatus != ExitStatus.success { throw ExitWith(status: leakStatus) }
  }

  /// A command memtop itself terminated with SIGTERM counts as a clean end.
  private static func stopped(_ termination: ChildTermination) -> ChildTermination {
    termination == .signaled(SIGTERM) ? .exited(0) : termination
  }

  private static func stop(_ child: ChildProcess) -> ChildTermination {
    for _ in 0..<20 {
      if let done = child.poll() { return done }
      usleep(100_000)
    }
    child.signal(SIGTERM)
    return stopped(child.waitForExit())
  }
}
