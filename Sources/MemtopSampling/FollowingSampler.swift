import MemtopFormat
import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// Follows a service by name across restarts: samples the oldest process whose command name
/// is `name` and, when it exits, waits for a process of that name to start again and carries
/// on with it.
///
/// Each lifetime is its own series segment: its rows carry the new pid and start time, and
/// nothing is spliced (the ticks between lifetimes are gaps). The oldest match is taken so a
/// service's master process is followed rather than one of its workers.
package final class FollowingSampler: MemorySampling {
  /// The command name followed (`/proc/PID/comm`, at most 15 characters).
  public let name: String
  private let scanner: ProcessScanner
  private let makeSampler: (ProcessHandle) -> any MemorySampling
  private var current: (any MemorySampling)?
  private var currentIdentity: ProcessIdentity?
  /// Lifetimes that ended (a zombie among them may linger in /proc): never attached again.
  private var ended: Set<ProcessIdentity> = []
  /// Notices: which process is followed, restarts.
  private var messages: [String] = []
  /// Warnings of samplers of ended lifetimes.
  private var warnings: [String] = []
  /// Processes that appeared in the latest scans: a process found between its `fork` and its
  /// `exec` still had its parent's name, so their names are read again while waiting.
  private var recent: [[Int32]] = []
  /// Lifetimes followed so far (1 once the first process is found).
  public private(set) var lifetimes = 0

  /// - Parameters:
  ///   - name: the command name; longer names are compared on their first 15 characters,
  ///     which is all the kernel keeps.
  ///   - makeSampler: builds the sampler for each lifetime (one process, or its tree).
  public init(name: String, procRoot: String = "/proc", makeSampler: @escaping (ProcessHandle) -> any MemorySampling) {
    self.name = name
    scanner = ProcessScanner(procRoot: procRoot)
    self.makeSampler = makeSampler
  }

  /// The command name the kernel shows for `name`.
  public static func comm(_ name: String) -> String { String(name.prefix(15)) }

  package var currentName: String { current?.currentName ?? name }

  package var memberSamples: [MemberSample] { current?.memberSamples ?? [] }

  public var detailCadences: DetailCadences? { current?.detailCadences }

  public var detailUnavailable: ProcReadError? { current?.detailUnavailable }

  package var latestRegions: RegionReading? { current?.latestRegions }

  /// The process followed now, if one runs.
  public var identity: ProcessIdentity? { currentIdentity }

  package func takeWarnings() -> [String] {
    var all = warnings
    warnings.removeAll()
    if let current { all += current.takeWarnings() }
    return all
  }

  package func takeNotices() -> [String] {
    defer { messages.removeAll() }
    return messages
  }

  public func sample() -> SampleOutcome {
    if current == nil && !attach() {
      return .missed("no process named \(Sanitizer.terminalSafe(name)) runs")
    }
    guard let sampler = current else { return .missed("no process to sample") }
    let outcome = sampler.sample()
    if case .exited(let exit) = outcome {
      warnings += sampler.takeWarnings()
      messages.append(
        "process \(exit.identity.pid) (\(Sanitizer.terminalSafe(exit.name))) exited; waiting for \(Sanitizer.terminalSafe(name)) to start again"
      )
      // A zombie stays in /proc with its name and start time until reaped: never again.
      ended.insert(exit.identity)
      current = nil
      currentIdentity = nil
      return .missed("process \(exit.identity.pid) exited")
    }
    return outcome
  }

  /// Whether `pid`'s command line names the script followed: an argument after the program
  /// whose file name is `name`, or `name` plus an extension (`app` for `app.py`).
  private func runsScript(_ pid: Int32) -> Bool {
    guard pid != getpid(), let text = Syscalls.readSmallFile("\(scanner.procRoot)/\(pid)/cmdline") else { return false }
    let arguments = ProcessCommandLine.arguments(String(text.prefix(4096)))
    guard let program = arguments.first, !program.hasSuffix("memtop") else { return false }
    return arguments.dropFirst().contains { argument in
      let file = argument.split(separator: "/").last.map(String.init) ?? argument
      guard !file.isEmpty else { return false }
      return file == name || (file.hasPrefix(name + ".") && !name.isEmpty)
    }
  }

  /// Looks for the oldest process named `name` (not one that already ended) and opens it.
  private func attach() -> Bool {
    let added = scanner.scan().added
    for pid in recent.joined() { scanner.refreshName(pid) }
    recent = Array((recent + [added]).suffix(5))
    let comm = Self.comm(name)
    var matching = scanner.entries.filter { $0.value.name == comm }
    // No process of that command name: a script of that name (`python3 app.py` followed as
    // app.py or app), found in the command lines, memtop's own left out.
    if matching.isEmpty { matching = scanner.entries.filter { runsScript($0.key) } }
    let candidates =
      matching
      .sorted { ($0.value.startTimeTicks, $0.key) < ($1.value.startTimeTicks, $1.key) }
    for (pid, entry) in candidates
    where !ended.contains(ProcessIdentity(pid: pid, startTimeTicks: entry.startTimeTicks)) {
      guard let handle = try? ProcessHandle(pid: pid, procRoot: scanner.procRoot),
        handle.identity.startTimeTicks == entry.startTimeTicks
      else { continue }
      current = makeSampler(handle)
      currentIdentity = handle.identity
      lifetimes += 1
      messages.append(
        lifetimes == 1
          ? "following \(Sanitizer.terminalSafe(name)): process \(pid)"
          : "\(Sanitizer.terminalSafe(name)) restarted as process \(pid): a new series segment begins")
      return true
    }
    return false
  }
}
