import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopSystem

/// What `--python` asks of a watch.
public struct PythonOptions: Sendable {
  /// The agent's files (name, text): `BundledAgent.files`.
  public var files: [(name: String, text: String)]
  /// Start the tracing window as soon as an agent says hello (`--trace-lines`), rather than
  /// when the verdict first says leak.
  public var traceLines = false
  /// `$XDG_RUNTIME_DIR`, where the private directory goes (else `/tmp`).
  public var runtimeDirectory: String?

  public init(files: [(name: String, text: String)], traceLines: Bool = false, runtimeDirectory: String? = nil) {
    self.files = files
    self.traceLines = traceLines
    self.runtimeDirectory = runtimeDirectory
  }
}

/// The Python side of a watch session: the agent link, what the agents said (a bounded
/// history and, with `record`, the `NAME.python.jsonl` file), the injection into a running
/// interpreter, and when to start tracing lines. Driven by the session's tick; never blocks it.
public final class PythonWatch {
  /// The socket and private directory.
  public let link: PythonAgentLink
  /// What the agents said so far.
  public private(set) var history = PythonHistory()
  /// The watch's RSS over time (for Python's share of its growth).
  public private(set) var rss = BoundedSeries()
  /// The injection planned, for `--pid P --python`.
  public private(set) var plan: PythonAttachPlan?
  /// Whether the members of the watched tree get an agent too (`--pid P --children --python`).
  package private(set) var attachesMembers = false
  /// Watch seconds when the tracing window was asked for.
  package private(set) var tracingSince: Double?
  /// Whether an agent has said hello.
  public private(set) var greeted = false
  private let options: PythonOptions
  private var writer: PythonJSONLWriter?
  private var writeFailure: CSVWriteError?
  private var injector: (plan: PythonAttachPlan, process: ChildProcess, log: String, deadline: Double)?
  /// Injections still to run: the watched process first, then members of its tree.
  private var injections: [PythonAttachPlan] = []
  /// Members of the tree looked at for an injection (each once), and when each was first seen.
  private var consideredMembers: Set<Int32> = []
  private var memberFirstSeen: [Int32: Double] = [:]
  /// Members injected into, and refusals said, so far.
  private var memberInjections = 0
  private var memberRefusalsSaid = 0
  /// Whether the injector ran past its deadline (said once; it is left to finish).
  private var injectorOverdue = false
  /// Seconds ``finish()`` waits for an injector still running before it stops it.
  static let injectorLastWait = 15.0
  private var helloDeadline: Double?
  private var lastLeakCheck = -Double.infinity
  /// The verdict at the last check: a window opens when it turns to leak.
  private var wasLeak = false
  /// Tracing windows' edges not yet marked on a row, with the process whose agent said them.
  private var edgeMarkers: [(pid: Int32, text: String)] = []
  private var finished = false
  private var saidLinkNotes = false
  /// Agents that said they already report to another memtop.
  private var busy: Set<Int32> = []

  /// Seconds to wait for an agent's hello before saying why it may not come.
  package static let helloWait = 10.0
  /// The tracing window: seconds, and snapshots taken in it.
  package static let traceSeconds = 60
  package static let traceSnapshots = 12

  /// Makes the private directory and listens.
  public init(options: PythonOptions) throws(MemtopError) {
    self.options = options
    link = try PythonAgentLink(files: options.files, runtimeDirectory: options.runtimeDirectory)
  }

  deinit { link.close() }

  /// The variables a launched command gets: `PYTHONPATH=DIR[:old]`, `MEMTOP_AGENT_SOCKET`.
  package var launchEnvironment: [String: String] {
    let old = ProcessEnvironment.value("PYTHONPATH") ?? ""
    return [
      "PYTHONPATH": link.directory + (old.isEmpty ? "" : ":" + old),
      "MEMTOP_AGENT_SOCKET": link.socketPath,
    ]
  }

  /// Starts waiting for a launched program's agent (from `now`, monotonic seconds).
  func launched(now: Double) {
    helloDeadline = now + Self.helloWait
  }

  /// Members of a tree injected into at most: each costs a gdb run and a stop of the process.
  package static let maxMemberInjections = 16
  /// Seconds a member is left to say hello on its own (a fork of a process whose agent is
  /// loaded gets one from the fork hook) before memtop injects into it.
  package static let memberGrace = 5.0

  /// Checks the running process `pid` and plans the injection (done on the first tick).
  /// With `members`, each CPython process of its tree gets an agent too, once seen. Nothing of
  /// the target's is run to plan it.
  func prepareAttach(pid: Int32, procRoot: String, members: Bool = false) throws(MemtopError) {
    let plan = try PythonAttach.plan(pid: pid, procRoot: procRoot)
    self.plan = plan
    injections = [plan]
    attachesMembers = members
    consideredMembers = [pid]
  }

  /// The one line said before injecting: what memtop does, into which processes, and how to
  /// avoid it.
  public var announcement: String? {
    guard let plan else { return nil }
    return plan.announcement(members: attachesMembers ? Self.maxMemberInjections : 0)
  }

  /// Queues an injection into each member of the watched tree (`pids`, this tick's) that is
  /// CPython, has been in the tree ``memberGrace`` seconds without an agent saying hello, and
  /// was not looked at before. A member that is not CPython is passed over in silence; one
  /// memtop may not inject into (another user's, stopped) is said, at most three times.
  func considerMembers(_ pids: [Int32], now: Double, procRoot: String) -> [String] {
    guard attachesMembers, memberInjections < Self.maxMemberInjections else { return [] }
    var notices: [String] = []
    let present = Set(pids)
    memberFirstSeen = memberFirstSeen.filter { present.contains($0.key) }
    for pid in pids where !consideredMembers.contains(pid) {
      let seen = memberFirstSeen[pid] ?? now
      memberFirstSeen[pid] = seen
      if history.agents.contains(where: { $0.pid == pid }) {
        consideredMembers.insert(pid)
        continue
      }
      guard now - seen >= Self.memberGrace, memberInjections < Self.maxMemberInjections else { continue }
      consideredMembers.insert(pid)
      memberFirstSeen[pid] = nil
      guard PythonAttach.mayBeCPython(pid: pid, procRoot: procRoot) else { continue }
      do {
        injections.append(try PythonAttach.plan(pid: pid, procRoot: procRoot))
        memberInjections += 1
      } catch {
        if memberRefusalsSaid < 3 {
          memberRefusalsSaid += 1
          notices.append(error.message)
        }
      }
    }
    return notices
  }

  /// Sends every line from now on to `writer` as well.
  public func record(to writer: PythonJSONLWriter) {
    self.writer = writer
  }

  /// The jsonl file's failure, if writing it failed.
  public var outputFailure: CSVWriteError? { writeFailure }

  // MARK: - The tick

  /// Reads the agents, writes their lines, moves the injection on, and starts the tracing
  /// window when due. `rssBytes` is the newest sample's RSS; `isLeak` asks the session's
  /// verdict (called at most every 5 s, and only until tracing starts). Returns notices.
  func tick(now: Double, elapsed: Double, rssBytes: UInt64?, isLeak: () -> Bool) -> [String] {
    guard !finished else { return [] }
    var notices: [String] = []
    if !saidLinkNotes {
      saidLinkNotes = true
      notices += link.notes
    }
    if let rssBytes { rss.append(elapsed, Double(rssBytes)) }
    if !injections.isEmpty || injector != nil { notices += moveInjection(now: now) }
    let poll = link.poll()
    notices += poll.notes
    for line in poll.lines {
      writer?.append(line.text, elapsed: elapsed, pid: line.pid)
      guard let record = line.record else { continue }
      history.take(record, pid: line.pid, elapsed: elapsed)
      switch record {
      case .hello(let hello):
        if !greeted {
          notices.append(
            "python agent connected: process \(line.pid), \(hello.implementation) \(hello.python)"
              + (options.traceLines ? "; tracing lines for \(Self.traceSeconds) s" : ""))
        }
        greeted = true
        if options.traceLines || tracingSince != nil {
          link.send(
            PythonAgentLink.traceCommand(seconds: Self.traceSeconds, snapshots: Self.traceSnapshots), to: line.pid)
          tracingSince = tracingSince ?? elapsed
        }
      case .note(let text):
        if text.hasPrefix("busy:") {
          // The process already has an agent, serving another memtop: say so instead of
          // waiting for a hello that cannot come.
          busy.insert(line.pid)
          helloDeadline = nil
          notices.append(
            "--python: process \(line.pid) already reports to another memtop (its agent is connected there); only one memtop can look inside a process at a time: stop the other memtop's --python, or drop --python"
          )
        } else {
          notices.append("python agent \(line.pid): \(text)")
        }
      case .bye(let reason):
        if !busy.contains(line.pid) {
          notices.append("python agent \(line.pid) detached" + (reason.isEmpty ? "" : ": \(reason)"))
        }
      case .sample(let sample):
        if let edge = sample.window {
          edgeMarkers.append((line.pid, Self.marker(edge)))
        } else if sample.lines != nil {
          // A snapshot's lists come and go between two reports; its pages may stay a while.
          edgeMarkers.append((line.pid, MemorySample.observerSnapshotMarker))
        }
      }
    }
    if let deadline = helloDeadline, !greeted, busy.isEmpty, now >= deadline {
      helloDeadline = nil
      notices.append(noHelloNotice)
    }
    // Windows follow the verdict: one opens when it turns to leak, and again when it turns to
    // leak later (a leak that starts after an earlier window found nothing), never while one
    // still runs.
    if greeted, now - lastLeakCheck >= 5 {
      lastLeakCheck = now
      let leak = isLeak()
      let windowDone = tracingSince.map { elapsed - $0 >= Double(Self.traceSeconds) + 5 } ?? true
      if leak, !wasLeak, windowDone {
        let again = tracingSince != nil
        tracingSince = elapsed
        link.send(PythonAgentLink.traceCommand(seconds: Self.traceSeconds, snapshots: Self.traceSnapshots))
        notices.append(
          "--python: the verdict \(again ? "turned to leak again" : "says leak"): tracing Python allocations by line for \(Self.traceSeconds) s"
        )
      }
      wasLeak = leak
    }
    do {
      try writer?.flush()
    } catch {
      writeFailure = writeFailure ?? error
      writer = nil
      notices.append("python data stopped: " + error.description)
    }
    return notices
  }

  /// Bytes memtop's agents hold in the watched processes, as they last said: the agent of
  /// `pid`, or with `wholeTree` every agent still connected. Nil when none said.
  func observerBytes(pid: Int32, wholeTree: Bool) -> UInt64? {
    let agents = history.agents.filter { wholeTree ? $0.bye == nil : $0.pid == pid }
    let said = agents.compactMap(\.observerTotal)
    return said.isEmpty ? nil : UInt64(said.reduce(0, +))
  }

  /// The markers for this tick's rows, by process: each agent's first tracing-window edge or
  /// snapshot not yet marked (the rest wait for later rows), so charts, plots and the
  /// recording show where the observer started and stopped, and every store judging that
  /// process carries it across (a known event, not a step).
  func takeEdgeMarkers() -> [Int32: String] {
    var taken: [Int32: String] = [:]
    edgeMarkers.removeAll { edge in
      guard taken[edge.pid] == nil else { return false }
      taken[edge.pid] = edge.text
      return true
    }
    return taken
  }

  /// `python tracing window opened`, `python tracing window closed (snapshots, gave back 3.52 MiB)`.
  static func marker(_ edge: WindowEdge) -> String {
    if edge.closedAt != nil {
      var details: [String] = []
      if let reason = edge.reason { details.append(reason) }
      if let returned = edge.returnedBytes, returned > 0 {
        details.append("gave back " + ByteFormat.bytes(UInt64(returned)))
      }
      let opened = edge.openedAt != nil ? "opened and " : ""
      return "python tracing window \(opened)closed" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
    }
    return "python tracing window opened"
  }

  /// Why no hello may have come.
  var noHelloNotice: String {
    if let plan {
      if plan.method == .remoteExec {
        return
          "--python: the agent did not report within \(Int(Self.helloWait)) s of being injected: the interpreter may be blocked outside Python code (waiting in C), or started with -X disable-remote-debug; memtop goes on without Python data until it does"
      }
      if plan.anyThreadRunsTheLoader {
        return
          "--python: no thread of process \(plan.pid) has run Python code within \(Int(Self.helloWait)) s of the agent's loader being queued: each is busy or blocked in C (waiting on a lock, a socket, a child or input, or one thread holds the interpreter); the agent loads as soon as one runs Python code again, and memtop goes on without Python data until then"
      }
      return
        "--python: process \(plan.pid) has not run Python code in its main thread within \(Int(Self.helloWait)) s of the agent's loader being queued: its main thread is busy or blocked in C (waiting on a lock, a socket, a child or input, or another thread holds the interpreter), and Python \(plan.version.major).\(plan.version.minor) runs the loader in the main thread only (3.12+ in any thread); the agent loads as soon as the main thread runs Python code again, and memtop goes on without Python data until then"
    }
    return
      "--python: no Python agent said hello within \(Int(Self.helloWait)) s: the program may not be CPython, or runs Python with -I, -E or -S (they skip the sitecustomize memtop loads through PYTHONPATH); memtop goes on without Python data"
  }

  /// Starts the next injection (the watched process's on the first tick, then the tree's
  /// members one at a time), then watches it end.
  private func moveInjection(now: Double) -> [String] {
    guard let running = injector else {
      guard !injections.isEmpty else { return [] }
      let plan = injections.removeFirst()
      let tool = plan.method == .remoteExec ? "sys.remote_exec" : "gdb"
      let loader = options.files.first { $0.name == "attach.py" }?.text ?? ""
      do {
        let script = try link.writeAttachScript(pid: plan.pid, loader: loader)
        let commands = try link.write(name: "inject_\(plan.pid).gdb", plan.gdbCommands(script: script))
        let log = link.directory + "/inject_\(plan.pid).log"
        // If memtop dies while the injector runs, the injector finishes (within its time)
        // rather than die inside its calls into the interpreter.
        let process = try ChildProcess(
          arguments: plan.arguments(script: script, commandFile: commands), outputPath: log,
          outlivesMemtop: Int32(plan.timeout))
        injector = (plan, process, log, now + plan.timeout)
        injectorOverdue = false
        return ["--python: injecting the agent into process \(plan.pid) with \(tool)"]
      } catch let error as MemtopError {
        return [error.message]
      } catch {
        return ["--python: cannot start the injector: \(error)"]
      }
    }
    let plan = running.plan
    let tool = plan.method == .remoteExec ? "sys.remote_exec" : "gdb"
    if let ended = running.process.poll() {
      injector = nil
      let log = Syscalls.readSmallFile(running.log) ?? ""
      if ended == .exited(0), plan.method == .remoteExec || log.contains("memtop: pending call 0") {
        if plan.pid == self.plan?.pid { helloDeadline = now + Self.helloWait }
        return []
      }
      if log.contains("memtop: pending call -1") {
        return [
          "--python: process \(plan.pid)'s interpreter did not take the agent's loader (its queue of pending calls is full); try again later, or launch the program under memtop; memtop goes on without Python data"
        ]
      }
      let last = Self.lastLine(of: running.log)
      let outcome = ended == .exited(0) ? "gdb could not queue the loader" : "\(tool) \(ended)"
      return [
        "--python: injecting the agent into process \(plan.pid) failed (\(outcome))\(last.map { ": " + $0 } ?? ""); memtop goes on without Python data"
      ]
    }
    guard now >= running.deadline, !injectorOverdue else { return [] }
    // Never kill gdb here: stopped in the middle of its calls into the interpreter it would
    // leave the process in a debugger frame. It is left to finish; ``finish()`` gives it a
    // last wait.
    injectorOverdue = true
    return [
      "--python: \(tool) has not finished within \(Int(plan.timeout)) s; it is left to finish (stopping it mid-call could crash the process), and memtop goes on without Python data until an agent says hello"
    ]
  }

  /// The last non-empty line of a log, escaped.
  static func lastLine(of path: String) -> String? {
    guard let text = Syscalls.readSmallFile(path) else { return nil }
    let lines = text.split(separator: "\n").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    return lines.last.map { Sanitizer.terminalSafe($0, maxLength: 160) }
  }

  // MARK: - Reports and the end

  /// The report on what the agents said (the process `preferring` first).
  public func report(preferring pid: Int32? = nil) -> PythonReport? {
    PythonReport(history: history, rss: rssPoints, preferring: pid)
  }

  /// The report surfaces show with the session's `verdict`: the agent its evidence came from,
  /// else its leaking member's (named as a worker), else the process `watched`'s; with the
  /// verdict's evidence.
  public func report(for verdict: SessionVerdict?, watched: Int32) -> PythonReport? {
    let preferring = [verdict?.pythonSubject, watched].compactMap { $0 }
    var report = PythonReport(history: history, rss: rssPoints, preferring: preferring)
    if let evidence = verdict?.python, evidence.pid == report?.pid { report?.evidence = evidence }
    return report
  }

  /// The watch's (seconds, observer-free RSS bytes) points.
  var rssPoints: [(time: Double, bytes: Double)] { zip(rss.times, rss.values).map { ($0, $1) } }

  /// Joins the Python evidence with a fresh `verdict` (see ``SessionVerdict/joining(_:)``).
  /// The report behind it is rebuilt at most every ``evidenceSeconds`` (its slopes cost); in
  /// between, the last evidence found is joined again while it still fits the verdict.
  func join(_ verdict: SessionVerdict, watched: Int32, now: Double) -> SessionVerdict {
    if now - evidenceAt >= Self.evidenceSeconds || verdict.worstMember?.pid != evidenceSubject {
      evidenceAt = now
      evidenceSubject = verdict.worstMember?.pid
      evidenceReport = history.judged(verdict, rss: rssPoints, watched: watched).report
    }
    return verdict.joining(evidenceReport)
  }

  /// Seconds between rebuilds of the report the live evidence comes from.
  static let evidenceSeconds = 5.0
  private var evidenceAt = -Double.infinity
  private var evidenceSubject: Int32?
  private var evidenceReport: PythonReport?

  /// Detaches every agent (they restore tracemalloc), stops an injector still running, writes
  /// the rest of the file and removes the private directory. Idempotent.
  func finish() -> CSVWriteError? {
    guard !finished else { return writeFailure }
    finished = true
    if let running = injector {
      // gdb is normally done in seconds: wait for it rather than stop it mid-call.
      if running.process.waitForExit(seconds: Self.injectorLastWait) == nil {
        running.process.stopGroup(grace: 2)
      }
    }
    injector = nil
    link.close()
    do {
      try writer?.finish()
    } catch {
      writeFailure = writeFailure ?? error
    }
    return writeFailure
  }
}
