/// Finds the descendants of a set of processes by scanning the parent id of every process.
///
/// `/proc/PID/task/TID/children` is only reliable for a frozen process, so the tree is built
/// from `ppid` in every `/proc/*/stat`. To keep a scan cheap, `stat` is read once per process
/// (its parent and start time are remembered) and a directory listing per scan finds new and
/// vanished processes. Linux hands out process ids cyclically, so an id that vanished and came
/// back between two scans would need `pid_max` forks in between; when that happens anyway the
/// start time read for the new member's handle tells the two apart.
public final class ProcessTreeScanner {
  /// What one `stat` read told about a process.
  struct Entry {
    var ppid: Int32
    var startTimeTicks: UInt64
  }

  /// The `/proc` mount scanned (injectable for tests).
  public let procRoot: String
  private var known: [Int32: Entry] = [:]
  private let buffer = ReadBuffer(capacity: 1024)
  /// `stat` files read so far (a measure of the scan's cost).
  public private(set) var statReads = 0

  public init(procRoot: String = "/proc") {
    self.procRoot = procRoot
  }

  /// The processes that descend from `members` (children, grandchildren, ...) and are not in
  /// it, each with its start time; parents before their children.
  public func newDescendants(of members: Set<Int32>) -> [ProcessIdentity] {
    let listed = Syscalls.numericEntries(procRoot)
    var present = Set<Int32>(minimumCapacity: listed.count)
    for pid in listed {
      present.insert(pid)
      if known[pid] == nil, let entry = readStat(pid) { known[pid] = entry }
    }
    known = known.filter { present.contains($0.key) }
    var children: [Int32: [Int32]] = [:]
    for (pid, entry) in known where !members.contains(pid) {
      children[entry.ppid, default: []].append(pid)
    }
    var found: [ProcessIdentity] = []
    var queue = Array(members)
    var index = 0
    while index < queue.count {
      for child in (children[queue[index]] ?? []).sorted() {
        guard let entry = known[child] else { continue }
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
    statReads += 1
    guard let bytes = try? buffer.readWhole(fd), let stat = try? ProcStat.parse(bytes) else { return nil }
    return Entry(ppid: stat.ppid, startTimeTicks: stat.startTimeTicks)
  }
}
