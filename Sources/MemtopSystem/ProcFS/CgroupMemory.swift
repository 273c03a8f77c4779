/// The memory a process's cgroup may still take before the kernel acts: its limit and its
/// charge (the figure the kernel compares with the limit, page cache included), over the
/// cgroup and each of its ancestors, the tightest one kept.
///
/// cgroup v2: `memory.max` (the OOM killer acts there) and `memory.high` (throttling and
/// reclaim start there) against `memory.current`; cgroup v1: `memory.limit_in_bytes` against
/// `memory.usage_in_bytes`. "No limit" reads `max` in v2 and a value near 2^63 in v1
/// (`9223372036854771712`, 2^63 rounded down to a page); both mean none.
public struct CgroupMemory: Sendable, Equatable {
  /// The limit, bytes.
  public var limitBytes: UInt64
  /// The cgroup's charge at the level the limit is set, bytes.
  public var chargeBytes: UInt64
  /// The file the limit came from: `memory.max`, `memory.high` or `memory.limit_in_bytes`.
  public var file: String
  /// The cgroup (path below the hierarchy's root) that sets it.
  public var path: String

  public init(limitBytes: UInt64, chargeBytes: UInt64, file: String, path: String) {
    self.limitBytes = limitBytes
    self.chargeBytes = chargeBytes
    self.file = file
    self.path = path
  }

  /// Bytes left before the limit: limit − charge, 0 when the charge is at or over it.
  public var headroomBytes: UInt64 { limitBytes > chargeBytes ? limitBytes - chargeBytes : 0 }

  /// Parses a charge file (`memory.current`, `memory.usage_in_bytes`): one byte count.
  public static func parseCharge(_ text: String) -> UInt64? {
    let value = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
    guard let bytes = UInt64(value), bytes < MemoryLimit.unlimitedThreshold else { return nil }
    return bytes
  }

  /// The tightest limit (least headroom) over the cgroup at `path` and its ancestors, read by
  /// `read` (a path below `base` to the file's text; injectable for tests), or nil when no
  /// level sets one.
  public static func tightest(
    path: String, version: CgroupVersion, base: String, read: (String) -> String?
  ) -> CgroupMemory? {
    var components = path.split(separator: "/").map(String.init)
    // A path climbing out of the reader's cgroup namespace is resolved by the caller
    // (``CgroupNamespace``); one still holding `..` or `.` would leave the hierarchy.
    guard !components.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
    var best: CgroupMemory?
    while true {
      let relative = components.isEmpty ? "/" : "/" + components.joined(separator: "/")
      let dir = base + (components.isEmpty ? "" : relative)
      if let charge = read(dir + "/" + version.chargeFile).flatMap(parseCharge) {
        for file in version.limitFiles {
          guard let limit = read(dir + "/" + file).flatMap(MemoryLimit.parseLimit) else { continue }
          let found = CgroupMemory(limitBytes: limit, chargeBytes: charge, file: file, path: relative)
          if best.map({ found.headroomBytes < $0.headroomBytes }) ?? true { best = found }
        }
      }
      if components.isEmpty { return best }
      components.removeLast()
    }
  }

  /// The tightest limit for a process whose `/proc/PID/cgroup` reads `cgroupText`, on the
  /// cgroup hierarchies mounted at `cgroupRoot` (`/sys/fs/cgroup`): the v2 one, else the v1
  /// memory controller (`cgroupRoot/memory`). A path relative to memtop's cgroup namespace
  /// (`/../…`) is found through `namespaces` (the v2 hierarchy's, the v1 memory
  /// controller's); none is read when it cannot be resolved.
  public static func read(
    cgroupText: String, cgroupRoot: String,
    namespaces: (v2: CgroupNamespace, v1Memory: CgroupNamespace) = (.host, .host),
    read readFile: (String) -> String? = { Syscalls.readSmallFile($0) }
  ) -> CgroupMemory? {
    let paths = MemoryLimit.cgroupPaths(cgroupText)
    // On a hybrid host the unified hierarchy holds no memory controller: memory.current is absent.
    if let v2 = paths.v2.flatMap(namespaces.v2.resolve),
      let found = tightest(path: v2, version: .v2, base: cgroupRoot, read: readFile)
    {
      return found
    }
    if let v1 = paths.v1Memory.flatMap(namespaces.v1Memory.resolve) {
      return tightest(path: v1, version: .v1, base: cgroupRoot + "/memory", read: readFile)
    }
    return nil
  }
}

/// A cgroup hierarchy's version: which files hold the memory limit and the charge.
public enum CgroupVersion: Sendable {
  case v1
  case v2

  /// The limit files, the kill limit first.
  var limitFiles: [String] {
    switch self {
    case .v1: ["memory.limit_in_bytes"]
    case .v2: ["memory.max", "memory.high"]
    }
  }

  /// The file holding the cgroup's charge.
  var chargeFile: String {
    switch self {
    case .v1: "memory.usage_in_bytes"
    case .v2: "memory.current"
    }
  }
}
