import MemtopSampling

/// Facts about the monitoring session the header shows; set by the app, read by the model.
public struct SessionInfo: Sendable, Equatable {
  /// Whether the target still runs.
  package enum TargetState: Sendable, Equatable {
    /// Being sampled.
    case running
    /// Gone; the text says how (e.g. `exited with status 0`).
    case exited(String)
    /// A recording being replayed from this file.
    case replay(String)
  }

  /// The target's process id.
  package var pid: Int32
  /// Its command name (untrusted; sanitised when drawn).
  package var name: String
  /// Seconds between samples.
  package var interval: Double
  /// The cgroup memory limit, bytes, if any.
  package var limitBytes: UInt64?
  /// The process's age when monitoring started, seconds (nil when unknown).
  package var ageAtStart: Double?
  /// Where a launched command's output goes.
  package var childOutput: String?
  /// Whether that file is removed when memtop ends (the default one; a chosen one is kept).
  package var childOutputRemovedAtExit = false
  /// The CSV file streamed with `--record`.
  package var recordPath: String?
  /// Whether the target still runs.
  package var state: TargetState = .running
  /// Whether the target is stopped (state `T`/`t`: SIGSTOP, or held by a debugger).
  package var stopped = false
  /// Samples that could not be taken (gaps).
  package var missed = 0
  /// With `--children`: what the tree looks like and which of its series is shown.
  package var tree: TreeView?
  /// Where heap comes from and how often it is read (nil until the first detailed read).
  package var heapCadence: DetailCadence?
  /// Where PSS comes from and how often it is read (nil until the first detailed read).
  package var rollupCadence: DetailCadence?
  /// Why heap (from `smaps`) cannot be read, e.g. `permission`; nil while it can.
  package var heapUnavailable: String?
  /// What to do about it, e.g. grant CAP_SYS_PTRACE.
  package var heapFix: String?

  public init(pid: Int32, name: String, interval: Double) {
    self.pid = pid
    self.name = name
    self.interval = interval
  }
}

/// Which series of a process tree the charts show.
package struct TreeView: Sendable, Equatable {
  /// Processes in the tree now.
  package var processes: Int
  /// The latest total PSS of the tree, bytes (read within the detail budget).
  package var totalPSS: UInt64?
  /// `nil` when the charts show the tree's total; else the process shown, counted from 1,
  /// with how many series (total excluded) there are to choose from.
  package var member: (index: Int, of: Int)?

  package init(processes: Int, totalPSS: UInt64? = nil, member: (index: Int, of: Int)? = nil) {
    self.processes = processes
    self.totalPSS = totalPSS
    self.member = member
  }

  /// Whether the charts show the summed total (so RSS, heap and anon are labelled "summed").
  package var showsTotal: Bool { member == nil }

  package static func == (a: TreeView, b: TreeView) -> Bool {
    a.processes == b.processes && a.totalPSS == b.totalPSS && a.member?.index == b.member?.index
      && a.member?.of == b.member?.of
  }
}
