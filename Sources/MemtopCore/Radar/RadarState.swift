import MemtopFormat
import MemtopSystem

/// What `memtop serve --state-file` keeps across a restart: each process lifetime's judged RSS
/// readings, on the host's monotonic clock, with the boot they belong to.
///
/// The file is text, one lifetime a line, so an operator can read it:
///
///     memtop serve state 1
///     boot 5c1f…
///     p PID START_TICKS TIME:BYTES TIME:BYTES …
///     end COUNT
///
/// It comes from outside memtop's memory, so it is read as untrusted: every number is
/// range-checked, a line that does not parse is left out (and counted), and a file without its
/// `end` line is taken as cut and used up to where it was cut.
public struct RadarState: Sendable, Equatable {
  /// One reading: seconds on the host's monotonic clock, RSS bytes.
  public struct Point: Sendable, Equatable {
    public var time: Double
    public var bytes: Double

    public init(time: Double, bytes: Double) {
      self.time = time
      self.bytes = bytes
    }
  }

  /// The first line of every state file.
  public static let header = "memtop serve state 1"
  /// The most lifetimes and points per lifetime a file may hold.
  public static let maxLifetimes = 100_000
  public static let maxPoints = 1024
  /// The largest file read, bytes.
  public static let maxFileBytes = 64 << 20

  /// The boot the readings belong to (`/proc/sys/kernel/random/boot_id`): monotonic times and
  /// process start times mean nothing across a reboot.
  public var bootID: String
  /// Each lifetime's readings, oldest first.
  public var lifetimes: [ProcessIdentity: [Point]]

  public init(bootID: String, lifetimes: [ProcessIdentity: [Point]]) {
    self.bootID = bootID
    self.lifetimes = lifetimes
  }

  /// The file's text.
  public func encoded() -> String {
    var text = Self.header + "\nboot " + bootID + "\n"
    for (identity, points) in lifetimes.sorted(by: { $0.key.pid < $1.key.pid }) {
      text += "p \(identity.pid) \(identity.startTimeTicks)"
      for point in points {
        text += " " + Self.decimal(point.time) + ":" + String(UInt64(point.bytes.rounded()))
      }
      text += "\n"
    }
    return text + "end \(lifetimes.count)\n"
  }

  /// What reading a state file found.
  public enum Decoded: Sendable, Equatable {
    /// Not a state file at all (its first line is not ``header``).
    case foreign
    /// A state file: its state, lines left out, and whether it was cut before its end.
    case state(RadarState, skippedLines: Int, cut: Bool)
  }

  /// Reads a state file's text.
  public static func decode(_ text: String) -> Decoded {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
    guard lines.first == Substring(header) else { return .foreign }
    lines = lines.dropFirst()
    var bootID = ""
    if let line = lines.first, line.hasPrefix("boot ") {
      bootID = String(line.dropFirst(5).prefix(64)).filter { $0.isHexDigit || $0 == "-" }
      lines = lines.dropFirst()
    }
    var lifetimes: [ProcessIdentity: [Point]] = [:]
    var skipped = 0
    var ended = false
    for line in lines {
      if line.isEmpty { continue }
      if line.hasPrefix("end ") {
        ended = true
        break
      }
      guard lifetimes.count < maxLifetimes, let (identity, points) = lifetime(line) else {
        skipped += 1
        continue
      }
      lifetimes[identity] = points
    }
    return .state(RadarState(bootID: bootID, lifetimes: lifetimes), skippedLines: skipped, cut: !ended)
  }

  /// One `p` line, or nil when any of it is out of range.
  private static func lifetime(_ line: Substring) -> (ProcessIdentity, [Point])? {
    let fields = line.split(separator: " ")
    guard fields.count >= 3, fields.count - 3 <= maxPoints, fields[0] == "p",
      let pid = Int32(fields[1]), pid > 0, let ticks = UInt64(fields[2])
    else { return nil }
    var points: [Point] = []
    points.reserveCapacity(fields.count - 3)
    var last = -Double.infinity
    for field in fields.dropFirst(3) {
      let parts = field.split(separator: ":")
      // Times within ~30 years of boot; RSS under 2^52 bytes (exact in a Double).
      guard parts.count == 2, let time = Double(parts[0]), time.isFinite, time >= 0, time < 1e9, time > last,
        let bytes = UInt64(parts[1]), bytes < 1 << 52
      else { return nil }
      last = time
      points.append(Point(time: time, bytes: Double(bytes)))
    }
    return (ProcessIdentity(pid: pid, startTimeTicks: ticks), points)
  }

  /// A time with one decimal, without a locale or an exponent.
  private static func decimal(_ value: Double) -> String {
    let tenths = Int64((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
  }

  /// The boot id of the host whose `/proc` is `procRoot`, or "" when it cannot be read.
  public static func bootID(procRoot: String) -> String {
    let text = Syscalls.readSmallFile(procRoot + "/sys/kernel/random/boot_id") ?? ""
    return String(text.prefix(64)).filter { $0.isHexDigit || $0 == "-" }
  }
}
