/// The help texts of the shared target and sampling options that each command words for
/// itself (the flags, their short names and their parsing are declared once, in
/// ``TargetOptions`` and ``SamplingOptions``).
protocol OptionWording {
  /// `--pid`.
  static var pid: String { get }
  /// `--follow-name`.
  static var followName: String { get }
  /// `--children`.
  static var children: String { get }
  /// `--interval`, with its default when it has one.
  static var interval: String { get }
}

/// The live view's words: it watches.
enum MonitorWording: OptionWording {
  static let pid = "Process id to watch."
  static let followName =
    "Follow the oldest process with this command name (or, when none has it, running a script of that name: app.py or app) across restarts; each lifetime is a new series segment."
  static let children =
    "Watch the process and all its descendants: the charts show the tree's total (RSS summed, PSS total in the header); p switches to each process."
  static let interval = "Seconds between samples (0.01 to 3600; default 1)."
}

/// `record`'s words: it attaches and writes rows.
enum RecordWording: OptionWording {
  /// Seconds between samples when `--interval` is not given.
  static let defaultInterval = 0.5
  static let pid = "Process id to attach to."
  static let followName =
    "Follow the oldest process with this command name (or, when none has it, running a script of that name: app.py or app), and when it exits wait for it to start again: each lifetime is a new series segment (new pid and start_ticks)."
  static let children =
    "Follow the process and all its descendants (found every tick); the rows hold the tree's total: PSS summed correctly, RSS summed (shared pages counted once per process)."
  // Worded as the parser words a default, which it cannot show for an optional value.
  static let interval = "Seconds between samples (0.01 to 3600). (default: \(defaultInterval))"
}
