import Foundation
import MemtopExport
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore

/// A `/proc`-shaped tree of fixture processes whose resident sizes a test can move.
struct FixtureTree {
  struct Process {
    var pid: Int32
    var ppid: Int32
    var capture: String
    var name: String
    var state = "S"
    var tgid: Int32?
  }

  let root: String

  init(_ processes: [Process]) throws {
    root = try Scratch.directory("memtop-tree")
    for process in processes {
      let dir = "\(root)/\(process.pid)"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      for file in ["statm", "smaps", "smaps_rollup"] {
        try Fixtures.text(process.capture, file).write(toFile: "\(dir)/\(file)", atomically: true, encoding: .utf8)
      }
      // stat: "pid (comm) state ppid ..." rewritten for this process.
      let stat = try Fixtures.text(process.capture, "stat")
      let close = try #require(stat.range(of: ") "))
      let rest = stat[close.upperBound...].split(separator: " ", maxSplits: 2)
      let statText = "\(process.pid) (\(process.name)) \(process.state) \(process.ppid) \(rest[2])"
      try statText.write(toFile: "\(dir)/stat", atomically: true, encoding: .utf8)
      var status = try Fixtures.text(process.capture, "status")
      status = Self.replace(status, "Name", process.name)
      status = Self.replace(status, "State", process.state == "Z" ? "Z (zombie)" : "S (sleeping)")
      status = Self.replace(status, "Tgid", String(process.tgid ?? process.pid))
      status = Self.replace(status, "Pid", String(process.pid))
      status = Self.replace(status, "PPid", String(process.ppid))
      try status.write(toFile: "\(dir)/status", atomically: true, encoding: .utf8)
      try (process.name + "\0app.py\0").write(toFile: "\(dir)/cmdline", atomically: true, encoding: .utf8)
    }
  }

  static func replace(_ text: String, _ key: String, _ value: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.hasPrefix(key + ":") ? "\(key):\t\(value)" : String($0) }
      .joined(separator: "\n")
  }

  /// Sets VmRSS and RssAnon of `pid`, KiB.
  func setResident(_ pid: Int32, kib: Int) throws {
    let path = "\(root)/\(pid)/status"
    var status = try String(contentsOfFile: path, encoding: .utf8)
    status = Self.replace(status, "VmRSS", "  \(kib) kB")
    status = Self.replace(status, "RssAnon", "  \(kib - 6000) kB")
    // In place: the sampler keeps status open, as on the kernel's /proc.
    try status.write(toFile: path, atomically: false, encoding: .utf8)
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite("The watch session: one pipeline for record and the live view")
struct WatchSessionTests {
  /// A master (pid 100) and two workers: 101 grows 100 KiB a sample, 102 shrinks as much,
  /// so the tree's summed RSS stays flat while one member leaks.
  static func masterAndWorkers() throws -> FixtureTree {
    try FixtureTree([
      .init(pid: 100, ppid: 1, capture: "tiny", name: "python3"),
      .init(pid: 101, ppid: 100, capture: "python100m", name: "python3"),
      .init(pid: 102, ppid: 100, capture: "python100m", name: "python3"),
    ])
  }

  static func options(_ tree: FixtureTree) -> WatchOptions {
    var options = WatchOptions(interval: 1, duration: 180)
    options.children = true
    options.perProcess = true
    options.procRoot = tree.root
    options.limit = MemoryLimit(bytes: 8 << 30, source: .user)
    return options
  }

  /// Moves the fixture one step: worker 101 leaks, 102 gives back as much.
  static func step(_ tree: FixtureTree, _ n: Int) throws {
    try tree.setResident(101, kib: 131_976 + 100 * n)
    try tree.setResident(102, kib: 200_000 - 100 * n)
  }

  /// Drives a session as `memtop record` does: ``WatchSession/run(stopRequested:onEvent:)``.
  static func recordStyle(_ tree: FixtureTree, csv: String) throws -> (WatchSummary, SessionVerdict) {
    var plan = WatchPlan(target: .pid(100), options: options(tree))
    plan.csv = csv
    let session = try WatchSession(plan: plan, clock: ManualClock())
    var n = 0
    let summary = session.run(stopRequested: { nil }) { event in
      if case .sample = event {
        n += 1
        try? step(tree, n)
      }
    }
    return (summary, session.verdict())
  }

  /// Drives a session as the live view does: ``WatchSession/tickIfDue()`` between waits for
  /// input, then ``WatchSession/finish(_:)`` when the view closes.
  static func liveStyle(_ tree: FixtureTree, csv: String) throws -> (WatchSummary, SessionVerdict) {
    let clock = ManualClock()
    var plan = WatchPlan(target: .pid(100), options: options(tree))
    plan.csv = csv
    let session = try WatchSession(plan: plan, clock: clock)
    var n = 0
    while session.end == nil {
      guard let events = session.tickIfDue() else {
        // The view waits for a key until the next sample is due, at most 200 ms at a time.
        clock.now += min(max(session.nextDue - clock.now, 1e-9), 0.2)
        continue
      }
      for event in events {
        guard case .sample = event else { continue }
        n += 1
        try step(tree, n)
      }
    }
    return (session.finish(.stopped), session.verdict())
  }

  @Test("record and the live view drive one session on one fixture tree and clock: same rows, same verdicts")
  func sameRowsAndVerdicts() throws {
    let first = try Self.masterAndWorkers()
    let second = try Self.masterAndWorkers()
    defer {
      first.remove()
      second.remove()
    }
    let dir = FileManager.default.temporaryDirectory.path
    let csvA = "\(dir)/memtop-session-a-\(UUID()).csv"
    let csvB = "\(dir)/memtop-session-b-\(UUID()).csv"
    defer {
      try? FileManager.default.removeItem(atPath: csvA)
      try? FileManager.default.removeItem(atPath: csvB)
    }
    let (recordSummary, recordVerdict) = try Self.recordStyle(first, csv: csvA)
    let (liveSummary, liveVerdict) = try Self.liveStyle(second, csv: csvB)

    #expect(recordSummary.samples >= 170)
    #expect(recordSummary.samples == liveSummary.samples)
    let rowsA = try String(contentsOfFile: csvA, encoding: .utf8)
    let rowsB = try String(contentsOfFile: csvB, encoding: .utf8)
    #expect(rowsA == rowsB, "the two drivers wrote different rows")
    // Total rows carry the process count, member rows their command line.
    #expect(rowsA.contains(",39700,3,,"))
    #expect(rowsA.contains(",python3 app.py,"))

    #expect(recordVerdict.verdict == liveVerdict.verdict)
    #expect(recordVerdict.analysis.verdict == liveVerdict.analysis.verdict)
    // Each member's verdict, rate and metric (the statistics' fine print, such as a p-value
    // on this noiseless fixture, may differ with sub-microsecond timing).
    let judged = { (verdict: SessionVerdict) in
      verdict.members.map { "\($0.pid) \($0.command) \($0.verdict) \($0.slopeBytesPerSecond) \($0.metric)" }
    }
    #expect(judged(recordVerdict) == judged(liveVerdict))
    // The total's PSS and summed RSS are flat; worker 101 leaks on its own and is named,
    // 102 (shrinking) and the master are not.
    #expect(recordVerdict.analysis.verdict != .leak)
    #expect(recordVerdict.verdict == .leak)
    #expect(recordVerdict.leakingMembers.map(\.pid) == [101])
    #expect(recordVerdict.verdictLine.contains("worker 101 (python3 app.py) leaks +"))

    // analyze judges the file by the same policy.
    let fromFile = VerdictPolicy.judge(recording: try RecordingReader(path: csvA).read(rowsA), limit: nil)
    #expect(fromFile.verdict == .leak)
    #expect(fromFile.leakingMembers.map(\.pid) == [101])
    #expect(fromFile.members.first { $0.pid == 102 }?.verdict != .leak)
  }

  @Test("analyze --json adds members with pid, command, verdict and slope, keeping the old keys")
  func membersJSON() throws {
    let tree = try Self.masterAndWorkers()
    defer { tree.remove() }
    let csv = FileManager.default.temporaryDirectory.path + "/memtop-json-\(UUID()).csv"
    defer { try? FileManager.default.removeItem(atPath: csv) }
    _ = try Self.recordStyle(tree, csv: csv)
    let verdict = VerdictPolicy.judge(
      recording: try RecordingReader(path: csv).read(String(contentsOfFile: csv, encoding: .utf8)), limit: nil)
    let data = try JSONEncoder().encode(VerdictReport(verdict))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["verdict"] as? String == "leak")
    #expect((object["metrics"] as? [String: Any])?["pss"] != nil)
    let members = try #require(object["members"] as? [[String: Any]])
    #expect(members.count == 3)
    let leaking = try #require(members.first { $0["pid"] as? Int == 101 })
    #expect(leaking["verdict"] as? String == "leak")
    #expect(leaking["command"] as? String == "python3 app.py")
    #expect((leaking["slope_bytes_per_s"] as? Double ?? 0) > 1000)
  }

  @Test("a thread id is watched as its process, and said so")
  func threadIsMapped() throws {
    let tree = try FixtureTree([
      .init(pid: 300, ppid: 1, capture: "python100m", name: "python3"),
      .init(pid: 301, ppid: 1, capture: "python100m", name: "python3", tgid: 300),
    ])
    defer { tree.remove() }
    var options = WatchOptions(interval: 1, duration: 3)
    options.procRoot = tree.root
    let session = try WatchSession(plan: WatchPlan(target: .pid(301), options: options), clock: ManualClock())
    var notices: [String] = []
    let summary = session.run(stopRequested: { nil }) { event in
      if case .notice(let text) = event { notices.append(text) }
    }
    #expect(session.pid == 300)
    #expect(summary.digest.pid == 300)
    #expect(notices.contains { $0.hasPrefix("301 is a thread of process 300 (python3)") })
  }

  @Test("a copied /proc tree whose Tgid names a process not in it: the id stands")
  func copiedTreeTgidIgnored() throws {
    let tree = try FixtureTree([.init(pid: 310, ppid: 1, capture: "python100m", name: "python3", tgid: 4371)])
    defer { tree.remove() }
    var options = WatchOptions(interval: 1, duration: 2)
    options.procRoot = tree.root
    let session = try WatchSession(plan: WatchPlan(target: .pid(310), options: options), clock: ManualClock())
    let summary = session.run(stopRequested: { nil }) { _ in }
    #expect(summary.digest.pid == 310 && summary.samples >= 2)
  }

  @Test("a zombie target is refused with one line, before any output exists")
  func zombieRefused() throws {
    let tree = try FixtureTree([.init(pid: 400, ppid: 1, capture: "tiny", name: "worker", state: "Z")])
    defer { tree.remove() }
    var options = WatchOptions(interval: 1)
    options.procRoot = tree.root
    #expect {
      _ = try WatchSession(plan: WatchPlan(target: .pid(400), options: options), clock: ManualClock())
    } throws: { error in
      (error as? MemtopError)?.message.contains("has already exited (a zombie") == true
    }
  }

  @Test(
    "launchers: a shell's one program is followed, several children make a tree, a small root over big children is a launcher",
    arguments: [
      ("sh", [(201, "python3")], "program 201"),
      ("bash", [(201, "python3"), (202, "python3")], "tree"),
      ("bash", [], "wait"),
      ("supervise", [(201, "python3")], "program 201"),
      ("python3", [], "itself"),
    ])
  func launcherRule(root name: String, children: [(Int, String)], expected: String) throws {
    var processes = [FixtureTree.Process(pid: 200, ppid: 1, capture: "tiny", name: name)]
    processes += children.map { .init(pid: Int32($0.0), ppid: 200, capture: "python100m", name: $0.1) }
    let tree = try FixtureTree(processes)
    defer { tree.remove() }
    let scanner = ProcessScanner(procRoot: tree.root)
    let decision = LauncherRule.decide(
      root: ProcessIdentity(pid: 200, startTimeTicks: 39700), scanner: scanner,
      rss: { LauncherRule.residentBytes($0, procRoot: tree.root) })
    let text: String =
      switch decision {
      case .itself: "itself"
      case .wait: "wait"
      case .tree: "tree"
      case .program(let identity, _): "program \(identity.pid)"
      }
    #expect(text == expected)
  }
}
