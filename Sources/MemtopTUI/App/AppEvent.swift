import MemtopCore
import MemtopSampling
import MemtopSystem

/// Everything the app reacts to, one at a time: input, time, samples, the launched command's
/// end, and stop signals all arrive as one of these.
package enum AppEvent: Sendable, Equatable {
  /// A key press.
  case key(Key)
  /// The terminal changed size (columns, rows).
  case resize(width: Int, height: Int)
  /// A click or a turn of the wheel.
  case mouse(MouseEvent)
  /// A periodic wakeup (once a second) for clocks and expiring messages.
  case tick
  /// The screen's own periodic reading is due (the process table re-reads every process).
  case refresh
  /// A sampling tick's outcome, with what the sampler learnt alongside it.
  case sample(SampleReport)
  /// The command memtop launched has ended (reaped), and how.
  case childExited(ChildTermination)
  /// A stop signal (SIGINT, SIGTERM, SIGHUP) arrived.
  case signal(Int32)
  /// Ctrl-z (SIGTSTP): give the terminal back to the shell and stop until continued.
  case suspend
  /// memtop was continued (SIGCONT) after a stop, its own or anyone's `kill -STOP`: the screen
  /// may hold anything, so take the terminal back and repaint every cell.
  case continued
}

/// One sampling tick as the view sees it: the outcome and the sampler's news.
package struct SampleReport: Sendable, Equatable {
  /// The reading, gap or exit; nil for a tick that only brought news (a notice, a warning).
  package var outcome: SampleOutcome?
  /// The command name of the process watched now (nil: unchanged).
  package var name: String?
  /// Each process's reading behind a tree's total.
  package var members: [MemberSample] = []
  /// Where heap and PSS come from and how often they are read.
  package var cadences: DetailCadences?
  /// Why the detailed figures cannot be read, once known.
  package var detailUnavailable: ProcReadError?
  /// Warnings for the status bar.
  package var warnings: [String] = []
  /// News for the status bar that are not warnings.
  package var notices: [String] = []
  /// Whether the target is stopped (state `T` or `t`: SIGSTOP, or a debugger).
  package var stopped = false
  /// The session's verdict, when it judged on this tick: what the banner shows.
  package var verdict: SessionVerdict?
  /// With `--python`: whether the agent has said hello yet (nil: no agent is asked for).
  package var pythonGreeted: Bool?
  /// Whether the watch now samples a tree (a launcher found to spread its work over one turns
  /// it on after the view opened); nil: unchanged.
  package var watchesTree: Bool?

  package init(_ outcome: SampleOutcome?, name: String? = nil) {
    self.outcome = outcome
    self.name = name
  }
}

/// How the monitor was started.
public struct MonitorConfiguration: Sendable {
  /// What to watch.
  public enum Target: Sendable, Equatable {
    /// A running process.
    case attach(Int32)
    /// A command to launch (argv, run without a shell).
    case launch([String])
    /// The oldest process with this command name, followed across restarts.
    case follow(String)
    /// Every process, in a table (no target given).
    case overview
    /// A recording to replay: its file (for the header) and its main series.
    case replay(path: String, samples: [MemorySample])
  }

  /// What to watch.
  public var target: Target
  /// Seconds between samples.
  public var interval: Double
  /// `--theme NAME|PATH`, if given.
  public var theme: String?
  /// `--themes-dir`, searched first for theme names.
  public var themesDir: String?
  /// `--record FILE.csv`: stream every sample there too.
  public var recordPath: String?
  /// `--ascii`: ASCII glyphs only.
  public var ascii: Bool
  /// Where a launched command's output goes (nil: a temporary file).
  public var childOutput: String?
  /// Share of one core the detailed smaps reads may use (0.01 = 1 %).
  public var detailBudget: Double = 0.01
  /// `--children`: watch the target and all its descendants.
  public var children = false
  /// `--force`: replace existing files (`--record`, `e` exports).
  public var force = false
  /// The memory limit a replayed recording's verdict projects against, bytes (as `memtop analyze --limit`).
  public var replayLimitBytes: UInt64?
  /// `--limit` in the live view: the memory limit the verdict projects against, bytes (default: the cgroup limit).
  public var limitBytes: UInt64?
  /// Seconds per second the detailed reads may stall the target (0.005 = 5 ms/s; 0: no cap).
  public var maxStall: Double = 0.005
  /// `--detail-max-age`: seconds after which the detailed reads are repeated though nothing moved.
  public var detailMaxAge: Double = 60
  /// `--python`: load the Python agent (its files, and whether to trace lines at once).
  public var python: PythonOptions?

  public init(
    target: Target, interval: Double, theme: String? = nil, themesDir: String? = nil, recordPath: String? = nil,
    ascii: Bool = false, childOutput: String? = nil
  ) {
    self.target = target
    self.interval = interval
    self.theme = theme
    self.themesDir = themesDir
    self.recordPath = recordPath
    self.ascii = ascii
    self.childOutput = childOutput
  }
}

extension MonitorConfiguration {
  /// How the live view samples, stores and judges a process, as its flags say.
  var watchOptions: WatchOptions {
    var options = WatchOptions(interval: interval)
    options.children = children
    options.detailBudget = detailBudget
    options.maxStall = maxStall
    options.detailMaxAge = detailMaxAge
    options.limit = limitBytes.map { MemoryLimit(bytes: $0, source: .user) }
    options.python = python
    return options
  }
}

/// The monitor could not start or run: the core's one user-facing error.
public typealias MonitorError = MemtopError
