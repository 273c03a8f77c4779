import Foundation
import MemtopCore

/// Facts about the target read once at start: its age and its cgroup memory limit.
///
/// The parsers are pure functions over text; `read…` functions do the file reading.
public enum ProcessFacts {
  /// The cgroup (v2 unified, or v1 memory controller) path from `/proc/PID/cgroup` text.
  public static func cgroupPath(_ text: String) -> (path: String, v2: Bool)? {
    var v1: String?
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      if fields[0] == "0" && fields[1].isEmpty { return (String(fields[2]), true) }
      if fields[1].split(separator: ",").contains("memory") { v1 = String(fields[2]) }
    }
    return v1.map { ($0, false) }
  }

  /// A limit file's value in bytes: nil for `max` or v1's "unlimited" (≥ 2^60).
  public static func limitValue(_ text: String) -> UInt64? {
    let trimmed = text.split(separator: "\n").first.map(String.init) ?? ""
    guard let value = UInt64(trimmed), value < 1 << 60 else { return nil }
    return value
  }

  /// The tightest memory limit on the process's cgroup and its ancestors, bytes.
  public static func readCgroupLimit(pid: Int32, procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup") -> UInt64? {
    guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/cgroup", encoding: .utf8),
      let (path, v2) = cgroupPath(text)
    else { return nil }
    let base = v2 ? cgroupRoot : cgroupRoot + "/memory"
    let file = v2 ? "memory.max" : "memory.limit_in_bytes"
    var best: UInt64?
    var components = path.split(separator: "/").map(String.init)
    while true {
      let dir = base + (components.isEmpty ? "" : "/" + components.joined(separator: "/"))
      if let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8), let limit = limitValue(text) {
        best = min(best ?? limit, limit)
      }
      if components.isEmpty { break }
      components.removeLast()
    }
    return best
  }

  /// The process's age now, seconds, from `/proc/uptime` and its start time in clock ticks.
  public static func readAge(startTimeTicks: UInt64, procRoot: String = "/proc") -> Double? {
    guard let text = try? String(contentsOfFile: "\(procRoot)/uptime", encoding: .utf8),
      let first = text.split(separator: " ").first, let uptime = Double(first)
    else { return nil }
    return max(uptime - Double(startTimeTicks) / Syscalls.clockTicksPerSecond(), 0)
  }
}
