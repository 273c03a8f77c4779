extension ProcReadError {
  /// The one line saying why process `pid` cannot be watched, and what to do about it.
  ///
  /// A PID that `/proc` does not show is either gone or hidden (`/proc` mounted with
  /// `hidepid`): from inside, both look the same, so the message names both.
  package func openMessage(pid: Int32) -> String {
    switch self {
    case .processGone:
      "no such process or not visible: PID \(pid) (it has exited, or /proc is mounted with hidepid); check it with ps -p \(pid), or run memtop as the process's user or as root"
    case .permissionDenied:
      "cannot read /proc/\(pid) (permission denied); run memtop as the process's user or as root"
    case .malformed(let parse):
      "cannot read /proc/\(pid): \(parse)"
    case .unsupported, .system:
      "cannot read /proc/\(pid): \(self)"
    }
  }

  /// Why the detailed figures (heap, PSS, USS) are missing, in a few words for a chart title,
  /// e.g. `permission`; `nil` for transient errors.
  public var unavailableReason: String? {
    switch self {
    case .permissionDenied: "permission"
    case .processGone, .unsupported: "no memory map"
    case .malformed, .system: nil
    }
  }

  /// How to get the detailed figures back, for a denied `smaps` read.
  public static let detailPermissionFix =
    "run memtop as the process's user, or grant CAP_SYS_PTRACE (or CAP_PERFMON on Linux 6.15+)"
}
