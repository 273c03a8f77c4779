import MemtopFormat

/// The memory limit a process will be stopped at, and where that number came from.
public struct MemoryLimit: Sendable, Equatable {
  /// Where the limit was found.
  public enum Source: String, Sendable {
    /// cgroup v2 `memory.max`.
    case cgroupV2 = "cgroup memory.max"
    /// cgroup v1 `memory.limit_in_bytes`.
    case cgroupV1 = "cgroup memory.limit_in_bytes"
    /// No cgroup limit: current use plus the system's `MemAvailable`.
    case available = "current use + MemAvailable"
    /// Given by the user (`--limit`).
    case user = "--limit"
  }

  /// The limit, bytes.
  public var bytes: UInt64
  /// Where it came from.
  public var source: Source

  public init(bytes: UInt64, source: Source) {
    self.bytes = bytes
    self.source = source
  }

  /// Limits at or above this are "no limit" (cgroup v1 reports 2^63 rounded to a page).
  static let unlimitedThreshold: UInt64 = 1 << 60

  /// The cgroup paths in the text of `/proc/PID/cgroup`: the v2 path (`0::/path`) and the
  /// v1 memory controller's path (`N:memory:/path`), when present.
  public static func cgroupPaths(_ text: String) -> (v2: String?, v1Memory: String?) {
    var v2: String?
    var v1: String?
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      if parts[0] == "0" && parts[1].isEmpty { v2 = String(parts[2]) }
      if parts[1].split(separator: ",").contains("memory") { v1 = String(parts[2]) }
    }
    return (v2, v1)
  }

  /// Parses a cgroup limit file (`max`, or a byte count); nil when there is no limit.
  public static func parseLimit(_ text: String) -> UInt64? {
    let value = text.trimmingSpaces().split(separator: "\n").first.map(String.init) ?? ""
    guard value != "max", let bytes = UInt64(value), bytes > 0, bytes < unlimitedThreshold else { return nil }
    return bytes
  }

  /// `MemAvailable` from the text of `/proc/meminfo`, in bytes.
  public static func parseMemAvailable(_ text: String) -> UInt64? {
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, let kib = UInt64(fields[1]) else { return nil }
      let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
      return overflow ? nil : bytes
    }
    return nil
  }
}

extension ProcessHandle {
  /// The tightest memory limit set on this process's cgroup or any of its ancestors (cgroup v2
  /// `memory.max`, else the v1 memory controller's `memory.limit_in_bytes`), or nil when none
  /// is set. `cgroupRoot` is injectable for tests.
  package func readCgroupLimit(cgroupRoot: String = "/sys/fs/cgroup") -> MemoryLimit? {
    guard let text = Syscalls.readSmallFile("\(procRoot)/\(identity.pid)/cgroup") else { return nil }
    let paths = MemoryLimit.cgroupPaths(text)
    if let v2 = paths.v2, let limit = Self.tightestLimit(base: cgroupRoot, path: v2, file: "memory.max") {
      return MemoryLimit(bytes: limit, source: .cgroupV2)
    }
    if let v1 = paths.v1Memory,
      let limit = Self.tightestLimit(base: cgroupRoot + "/memory", path: v1, file: "memory.limit_in_bytes")
    {
      return MemoryLimit(bytes: limit, source: .cgroupV1)
    }
    return nil
  }

  /// The limit this process's memory will hit: its cgroup's limit when one is set, else its
  /// current use plus the system's `MemAvailable`.
  package func readMemoryLimit(currentBytes: UInt64, cgroupRoot: String = "/sys/fs/cgroup") -> MemoryLimit? {
    if let limit = readCgroupLimit(cgroupRoot: cgroupRoot) { return limit }
    guard let available = Syscalls.readSmallFile("\(procRoot)/meminfo").flatMap(MemoryLimit.parseMemAvailable) else {
      return nil
    }
    return MemoryLimit(bytes: currentBytes + available, source: .available)
  }

  /// The smallest limit in `file` over the cgroup at `path` below `base` and its ancestors.
  private static func tightestLimit(base: String, path: String, file: String) -> UInt64? {
    var components = path.split(separator: "/").map(String.init)
    var best: UInt64?
    while true {
      let dir = base + (components.isEmpty ? "" : "/" + components.joined(separator: "/"))
      if let limit = Syscalls.readSmallFile(dir + "/" + file).flatMap(MemoryLimit.parseLimit) {
        best = min(best ?? limit, limit)
      }
      if components.isEmpty { return best }
      components.removeLast()
    }
  }
}
