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

  @Option(name: [.customShort("p"), .long], parsing: .unconditional, help: ArgumentHelp("Process id to attach to.", valueName: "pid"))
  var pid: String?

  @Option(name: [.customShort("i"), .long], help: ArgumentHelp("Seconds between samples (0.01 to 3600).", valueName: "seconds"))
  var interval: Double = 0.5

  @Option(name: .long, help: ArgumentHelp("Stop after this many seconds (default: until the process exits or a signal arrives).", valueName: "seconds"))
  var duration: Double?

  @Option(name: [.customShort("o"), .long], help: ArgumentHelp("CSV file to write, or - for standard output.", valueName: "file"))
  var output: String

  @Option(name: .long, help: ArgumentHelp("Percent of one core the detailed smaps reads (heap, PSS, USS) may use; 0 turns them off.", valueName: "percent"))
  var budget: Double = 1

  @Option(name: .long, help: ArgumentHelp("Memory limit to project against, e.g. 2G (default: the cgroup limit, else current use + MemAvailable).", valueName: "size"))
  var limit: String?

  @Flag(name: .long, help: "After recording, exit with status 10 if the analyzer finds a leak (a launched command's failure status wins).")
  var failOnLeak = false

  @Argument(parsing: .postTerminator, help: ArgumentHelp("Command to launch and record (after --).", valueName: "command"))
  var command: [String] = []

  func validate() throws {
    try Validation.target(pid: pid, command: command, subcommand: "record")
    try Validation.interval(interval)
    if let duration, !(duration > 0 && duration.isFinite) {
      throw ValidationError("--duration \(duration) is not a positive number of seconds; give e.g. --duration 60")
    }
    if let limit, Validation.parseLimit(limit) == nil {
      throw ValidationError(Validation.badLimit(limit))
    }
    if !(budget >= 0 && budget <= 100) {
      throw ValidationError("--budget \(budget) is out of range; use a percentage from 0 to 100 (0 turns detailed reads off)")
    }
  }

  func run() throws {
    StopSignals.install()
    let writer: CSVFileWriter
    let handle: ProcessHandle
    var child: ChildProcess?
    if let pidText = pid {
      // Check the process before creating the output: a bad PID leaves no file behind.
      let pid = try Validation.parsePID(pidText)
      do {
        handle = try ProcessHandle(pid: pid)
      } catch {
        throw UserFacingError(message: error.openMessage(pid: pid))
      }
      writer = try Self.openWriter(output)
    } else {
      // Create the output first: a bad path must fail before anything is launched.
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
    try record(handle: handle, child: child, writer: writer, clock: SystemClock())
  }

  private static func openWriter(_ output: String) throws -> CSVFileWriter {
    do {
      return try CSVFileWriter(path: output)
    } catch {
      throw UserFacingError(message: error.description)
    }
  }

  private func record(handle: ProcessHandle, child: ChildProcess?, writer: CSVFileWriter, clock: SystemClock) throws {
    // A live status line on a terminal, unless the CSV itself is going to that terminal.
    let live = Syscalls.isTerminal(2) && (output != "-" || !Syscalls.isTerminal(1))
    var lastStatus = -Double.infinity
    let start = clock.monotonicSeconds()
    let sampler = Sampler(handle: handle, clock: clock, detailBudget: budget / 100, startMonotonic: start)
    var recorder = Recorder(interval: interval, duration: duration)
    recorder.onWarning = { printError("warning: " + $0) }
    // A file can be read back for the verdict, so memory stays flat over hours of recording.
    recorder.keepsTimeline = !RecordingFile.isRegular(output)
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
    let timeline = recorder.keepsTimeline ? summary.timeline : Timeline(try RecordingFile.load(output))
    let memoryLimit = limit.flatMap(Validation.parseLimit).map { MemoryLimit(bytes: $0, source: .user) }
      ?? handle.readMemoryLimit(currentBytes: timeline.maximum(.rss) ?? 0)
    let analysis = RecordingAnalysis(timeline: timeline, limit: memoryLimit)
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
