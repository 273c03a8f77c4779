/// Facts about the monitoring session the header shows; set by the app, read by the model.
public struct SessionInfo: Sendable, Equatable {
  /// Whether the target still runs.
  public enum TargetState: Sendable, Equatable {
    /// Being sampled.
    case running
    /// Gone; the text says how (e.g. `exited with status 0`).
    case exited(String)
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
  /// Samples that could not be taken (gaps).
  public var missed = 0
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
