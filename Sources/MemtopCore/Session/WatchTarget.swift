import MemtopSystem

/// What a watch session watches.
public enum WatchTarget: Sendable, Equatable {
  /// A running process, by id. A launcher (a shell, `env`, `timeout`, a pyenv shim...) whose
  /// child does the work is followed to that child.
  case pid(Int32)
  /// A command to launch (argv, run without a shell); the session owns its life.
  case launch([String])
  /// The oldest process with this command name, followed across restarts.
  case follow(String)
}

/// Where a launched command's standard output and error go.
public enum LaunchOutput: Sendable, Equatable {
  /// memtop's own (the terminal `record` runs in).
  case inherit
  /// Standard output to memtop's standard error (memtop writes data to standard output).
  case stdoutToStderr
  /// Both to a log (appended), input from `/dev/null`: the live view owns the terminal. The
  /// path given is created 0600 when missing and kept; without one, a private file made for
  /// the watch is removed when it is over (``ChildOutputLog``).
  case log(String?)
}

/// How a watch session samples, stores and judges.
public struct WatchOptions: Sendable {
  /// Seconds between samples.
  public var interval: Double
  /// Seconds to watch, or nil for "until the target exits or the driver stops".
  public var duration: Double?
  /// Watch the process and all its descendants (`--children`).
  public var children = false
  /// Also hand each member's row to the sinks after the total's (`--per-process`).
  public var perProcess = false
  /// Share of one core the detailed reads may use (0.01 = 1 %).
  public var detailBudget = 0.01
  /// Seconds per second the detailed reads may stall the target (0.005 = 5 ms/s).
  public var maxStall = 0.005
  /// Seconds after which the detailed reads are repeated though the target's sizes did not
  /// move (before that only a move brings one); 0: as often as the budget allows.
  public var detailMaxAge = 60.0
  /// The memory limit the verdict projects against (`--limit`), else the cgroup's.
  public var limit: MemoryLimit?
  /// Follow a launcher to the program it runs.
  public var followLaunchers = true
  /// Samples the main store keeps at full resolution before keeping only its pyramids.
  public var fullResolutionCapacity = 1 << 17
  /// Samples the store of memory by kind keeps at full resolution (eight figures a sample,
  /// read on the detailed cadence: 2¹⁵ walks are days of a real watch, 1.3 MB at most).
  public var regionFullResolutionCapacity = 1 << 15
  /// Samples each member's store keeps at full resolution.
  public var memberCapacity = 1 << 13
  /// Give a launched command memtop's terminal (its foreground group), when standard input is
  /// one: `record` does, so an interactive program reads its input and gets its Ctrl-C.
  public var launchInForeground = false
  /// The `/proc` mount to read (a fixture tree in tests).
  public var procRoot = "/proc"
  /// Monotonic seconds `elapsed` counts from, when earlier than the watch's start (the process
  /// table's first reading of a process opened from it, so its history and the live samples
  /// share one time axis); nil: from when the target is resolved.
  public var elapsedOrigin: Double?
  /// Load the Python agent (`--python`): into a launched command through `PYTHONPATH`, into a
  /// running CPython by injection.
  public var python: PythonOptions?

  public init(interval: Double, duration: Double? = nil) {
    self.interval = interval
    self.duration = duration
  }
}
