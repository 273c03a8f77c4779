/// How long a process has run, from `/proc/uptime` and its start time.
public enum ProcessAge {
  /// The process's age now, seconds, from its start time in clock ticks after boot.
  public static func read(startTimeTicks: UInt64, procRoot: String = "/proc") -> Double? {
    guard let text = Syscalls.readSmallFile("\(procRoot)/uptime"),
      let first = text.split(separator: " ").first, let uptime = Double(first), uptime.isFinite
    else { return nil }
    return max(uptime - Double(startTimeTicks) / Syscalls.clockTicksPerSecond(), 0)
  }
}
