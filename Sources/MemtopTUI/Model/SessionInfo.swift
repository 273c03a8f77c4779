import MemtopSampling

/// Facts about the monitoring session the header shows; set by the app, read by the model.
public struct SessionInfo: Sendable, Equatable {
  /// Whether the target still runs.
  public enum TargetState: Sendable, Equatable {
    /// Being sampled.
    case running
    /// Gone; the text says how (e.g. `exited with status 0`).
    case exited(String)
    /// A recording being replayed from this file.
    case replay(String)
  }

  /// The target's process id.
  public var pid: Int32
  /// Its command name (untrusted; sanitised when drawn).
  public var name: String
  /// Seconds between samples.
  public var interval: Double
  /// The cgroup memory limit, bytes, if any.
  public var limitBytes: UInt64?
  /// The process's age when monitoring started, seconds (nil when unknown).
  public var ageAtStart: Double?
  /// Where a launched command's output goes.
  public var childOutput: String?
  /// The CSV file streamed with `--record`.
  public var recordPath: String?
  /// Whether the target still runs.
  public var state: TargetState = .running
  /// Whether the target is stopped (state `T`/`t`: SIGSTOP, or held by a debugger).
  public var stopped = false
  /// Samples that could not be taken (gaps).
  public var missed = 0
  /// With `--children`: what the tree looks like and which of its series is shown.
  public var tree: TreeView?
  /// Where heap comes from and how often it is read (nil until the first detailed read).
  public var heapCadence: DetailCadence?
  /// Where PSS comes from and how often it is read (nil until the first detailed read).
  public var rollupCadence: DetailCadence?
  /// Why heap (from `smaps`) cannot be read, e.g. `permission`; nil while it can.
  public var heapUnavailable: String?
  /// What to do about it, e.g. grant CAP_SYS_PTRACE.
  public var heapFix: String?

  public init(pid: Int32, name: String, interval: Double) {
    self.pid = pid
    self.name = name
    self.interval = interval
  }
}

/// Which series of a process tree the charts show.
public struct TreeView: Sendable, Equatable {
  /// Processes in the tree now.
  public var processes: Int
  /// The latest total PSS of the tree, bytes (read within the detail budget).
  public var totalPSS: UInt64?
  /// `nil` when the charts show the tree's total; else the process shown, counted from 1,
  /// with how many series (total excluded) there are to choose from.
  public var member: (index: Int, of: Int)?

  public init(processes: Int, totalPSS: UInt64? = nil, member: (index: Int, of: Int)? = nil) {
    self.processes = processes
    self.totalPSS = totalPSS
    self.member = member
  }

  /// Whether the charts show the summed total (so RSS, heap and anon are labelled "summed").
  public var showsTotal: Bool { member == nil }

  public static func == (a: TreeView, b: TreeView) -> Bool {
    a.processes == b.processes && a.totalPSS == b.totalPSS && a.member?.index == b.member?.index
      && a.member?.of == b.member?.of
  }
}
