import MemtopSystem

/// Tells a launcher from the program it runs.
///
/// `python3 app.py &` under pyenv gives `$!` = a bash shim whose child is the interpreter;
/// `sh -c`, `env`, `timeout`, `nohup`, `uv run`, `poetry run`, `npm start` do the same. A
/// process is taken for a launcher when its name says so, or when its children hold nearly all
/// of the tree's memory (≥ 95 % of the summed RSS) while it holds almost none (< 16 MiB).
public enum LauncherRule {
  /// Command names of shells and launchers that run one program as a child.
  public static let names: Set<String> = [
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "env", "timeout", "nohup", "setsid", "nice",
    "ionice", "stdbuf", "taskset", "chrt", "time", "sudo", "doas", "runuser", "su", "uv", "uvx",
    "poetry", "pipenv", "pyenv", "hatch", "pdm", "npm", "npx", "pnpm", "yarn", "tini", "dumb-init",
    "xvfb-run", "flock", "chpst", "catchsegv",
  ]
  /// A root holding less than this is "almost none", bytes.
  public static let smallRootBytes: UInt64 = 16 << 20
  /// The share of the tree's RSS its descendants must hold.
  public static let childrenShare = 0.95

  /// What to watch instead of a process.
  public enum Decision: Sendable, Equatable {
    /// The process itself.
    case itself
    /// A launcher whose program has not started yet: look again shortly.
    case wait
    /// The program a launcher runs.
    case program(ProcessIdentity, name: String)
    /// The whole tree: the work is spread over several children.
    case tree
  }

  /// Decides for the process `root` from a fresh scan (its name read afresh: a launcher that
  /// has exec'd its program is a launcher no more).
  ///
  /// - Parameter rss: reads a process's resident set size, bytes (nil when it cannot).
  public static func decide(root: ProcessIdentity, scanner: ProcessScanner, rss: (Int32) -> UInt64?) -> Decision {
    let descendants = scanner.newDescendants(of: [root.pid])
    scanner.refreshName(root.pid)
    guard let entry = scanner.entries[root.pid], entry.startTimeTicks == root.startTimeTicks else { return .itself }
    let name = entry.name
    var children: [Int32: [ProcessIdentity]] = [:]
    for identity in descendants {
      if let parent = scanner.entries[identity.pid]?.ppid { children[parent, default: []].append(identity) }
    }
    // Names change at exec: a child seen between its fork and its exec still had its parent's.
    for identity in descendants { scanner.refreshName(identity.pid) }
    func nameOf(_ pid: Int32) -> String { scanner.entries[pid]?.name ?? "" }

    if names.contains(name) {
      // Down a chain of launchers, each with one child, to the program.
      var current = root
      var currentName = name
      while names.contains(currentName) {
        let below = children[current.pid] ?? []
        if below.isEmpty { return .wait }
        if below.count > 1 { return .tree }
        current = below[0]
        currentName = nameOf(current.pid)
      }
      return .program(current, name: currentName)
    }
    // Any process: the children hold the memory, the root almost none.
    let direct = children[root.pid] ?? []
    guard !direct.isEmpty, let rootRSS = rss(root.pid), rootRSS < smallRootBytes else { return .itself }
    let below = descendants.compactMap { rss($0.pid) }.reduce(0, +)
    guard Double(below) >= childrenShare * Double(below + rootRSS) else { return .itself }
    if direct.count == 1 && (children[direct[0].pid] ?? []).isEmpty {
      return .program(direct[0], name: nameOf(direct[0].pid))
    }
    return .tree
  }

  /// Reads `VmRSS` of `pid` under `procRoot`.
  public static func residentBytes(_ pid: Int32, procRoot: String) -> UInt64? {
    guard let handle = try? ProcessHandle(pid: pid, procRoot: procRoot, useHeapIoctls: false) else { return nil }
    return (try? handle.readStatus())?.vmRSS
  }
}
