import ArgumentParser
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopServe
import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// `memtop serve`: every process judged for leaks, headless, behind a Prometheus endpoint.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Judge every process on the host for leaks and serve the verdicts to Prometheus.",
    discussion: """
      Reads every process's RSS each --interval (one whose RSS held for ten reads, every \
      fourth) and judges it as the process table does. \
      A process is leak-suspected once its steady growth has lasted --confirm-after seconds. \
      Per-process series only for the leak-suspected processes and the fastest growing ones \
      (--top); a scrape holds at most 6 + 7 x TOP series and never more than --max-series. \
      SIGINT, SIGTERM or SIGHUP stop it.
      """
  )

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Serve Prometheus metrics at http://ADDRESS/metrics: a port (on 127.0.0.1) or HOST:PORT; port 0 picks a free one.",
      valueName: "address"))
  var metricsListen: String?

  @Flag(
    name: .long,
    help:
      "Allow --metrics-listen on an address other than loopback (the metrics name processes, users and command lines; anyone who can reach the port can read them)."
  )
  var metricsAllowRemote = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Keep this file updated with the metrics, replaced atomically (node_exporter's textfile collector).",
      valueName: "path"))
  var promTextfile: String?

  @Option(
    name: [.customShort("i"), .long],
    help: ArgumentHelp("Seconds between two reads of every process (0.01 to 3600).", valueName: "seconds"))
  var interval: Double = 1

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Processes with per-process series: the leak-suspected ones first, then the fastest growing (1 to 10000).",
      valueName: "k"))
  var top: Int = 50

  @Option(
    name: .long,
    help: ArgumentHelp("The most series in one scrape (at least 6).", valueName: "n"))
  var maxSeries: Int = 250

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Seconds a process's steady growth must last before it is leak-suspected, so warm-ups and caches that fill for minutes level off first (0 to 86400; 0: as soon as the table says LEAK).",
      valueName: "seconds"))
  var confirmAfter: Double = HostRadar.defaultConfirmSeconds

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The /proc to read, e.g. the host's mounted in a container (/host/proc; its passwd and cgroups are read beside it).",
      valueName: "dir"),
    completion: .directory)
  var procRoot: String = "/proc"

  @Option(
    name: .long,
    help: ArgumentHelp("Stop after this many seconds (default: until a signal arrives).", valueName: "seconds"))
  var duration: Double?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Keep each process's judged history in this file (written every minute and on exit, replaced atomically, mode 0600) and resume from it at start, so a restart within the same boot does not wait out --confirm-after again.",
      valueName: "path"),
    completion: .file())
  var stateFile: String?

  mutating func validate() throws {
    guard metricsListen != nil || promTextfile != nil else {
      throw ValidationError(
        "memtop serve needs somewhere to put the metrics: --metrics-listen 127.0.0.1:9464 serves them, --prom-textfile PATH writes them"
      )
    }
    try Validation.metricsListen(metricsListen, allowRemote: metricsAllowRemote)
    try Validation.interval(interval)
    guard (1...10_000).contains(top) else {
      throw ValidationError("--top \(top) is out of range; give a number of processes from 1 to 10000, e.g. --top 50")
    }
    guard maxSeries >= RadarExposition.hostSeries else {
      throw ValidationError(
        "--max-series \(maxSeries) is too small; the host gauges alone are \(RadarExposition.hostSeries) series")
    }
    guard confirmAfter.isFinite, (0...86_400).contains(confirmAfter) else {
      throw ValidationError(
        "--confirm-after \(confirmAfter) is out of range; give seconds from 0 to 86400, e.g. --confirm-after 600")
    }
    if let duration, !(duration > 0 && duration.isFinite) {
      throw ValidationError("--duration \(duration) is not a positive number of seconds; give e.g. --duration 60")
    }
    guard Syscalls.isDirectory(procRoot + "/self") || Syscalls.isDirectory(procRoot + "/1") else {
      throw ValidationError(
        "--proc-root '\(Sanitizer.terminalSafe(procRoot, maxLength: 80))' is not a proc filesystem; give /proc, or where the host's is mounted (e.g. /host/proc)"
      )
    }
  }

  func run() throws {
    StopSignals.install()
    signal(SIGPIPE, SIG_IGN)
    if let promTextfile {
      do {
        try Syscalls.writeFileAtomically(promTextfile, [])
      } catch {
        throw UserFacingError(message: RecordingMessages.cannotWrite(promTextfile, error, option: "--prom-textfile"))
      }
    }
    let board = MetricsBoard()
    // The state file is checked, and read, before the endpoint is bound.
    let radar = HostRadar(procRoot: procRoot, top: top, maxSeries: maxSeries, confirmSeconds: confirmAfter)
    let loop = RadarLoop(
      interval: interval, duration: duration, board: board, textfile: promTextfile, stateFile: stateFile)
    let start = Syscalls.monotonicSeconds()
    let resumed = try loop.resume(radar, clockOrigin: start)
    var server: MetricsServer?
    if let metricsListen {
      let bound = try MetricsServer(
        address: try ListenAddress(parsing: metricsListen, option: "--metrics-listen"), board: board,
        option: "--metrics-listen")
      bound.start { notice in printError(notice.endsServing ? notice.text + " (memtop serve goes on)" : notice.text) }
      server = bound
      printError("serving metrics on http://\(bound.boundAddress)/metrics")
    }
    defer { server?.stop() }
    if let resumed { printError(resumed) }
    loop.run(radar, clockOrigin: start, stopRequested: { StopSignals.received != nil }) { printError("warning: " + $0) }
  }
}
