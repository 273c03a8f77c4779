import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One watch of one target: the pipeline `memtop record` and the live view share.
///
/// Given a ``WatchPlan``, it stages the plan's outputs, resolves the target (following a launcher to its program,
/// a thread to its process), owns a launched command's life (own process group, killed by the
/// kernel if memtop dies, its exit status, the whole group stopped when the watch ends), samples
/// on a drift-free schedule of an injected clock, keeps a bounded store (full resolution up to a
/// cap, then pyramids) for the main series and each member of a tree, judges them with the one
/// ``VerdictPolicy`` in its live mode (emitting ``WatchEvent/verdict(_:)`` each time, and a final
/// judgment in ``WatchSummary/verdict``), and hands every sample and verdict to its sinks (the
/// plan's CSV and Prometheus outputs, put in place once the target runs, and any added).
/// Drivers call ``tickIfDue()`` (or ``run(stopRequested:onEvent:)``) and react to the
/// ``WatchEvent``s; they render the verdict, never judge.
public final class WatchSession {
  /// The options it was started with (`children` set when a launcher's work is spread over a tree).
  public private(set) var options: WatchOptions
  /// The name followed and its lifetimes so far, when following a name.
  public var followed: (name: String, lifetimes: Int)? {
    (sampler as? FollowingSampler).map { ($0.name, $0.lifetimes) }
  }
  /// The clock it samples on.
  public let clock: any SamplerClock
  /// The monotonic time `elapsed` counts from: when the target was resolved (and launched).
  public private(set) var start: Double
  /// The bounded store of the main series (a tree's total).
  public private(set) var store: RecordingDigest
  /// The bounded store of memory by kind and the counts, fed the samples that carry them
  /// (the detailed reads' cadence).
  public private(set) var regionStore: RecordingDigest
  /// Each member of a tree ever seen, with its own bounded store.
  public private(set) var members: [MemberTrack] = []
  /// The members' readings behind the latest sample.
  public private(set) var latestMembers: [MemberSample] = []
  /// The process watched now (0 while following a name that does not run).
  public private(set) var pid: Int32 = 0
  /// The start time of the process watched, when known.
  public private(set) var startTicks: UInt64?
  /// Why the watch ended, once it has.
  public private(set) var end: RecordingEnd?
  /// Samples taken and ticks missed.
  public private(set) var samples = 0
  public private(set) var missed = 0
  /// The highest peak RSS seen, bytes.
  public private(set) var peakRSS: UInt64?
  /// The sinks every sample goes to.
  public private(set) var sinks: [any WatchSink] = []
  /// The launched command's pid, in launch mode.
  public var launchedPID: Int32? { command?.pid }
  /// The monotonic time the next sample is due.
  public private(set) var nextDue: Double
  /// The Python agents' side of the watch, with `--python`.
  public private(set) var python: PythonWatch?
  /// The latest verdict, as last emitted in ``WatchEvent/verdict(_:)``.
  public private(set) var latestVerdict: SessionVerdict?

  private var sampler: (any MemorySampling)?
  /// The plan's outputs, staged before the target was resolved.
  private var outputs: WatchOutputs?
  private var handle: ProcessHandle?
  private var command: ChildProcess?
  private var commandName = ""
  /// The command name when the main series last named its command line.
  private var lastCommandName: String?
  private var schedule: TickSchedule
  private var pendingEvents: [WatchEvent] = []
  private var lastFlush: Double
  /// A launcher whose program has not started yet, and when to stop waiting for it.
  private var pendingLauncher: (handle: ProcessHandle, deadline: Double)?
  private let notices = NoticeBox()
  private var memberIndex: [ProcessIdentity: Int] = [:]
  private var outputFailure: CSVWriteError?
  private var stoppedCommand = false
  private var finished: WatchSummary?
  /// The one verdict policy in its live mode: when to judge, and the alerts' hysteresis.
  private var livePolicy = VerdictPolicy.Live()

  /// Seconds a launcher may take to start its program before the launcher itself is watched.
  public static let launcherWait = 3.0
  /// Most members kept; past it the ended members with the fewest samples are dropped.
  public static let maxMembers = 256

  /// Stages `plan`'s outputs, resolves its target and, in launch mode, starts the command (from
  /// the main thread); once the target runs, puts the outputs in place and attaches their sinks.
  ///
  /// - Throws: ``MemtopError`` with the line to print and the status to exit with: an output
  ///   that cannot be written (before anything is launched, so no existing file is touched), no
  ///   such process, a zombie, a command that cannot be run (127) or ends before it can be
  ///   sampled (naming its log when it wrote to one).
  public init(plan: WatchPlan, clock: any SamplerClock = SystemClock()) throws(MemtopError) {
    let options = plan.options
    self.options = options
    self.clock = clock
    start = clock.monotonicSeconds()
    store = RecordingDigest(fullResolutionCapacity: options.fullResolutionCapacity)
    regionStore = RecordingDigest(
      fullResolutionCapacity: min(options.regionFullResolutionCapacity, options.fullResolutionCapacity),
      metrics: RegionAssessment.metrics)
    schedule = TickSchedule(start: start, interval: options.interval)
    nextDue = start
    lastFlush = start
    let outputs = try WatchOutputs(plan)
    self.outputs = outputs
    do {
      try resolve(plan.target)
    } catch {
      // A log that names the failure stays; the watch that failed does not remove it.
      self.outputs = nil
      throw outputs.explain(error)
    }
    do {
      try outputs.commit(to: self)
    } catch {
      finish(.stopped)
      throw error
    }
  }

  /// Resolves `target` (launching a command) and starts the schedule from now.
  private func resolve(_ target: WatchTarget) throws(MemtopError) {
    if let pythonOptions = options.python { python = try PythonWatch(options: pythonOptions) }
    switch target {
    case .pid(let requested):
      let handle = try Self.open(requested, procRoot: options.procRoot, notices: notices)
      begin(with: handle)
    case .launch(let arguments):
      try launch(arguments)
    case .follow:
      break
    }
    // Time counts from here: resolving (scanning /proc, launching) is not part of the series.
    let now = clock.monotonicSeconds()
    start = min(options.elapsedOrigin ?? now, now)
    schedule = TickSchedule(start: now, interval: options.interval)
    nextDue = now
    lastFlush = now
    initializing = false
    if let chosen { sampler = makeSampler(for: chosen) }
    if pendingLauncher != nil { pendingLauncher?.deadline = start + Self.launcherWait }
    if case .follow(let name) = target {
      let options = self.options
      let clock = self.clock
      let start = self.start
      let notices = self.notices
      sampler = FollowingSampler(name: name, procRoot: options.procRoot) { handle in
        Self.resolvedSampler(for: handle, options: options, clock: clock, start: start, notices: notices)
      }
    }
    if case .pid = target, let python {
      try preparePythonAttach(python)
    }
    pendingEvents += notices.take().map(WatchEvent.notice)
  }

  /// Settles a launcher (a pyenv shim's child is the interpreter), then checks the process
  /// and plans the agent's injection; it happens on the first tick.
  private func preparePythonAttach(_ python: PythonWatch) throws(MemtopError) {
    let giveUp = Syscalls.monotonicSeconds() + Self.launcherWait + 1
    while pendingLauncher != nil && Syscalls.monotonicSeconds() < giveUp {
      usleep(50_000)
      resolvePendingLauncher()
    }
    do {
      try python.prepareAttach(pid: pid, procRoot: options.procRoot, members: options.children)
    } catch {
      _ = python.finish()
      throw error
    }
  }

  /// The process resolution settled on before sampling starts (its sampler is made once the
  /// start time is known).
  private var chosen: ProcessHandle?
  private var initializing = true

  /// Samples `handle` (its tree with `--children`) from now on.
  private func use(_ handle: ProcessHandle) {
    if initializing {
      chosen = handle
    } else {
      sampler = makeSampler(for: handle)
    }
  }

  deinit {
    _ = python?.finish()
    // A driver that never called finish() still never leaves the command running.
    if let command, finished == nil {
      command.stopGroup(grace: 0.5)
      command.takeTerminalBack()
    }
    outputs?.childLog?.removeIfDefault()
  }

  /// The command name of the process watched (the tree's root). Untrusted text.
  public var name: String { sampler?.currentName ?? handle?.name ?? commandName }

  /// Where heap and PSS come from and how often they are read.
  public var detailCadences: DetailCadences? { sampler?.detailCadences }

  /// Why the detailed figures are unavailable, once known.
  public var detailUnavailable: ProcReadError? { sampler?.detailUnavailable }

  /// The memory limit the verdict projects against: `--limit`, else the target's cgroup's or
  /// what the machine has available.
  public var limit: MemoryLimit? {
    options.limit ?? handle?.readMemoryLimit(currentBytes: store.maximum(.rss) ?? 0)
  }

  /// The cgroup limit of the process watched, if it has one.
  public var cgroupLimit: MemoryLimit? { options.limit ?? handle?.readCgroupLimit() }

  /// Whether the samples are a tree's totals.
  public var watchesTree: Bool { options.children }

  /// Whether the process watched is stopped (state `T` or `t`: SIGSTOP, or a debugger), from
  /// its `stat` read at most every ``stoppedRereadSeconds`` (a fast interval asks every sample).
  public var isStopped: Bool {
    let now = clock.monotonicSeconds()
    if let stopped, now - stopped.readAt < Self.stoppedRereadSeconds { return stopped.value }
    let state = try? handle?.readStat().state
    let value = state == "T" || state == "t"
    stopped = (value, now)
    return value
  }
  private var stopped: (value: Bool, readAt: Double)?
  static let stoppedRereadSeconds = 0.25

  /// Adds a sink; it gets every sample from now on.
  public func add(_ sink: any WatchSink) { sinks.append(sink) }

  /// The log a launched command writes its output to, when the plan gave it one.
  public var childLog: ChildOutputLog? { outputs?.childLog }

  /// Reports a one-time warning from an output (escaped already) as ``WatchEvent/warning(_:)``,
  /// with the events of the tick that met it, or after the end of ``run(stopRequested:onEvent:)``.
  func warn(_ text: String) { outputWarnings.append(text) }
  /// The outputs' warnings not yet reported.
  private var outputWarnings: [String] = []

  /// Attaches a marker to the newest sample of every CSV sink; `holdingRow` keeps their rows
  /// back until ``relabelMarker(_:to:)`` (a label being typed reaches the marked row).
  public func markLatest(_ text: String, holdingRow: Bool = false) {
    for case let sink as CSVSink in sinks {
      sink.markLatest(text)
      if holdingRow { sink.hold = true }
    }
  }

  /// Renames the marker `old` in the rows not yet written (`new` nil: it keeps its name) and
  /// lets the rows held back for it go.
  public func relabelMarker(_ old: String, to new: String?) {
    for case let sink as CSVSink in sinks {
      if let new { sink.relabel(old, to: new) }
      sink.hold = false
    }
  }

  /// Rows the recording file holds so far (nil when there is none).
  public var recordedRows: Int? {
    sinks.lazy.compactMap { ($0 as? CSVSink)?.rows }.first
  }

  /// The verdict on everything so far: the final one once the watch has ended, else the
  /// latest judgment (judged now if there was none yet).
  public func verdict() -> SessionVerdict {
    finished?.verdict ?? latestVerdict
      ?? VerdictPolicy.judge(store, members: members, limit: limit, regions: regionStore, detail: regionDetail)
  }

  /// The limit the live verdicts project against, re-read at most every
  /// ``limitRereadSeconds`` (cgroup files and `meminfo`: a tenth of a fast sample's cost).
  private var judgedLimit: (limit: MemoryLimit?, readAt: Double)?
  static let limitRereadSeconds = 10.0

  /// Judges the stores now with the live policy, keeps the verdict and hands it to the sinks.
  private func judge() -> SessionVerdict {
    let now = clock.monotonicSeconds()
    if judgedLimit == nil || now - (judgedLimit?.readAt ?? now) >= Self.limitRereadSeconds {
      judgedLimit = (limit, now)
    }
    var verdict = livePolicy.judge(
      store, members: members, limit: judgedLimit?.limit, regions: regionStore, detail: regionDetail, now: now)
    // Python evidence joins the one verdict: a container that accounts for the growth names
    // the leak; a bounded cache filling is said, and is no leak while it fills.
    if let python { verdict = python.join(verdict, watched: pid, now: clock.monotonicSeconds()) }
    latestVerdict = verdict
    for sink in sinks { sink.take(verdict) }
    return verdict
  }

  // MARK: - Sampling

  /// Samples if the schedule says so; ends the watch once the duration is reached (after the
  /// sample due then). Returns nil when nothing was due.
  public func tickIfDue() -> [WatchEvent]? {
    guard end == nil else { return nil }
    let now = clock.monotonicSeconds()
    let reached = options.duration.map { now - start >= $0 - options.interval * 1e-3 } ?? false
    guard now >= nextDue || reached else { return nil }
    var events: [WatchEvent] = []
    if now >= nextDue {
      events = tick()
      nextDue = schedule.next(after: clock.monotonicSeconds())
      if let duration = options.duration { nextDue = min(nextDue, start + duration) }
    }
    if end == nil, let duration = options.duration,
      clock.monotonicSeconds() - start >= duration - options.interval * 1e-3
    {
      end = .durationReached
    }
    return events
  }

  /// Takes one sample now and hands it on; returns what happened.
  public func tick() -> [WatchEvent] {
    var events = pendingEvents
    pendingEvents = []
    guard end == nil else { return events }
    if pendingLauncher != nil { resolvePendingLauncher() }
    events += notices.take().map(WatchEvent.notice)
    guard let sampler else { return events }
    switch sampler.sample() {
    case .sample(let reading):
      let sample = take(reading, from: sampler)
      events.append(.sample(sample))
      sampledRSS = sample.observerFree.rss
      if livePolicy.sampleTaken(count: store.count, now: clock.monotonicSeconds()) { events.append(.verdict(judge())) }
    case .missed(let why):
      missed += 1
      events.append(.missed(why))
    case .exited(let exit):
      let termination = commandEnded(after: exit)
      end = .targetExited(exit, termination)
      if samples > 0 { events.append(.verdict(judge())) }
      events.append(.targetExited(exit, termination))
    }
    events += sampler.takeWarnings().map(WatchEvent.warning)
    events += sampler.takeNotices().map(WatchEvent.notice)
    events += notices.take().map(WatchEvent.notice)
    if let identity = (sampler as? FollowingSampler)?.identity {
      pid = identity.pid
      startTicks = identity.startTimeTicks
    }
    if let python {
      let now = clock.monotonicSeconds()
      if python.attachesMembers {
        events += python.considerMembers(latestMembers.map(\.sample.pid), now: now, procRoot: options.procRoot).map(
          WatchEvent.notice)
      }
      let notes = python.tick(now: now, elapsed: now - start, rssBytes: sampledRSS) {
        self.latestVerdict?.verdict == .leak
      }
      events += notes.map(WatchEvent.notice)
      sampledRSS = nil
    }
    events += flush(force: false)
    events += outputWarnings.map(WatchEvent.warning)
    outputWarnings = []
    return events
  }

  /// The RSS of the sample taken this tick, for the Python side.
  private var sampledRSS: UInt64?

  /// Writes the sinks' rows if a second has passed (or `force`); returns failures as events.
  @discardableResult
  public func flush(force: Bool) -> [WatchEvent] {
    let now = clock.monotonicSeconds()
    guard force || now - lastFlush >= 1 else { return [] }
    lastFlush = now
    var events: [WatchEvent] = []
    sinks.removeAll { sink in
      do throws(CSVWriteError) {
        try sink.flush()
        return false
      } catch {
        outputFailure = outputFailure ?? error
        events.append(.outputFailed(error))
        return true
      }
    }
    return events
  }

  /// Runs the watch to its end for a headless driver: samples on schedule, sleeping between
  /// ticks, until the duration, the target's exit, a stop signal or a failed output; then
  /// ends it (see ``finish(_:)``).
  public func run(stopRequested: () -> Int32?, onEvent: (WatchEvent) -> Void) -> WatchSummary {
    while end == nil {
      if let signo = stopRequested() {
        end = .signal(signo)
        break
      }
      if let events = tickIfDue() {
        for event in events {
          onEvent(event)
          if case .outputFailed = event, sinks.isEmpty { end = .stopped }
        }
        continue
      }
      // Sleep to the next tick; a signal cuts the sleep short and is handled at the loop top.
      _ = clock.sleep(untilMonotonic: nextDue)
    }
    let summary = finish(end ?? .stopped)
    // What the outputs said as they finished.
    for warning in outputWarnings { onEvent(.warning(warning)) }
    outputWarnings = []
    return summary
  }

  /// Ends the watch: finishes the sinks and stops a launched command and its whole group
  /// (after a stop signal, the command gets it too and 2 s to end on its own). Idempotent.
  @discardableResult
  public func finish(_ reason: RecordingEnd) -> WatchSummary {
    if let finished { return finished }
    let end = self.end ?? reason
    self.end = end
    if let failure = python?.finish() { outputFailure = outputFailure ?? failure }
    let verdict = judge()
    for sink in sinks {
      do {
        try sink.finish()
      } catch {
        outputFailure = outputFailure ?? error
      }
    }
    var termination: ChildTermination?
    if let command {
      switch end {
      case .targetExited(_, let ended):
        termination = ended ?? command.waitForExit(seconds: 2)
        if termination == nil {
          termination = command.stopGroup()
          stoppedCommand = true
        } else {
          // Workers it left behind in its group end with it.
          command.stopGroup(grace: 0.5)
        }
      case .signal(let signo):
        // In its own group the command did not get the terminal's Ctrl-C: pass it on.
        command.signalGroup(signo)
        termination = command.waitForExit(seconds: 2) ?? command.stopGroup()
        command.stopGroup(grace: 0.5)
        stoppedCommand = true
      case .durationReached, .stopped:
        termination = command.poll() ?? command.stopGroup()
        command.stopGroup(grace: 0.5)
        stoppedCommand = true
      }
    }
    command?.takeTerminalBack()
    outputs?.childLog?.removeIfDefault()
    let summary = WatchSummary(
      end: end, samples: samples, missed: missed + schedule.skipped, duration: store.lastElapsed ?? 0, peakRSS: peakRSS,
      digest: store, termination: termination, stoppedCommand: stoppedCommand, outputFailure: outputFailure,
      verdict: verdict)
    finished = summary
    return summary
  }

  /// How the launched command ended, if it has (reaped now), without waiting.
  public func pollCommand() -> ChildTermination? { command?.poll() }

  // MARK: - Private

  /// Files one reading (its command line, the Python agent's bytes) in the stores and the
  /// sinks; returns it as filed.
  @discardableResult
  private func take(_ reading: MemorySample, from sampler: any MemorySampling) -> MemorySample {
    var sample = reading
    sample.elapsed = MemorySample.recordedElapsed(sample.elapsed)
    // The first row of each lifetime (and the first after an exec) names the command line,
    // so a recording says what ran: `plot` titles it, `replay` and `analyze` can show it.
    let name = sampler.currentName
    if sample.pid != pid || sample.startTicks != startTicks || name != lastCommandName || samples == 0 {
      sample.command = ProcCommandLine.read(pid: sample.pid, procRoot: options.procRoot) ?? name
      lastCommandName = name
    }
    // The agents' window edges and snapshots this tick, by process: the total's row carries
    // the watched process's (a tree's: every member's), each member's row its own.
    var edges: [Int32: String] = [:]
    if let python {
      sample.observer = python.observerBytes(pid: sample.pid, wholeTree: options.children)
      edges = python.takeEdgeMarkers()
      let said = options.children ? edges.sorted { $0.key < $1.key }.map(\.value) : edges[sample.pid].map { [$0] } ?? []
      if !said.isEmpty { sample.marker = ([sample.marker].compactMap { $0 } + said).joined(separator: "; ") }
    }
    samples += 1
    // Judged without the Python agent's own bytes; written as read, with them in their column.
    store.append(sample.observerFree)
    if RegionAssessment.carriesRegions(sample) { regionStore.append(sample) }
    if let hwm = sample.peakRSS { peakRSS = max(peakRSS ?? 0, hwm) }
    pid = sample.pid
    startTicks = sample.startTicks
    latestMembers = sampler.memberSamples
    var memberRows: [MemorySample] = []
    if options.children { memberRows = trackMembers(latestMembers, edges: edges) }
    let rows = options.perProcess ? memberRows : []
    sinks.removeAll { sink in
      do throws(CSVWriteError) {
        try sink.take(sample, members: rows)
        return false
      } catch {
        outputFailure = outputFailure ?? error
        pendingEvents.append(.outputFailed(error))
        return true
      }
    }
    return sample
  }

  /// Files each member's reading in its own store; returns the rows with their command lines.
  private func trackMembers(_ readings: [MemberSample], edges: [Int32: String]) -> [MemorySample] {
    var present = Set<Int>()
    var rows: [MemorySample] = []
    for reading in readings {
      var sample = reading.sample
      sample.elapsed = MemorySample.recordedElapsed(sample.elapsed)
      let identity = ProcessIdentity(pid: sample.pid, startTimeTicks: sample.startTicks ?? 0)
      let index: Int
      if let known = memberIndex[identity] {
        index = known
      } else {
        let command = ProcCommandLine.read(pid: sample.pid, procRoot: options.procRoot) ?? reading.name
        var track = MemberTrack(identity: identity, command: command, capacity: options.memberCapacity)
        track.name = reading.name
        members.append(track)
        index = members.count - 1
        memberIndex[identity] = index
      }
      if members[index].name != reading.name {
        // It exec'd (a launcher became its program): its command line changed too.
        members[index].name = reading.name
        members[index].command = ProcCommandLine.read(pid: sample.pid, procRoot: options.procRoot) ?? reading.name
      }
      if let python { sample.observer = python.observerBytes(pid: sample.pid, wholeTree: false) }
      if let edge = edges[sample.pid] {
        sample.marker = [sample.marker, edge].compactMap { $0 }.joined(separator: "; ")
      }
      members[index].store.append(sample.observerFree)
      sample.command = members[index].command
      rows.append(sample)
      present.insert(index)
    }
    for i in members.indices where !present.contains(i) { members[i].ended = true }
    if members.count > Self.maxMembers { pruneMembers() }
    return rows
  }

  /// Drops the ended members with the fewest samples, down to ``maxMembers``.
  private func pruneMembers() {
    let ended = members.indices.filter { members[$0].ended }.sorted {
      members[$0].store.count < members[$1].store.count
    }
    let drop = Set(ended.prefix(members.count - Self.maxMembers))
    members = members.indices.filter { !drop.contains($0) }.map { members[$0] }
    memberIndex = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($0.element.identity, $0.offset) })
  }

  /// The watched process ended: how the launched command ended, when it is that command.
  private func commandEnded(after exit: ProcessExit) -> ChildTermination? {
    guard let command else { return nil }
    if exit.identity.pid == command.pid { return command.waitForExit() }
    // A program under a launcher ended: the launcher usually ends right after it.
    return command.waitForExit(seconds: 2)
  }

  private func launch(_ arguments: [String]) throws(MemtopError) {
    var outputPath: String?
    var stdoutToStderr = false
    switch outputs?.plan.launchOutput ?? .inherit {
    case .inherit: break
    case .stdoutToStderr: stdoutToStderr = true
    case .log: outputPath = outputs?.childLog?.path
    }
    let launched: ChildProcess
    do {
      launched = try ChildProcess(
        arguments: arguments, stdoutToStderr: stdoutToStderr, outputPath: outputPath,
        environment: python?.launchEnvironment ?? [:])
    } catch {
      throw MemtopError(message: error.description, status: 127)
    }
    command = launched
    python?.launched(now: clock.monotonicSeconds())
    commandName = ProcCommandLine.program(arguments[0])
    if options.launchInForeground { launched.giveTerminal() }
    let handle: ProcessHandle
    do {
      handle = try ProcessHandle(pid: launched.pid, procRoot: options.procRoot)
    } catch {
      let termination = launched.waitForExit()
      launched.stopGroup(grace: 0.5)
      launched.takeTerminalBack()
      throw MemtopError(
        message: "'\(Sanitizer.terminalSafe(arguments[0]))' \(termination) before it could be sampled",
        status: termination.shellStatus)
    }
    begin(with: handle)
  }

  /// Starts sampling `handle`, or the program it launches.
  private func begin(with handle: ProcessHandle) {
    self.handle = handle
    pid = handle.identity.pid
    startTicks = handle.identity.startTimeTicks
    guard options.followLaunchers && !options.children else {
      use(handle)
      return
    }
    if LauncherRule.names.contains(handle.name) {
      // A launcher's own helpers come and go while it starts: decide once the answer holds.
      pendingLauncher = (handle, start + Self.launcherWait)
      resolvePendingLauncher()
      return
    }
    apply(decide(handle), to: handle)
  }

  /// Kept while resolving a launcher: each look reads `stat` of new processes only.
  private lazy var launcherScanner = ProcessScanner(procRoot: options.procRoot)

  private func decide(_ handle: ProcessHandle) -> LauncherRule.Decision {
    let procRoot = options.procRoot
    return LauncherRule.decide(
      root: handle.identity, scanner: launcherScanner, rss: { LauncherRule.residentBytes($0, procRoot: procRoot) })
  }

  /// The previous answer while waiting on a launcher, and when it was first given.
  private var candidate: (decision: LauncherRule.Decision, since: Double)?
  /// Seconds an answer must hold before a launcher is followed to it.
  static let launcherSettle = 0.3

  private func resolvePendingLauncher() {
    guard let (handle, deadline) = pendingLauncher else { return }
    let now = clock.monotonicSeconds()
    let decision = decide(handle)
    switch decision {
    case .itself:
      // It exec'd its program (or is no launcher after all): watch it, through fresh files.
      pendingLauncher = nil
      let current = (try? ProcessHandle(pid: handle.identity.pid, procRoot: options.procRoot)).flatMap {
        $0.identity == handle.identity ? $0 : nil
      }
      self.handle = current ?? handle
      use(current ?? handle)
      return
    case .program, .tree:
      if let candidate, candidate.decision == decision {
        if now - candidate.since >= Self.launcherSettle {
          pendingLauncher = nil
          apply(decision, to: handle)
          return
        }
      } else {
        candidate = (decision, now)
      }
    case .wait:
      candidate = nil
    }
    guard now >= deadline else { return }
    notices.add(
      "process \(handle.identity.pid) (\(Sanitizer.terminalSafe(handle.name))) looks like a launcher but started no lasting program within \(Int(Self.launcherWait)) s: watching it itself"
    )
    pendingLauncher = nil
    use(handle)
  }

  private func apply(_ decision: LauncherRule.Decision, to handle: ProcessHandle) {
    switch Self.follow(decision, from: handle, procRoot: options.procRoot, notices: notices) {
    case .some(.process(let program)):
      self.handle = program
      pid = program.identity.pid
      startTicks = program.identity.startTimeTicks
      use(program)
    case .some(.tree):
      options.children = true
      use(handle)
    case nil:
      use(handle)
    }
  }

  private enum Followed {
    case process(ProcessHandle)
    case tree
  }

  /// Carries out a launcher decision; says so in one line.
  private static func follow(
    _ decision: LauncherRule.Decision, from handle: ProcessHandle, procRoot: String, notices: NoticeBox
  ) -> Followed? {
    let launcher = "process \(handle.identity.pid) (\(Sanitizer.terminalSafe(handle.name)))"
    switch decision {
    case .itself, .wait:
      return nil
    case .program(let identity, _):
      guard let program = try? ProcessHandle(pid: identity.pid, procRoot: procRoot), program.identity == identity else {
        return nil
      }
      let command = ProcCommandLine.read(pid: identity.pid, procRoot: procRoot) ?? program.name
      notices.add(
        "\(launcher) is a launcher: watching the program it runs, process \(identity.pid) (\(Sanitizer.terminalSafe(command, maxLength: 60)))"
      )
      return .process(program)
    case .tree:
      notices.add("\(launcher) holds almost none of its tree's memory: watching the whole tree (as with --children)")
      return .tree
    }
  }

  private func makeSampler(for handle: ProcessHandle) -> any MemorySampling {
    MemtopSampling.makeSampler(
      for: handle, tree: options.children, clock: clock, detailBudget: options.detailBudget, maxStall: options.maxStall,
      startMonotonic: start, detailMaxAge: options.detailMaxAge)
  }

  /// A followed name's sampler: a launcher found by name is followed to its program at once.
  private static func resolvedSampler(
    for handle: ProcessHandle, options: WatchOptions, clock: any SamplerClock, start: Double, notices: NoticeBox
  ) -> any MemorySampling {
    var target = handle
    var tree = options.children
    if options.followLaunchers && !options.children {
      let decision = LauncherRule.decide(
        root: handle.identity, scanner: ProcessScanner(procRoot: options.procRoot),
        rss: { LauncherRule.residentBytes($0, procRoot: options.procRoot) })
      switch follow(decision, from: handle, procRoot: options.procRoot, notices: notices) {
      case .some(.process(let program)): target = program
      case .some(.tree): tree = true
      case nil: break
      }
    }
    return MemtopSampling.makeSampler(
      for: target, tree: tree, clock: clock, detailBudget: options.detailBudget, maxStall: options.maxStall,
      startMonotonic: start, detailMaxAge: options.detailMaxAge)
  }

  /// Opens the process `requested`: a thread is mapped to its process, a zombie refused.
  private static func open(_ requested: Int32, procRoot: String, notices: NoticeBox) throws(MemtopError)
    -> ProcessHandle
  {
    var handle: ProcessHandle
    do {
      handle = try ProcessHandle(pid: requested, procRoot: procRoot)
    } catch {
      throw MemtopError(message: error.openMessage(pid: requested))
    }
    let status = try? handle.readStatus()
    // /proc/TID answers for a thread too: record the process it belongs to, and say so. (A
    // copied /proc tree may name a thread group that is not in it: then the id stands.)
    if let tgid = status?.tgid, tgid != requested, tgid > 0,
      let process = try? ProcessHandle(pid: tgid, procRoot: procRoot)
    {
      handle = process
      notices.add(
        "\(requested) is a thread of process \(tgid) (\(Sanitizer.terminalSafe(handle.name))): watching the process (memory belongs to the whole process)"
      )
    }
    if let status = try? handle.readStatus(), status.isZombie {
      throw MemtopError(
        message:
          "process \(handle.identity.pid) (\(Sanitizer.terminalSafe(handle.name))) has already exited (a zombie its parent has not reaped): there is no memory left to watch; pick a running process (ps -e)"
      )
    }
    return handle
  }
}

/// Lines gathered for the user while resolving targets, drained by the session.
final class NoticeBox {
  private var lines: [String] = []
  func add(_ line: String) { lines.append(line) }
  func take() -> [String] {
    defer { lines.removeAll() }
    return lines
  }
}

extension WatchSession {
  /// What the latest walk of the mappings named (arenas, stacks, top files, named anonymous
  /// mappings), when the sampler reports it.
  public var regionDetail: RegionDetail? { sampler?.latestRegions.map(RegionDetail.init(reading:)) }
}
