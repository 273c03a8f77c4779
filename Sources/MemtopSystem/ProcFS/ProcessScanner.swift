/// Keeps a list of the processes under a `/proc` mount, each with its parent, start time and
/// name, and finds the descendants of a set of processes from it.
///
/// `/proc/PID/task/TID/children` is only reliable for a frozen process, so trees are built
/// from `ppid` in every `/proc/*/stat`. To keep a scan cheap, `stat` is read once per process
/// (its parent, start time and name are remembered) and a directory listing per scan finds new
/// and vanished processes. Linux hands out process ids cyclically, so an id that vanished and
/// came back between two scans would need `pid_max` forks in between; when that happens anyway
/// the start time read when the process is opened tells the two apart.
public final class ProcessScanner {
  /// What one `stat` read told about a process.
  public struct Entry: Sendable, Equatable {
    /// Parent process id.
    package var ppid: Int32
    /// Start time after boot in clock ticks.
    public var startTimeTicks: UInt64
    /// Command name when it was read. Untrusted text.
    public var name: String
  }

  /// The `/proc` mount scanned (injectable for tests).
  public let procRoot: String
  /// Every process seen by the latest scan whose `stat` could be read, by pid.
  public private(set) var entries: [Int32: Entry] = [:]
  /// Process ids listed by the latest scan whose `stat` could not be read (hidden or racing exit).
  public private(set) var unreadable: Set<Int32> = []
  private let buffer = ReadBuffer(capacity: 1024)

  public init(procRoot: String = "/proc") {
    self.procRoot = procRoot
  }

  /// Lists the processes again, reading `stat` only for new ones; returns the ids that
  /// appeared and those that vanished since the previous scan.
  @discardableResult
  package func scan() -> (added: [Int32], removed: [Int32]) {
    // A listing that fails (e.g. out of descriptors) says nothing about who is gone.
    guard let listed = Syscalls.numericEntries(procRoot) else { return ([], []) }
    var present = Set<Int32>(minimumCapacity: listed.count)
    var added: [Int32] = []
    var stillUnreadable = Set<Int32>()
    for pid in listed {
      present.insert(pid)
      guard entries[pid] == nil else { continue }
      if let entry = readStat(pid) {
        entries[pid] = entry
        added.append(pid)
      } else {
        stillUnreadable.insert(pid)
      }
    }
    var removed: [Int32] = []
    for pid in entries.keys where !present.contains(pid) { removed.append(pid) }
    for pid in removed { entries[pid] = nil }
    unreadable = stillUnreadable
    return (added, removed)
  }

  /// Forgets `pid`, found gone by its reader: the next scan reads its `stat` again, so a new
  /// process under a reused pid is reported as added (with its own start time).
  package func forget(_ pid: Int32) {
    entries[pid] = nil
  }

  /// Takes `name` as `pid`'s name, read by its caller (from a `stat` descriptor it keeps).
  package func rename(_ pid: Int32, to name: String) {
    entries[pid]?.name = name
  }

  /// Re-reads one process's name (it changes when the process calls `exec`).
  package func refreshName(_ pid: Int32) {
    guard entries[pid] != nil, let entry = readStat(pid) else { return }
    entries[pid] = entry
  }

  /// Scans, then returns the processes that descend from `members` (children,
  /// grandchildren, ...) and are not in it, each with its start time; parents first.
  package func newDescendants(of members: Set<Int32>) -> [ProcessIdentity] {
    scan()
    var children: [Int32: [Int32]] = [:]
    for (pid, entry) in entries where !members.contains(pid) {
      children[entry.ppid, default: []].append(pid)
    }
    var found: [ProcessIdentity] = []
    var queue = Array(members)
    var index = 0
    while index < queue.count {
      for child in (children[queue[index]] ?? []).sorted() {
        guard let entry = entries[child] else { continue }
        found.append(ProcessIdentity(pid: child, startTimeTicks: entry.startTimeTicks))
        queue.append(child)
      }
      index += 1
    }
    return found
  }

  private func readStat(_ pid: Int32) -> Entry? {
    guard let fd = try? Syscalls.openReadOnly("\(procRoot)/\(pid)/stat") else { return nil }
    defer { Syscalls.close(fd) }
    guard let bytes = try? buffer.readWhole(fd, shortReadIsEnd: true), let stat = try? ProcStat.parse(bytes) else {
      return nil
    }
    return Entry(ppid: stat.ppid, startTimeTicks: stat.startTimeTicks, name: stat.comm)
  }
}
