import MemtopFormat
import MemtopSystem

/// `memtop serve`'s loop: every interval, read and judge every process, publish the exposition
/// on the board and into the textfile, and keep the state file.
public struct RadarLoop {
  /// Seconds between two passes.
  public var interval: Double
  /// Seconds after which the loop ends (nil: until stopped).
  public var duration: Double?
  /// Where the exposition goes for the endpoint.
  public var board: MetricsBoard
  /// `--prom-textfile`: replaced atomically after every pass.
  public var textfile: String?
  /// `--state-file`: each lifetime's judged readings, read at start and written every
  /// ``stateEverySeconds`` and at the end.
  public var stateFile: String?
  /// Seconds between two writes of the state file.
  public static let stateEverySeconds = 60.0

  public init(interval: Double, duration: Double?, board: MetricsBoard, textfile: String?, stateFile: String?) {
    self.interval = interval
    self.duration = duration
    self.board = board
    self.textfile = textfile
    self.stateFile = stateFile
  }

  /// Reads the state file, if one is given and exists, and hands its readings to `radar`
  /// (before its first pass); returns what to say about it. A state file that does not exist
  /// yet is written empty. Throws when the path cannot be written, or holds a file that is not
  /// a state file (it is never replaced unasked).
  public func resume(_ radar: HostRadar, clockOrigin: Double) throws(MemtopError) -> String? {
    guard let stateFile else { return nil }
    let shown = Sanitizer.terminalSafe(stateFile, maxLength: 120)
    let boot = RadarState.bootID(procRoot: radar.procRoot)
    let noBoot =
      "--state-file: the boot id cannot be read (\(Sanitizer.terminalSafe(radar.procRoot, maxLength: 80))/sys/kernel/random/boot_id), so no history is resumed or kept"
    guard Syscalls.exists(stateFile) else {
      if boot.isEmpty { return noBoot }
      // Written now, empty, so a path that cannot be written is said at once, not in a minute.
      let empty = RadarState(bootID: boot, lifetimes: [:]).encoded()
      do {
        try Syscalls.writeFileAtomically(stateFile, Array(empty.utf8), mode: 0o600)
      } catch {
        throw MemtopError(message: RecordingMessages.cannotWrite(stateFile, error, option: "--state-file"))
      }
      return nil
    }
    guard Syscalls.isRegularFile(stateFile),
      let text = Syscalls.readSmallFile(stateFile, limit: RadarState.maxFileBytes)
    else {
      throw MemtopError(
        message:
          "--state-file \(shown) is not a regular file memtop can read; give a file memtop may read and replace, or another path",
        status: 1)
    }
    guard case .state(let state, let skipped, let cut) = RadarState.decode(text) else {
      throw MemtopError(
        message:
          "--state-file \(shown) exists and is not a memtop serve state file; give another path (it is not replaced)",
        status: 1)
    }
    guard !boot.isEmpty else { return noBoot }
    guard state.bootID == boot else {
      return "state file \(shown) is from another boot: starting afresh (it is replaced at the first save)"
    }
    let handed = radar.restore(state, clockOrigin: clockOrigin, bootID: boot)
    var note = "resumed the judged history of \(handed) process\(handed == 1 ? "" : "es") from \(shown)"
    if skipped > 0 { note += " (\(skipped) line\(skipped == 1 ? "" : "s") out of range left out)" }
    if cut { note += " (the file was cut short; its readings up to there are used)" }
    return note
  }

  /// Runs passes until `stopRequested` or ``duration``; `warn` says (once each) what could not
  /// be written. `clockOrigin` is the monotonic reading at which this run's time is 0.
  public func run(
    _ radar: HostRadar, clockOrigin: Double, stopRequested: () -> Bool, warn: (String) -> Void
  ) {
    var deadline = clockOrigin
    var lastDuration = 0.0
    var textfileWarned = false
    var stateWarned = false
    var cgroupNoted = false
    var stateSaved = clockOrigin
    let boot = stateFile == nil ? "" : RadarState.bootID(procRoot: radar.procRoot)
    func saveState() {
      guard let stateFile, !boot.isEmpty else { return }
      do {
        let text = radar.state(clockOrigin: clockOrigin, bootID: boot).encoded()
        try Syscalls.writeFileAtomically(stateFile, Array(text.utf8), mode: 0o600)
      } catch {
        if !stateWarned { warn(RecordingMessages.cannotWrite(stateFile, error, option: "--state-file")) }
        stateWarned = true
      }
    }
    while !stopRequested() {
      let began = Syscalls.monotonicSeconds()
      if let duration, began - clockOrigin >= duration { break }
      radar.refresh(now: began - clockOrigin)
      if !cgroupNoted, let note = radar.cgroupNote {
        warn(note)
        cgroupNoted = true
      }
      let (text, _) = radar.render(scrapeDurationSeconds: lastDuration)
      board.publish(text)
      if let textfile {
        do {
          try Syscalls.writeFileAtomically(textfile, Array(text.utf8))
        } catch {
          if !textfileWarned { warn(RecordingMessages.cannotWrite(textfile, error, option: "--prom-textfile")) }
          textfileWarned = true
        }
      }
      if began - stateSaved >= Self.stateEverySeconds {
        saveState()
        stateSaved = began
      }
      lastDuration = Syscalls.monotonicSeconds() - began
      deadline += interval
      // A pass that overran the interval (a loaded host) starts the next one at once, without
      // trying to catch up.
      deadline = max(deadline, Syscalls.monotonicSeconds())
      _ = Syscalls.sleep(untilMonotonic: deadline)
    }
    saveState()
  }
}
