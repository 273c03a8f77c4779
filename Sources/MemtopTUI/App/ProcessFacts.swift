import Foundation
import MemtopCore

/// Facts about the target read once at start: its age. (Its cgroup limit comes from
/// `ProcessHandle.readCgroupLimit()` in the core.)
public enum ProcessFacts {
  /// The process's age now, seconds, from `/proc/uptime` and its start time in clock ticks.
  public static func readAge(startTimeTicks: UInt64, procRoot: String = "/proc") -> Double? {
    guard let text = try? String(contentsOfFile: "\(procRoot)/uptime", encoding: .utf8),
      let first = text.split(separator: " ").first, let uptime = Double(first)
    else { return nil }
    return max(uptime - Double(startTimeTicks) / Syscalls.clockTicksPerSecond(), 0)
  }
}
