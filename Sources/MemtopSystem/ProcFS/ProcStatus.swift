/// The fields memtop uses from `/proc/PID/status`; sizes in bytes.
///
/// Memory lines are absent for kernel threads and zombies, so every size is optional.
public struct ProcStatus: Sendable, Equatable {
  /// `Name`: the command name (at most 15 bytes, kernel-escaped). Untrusted text.
  public var name: String
  /// `State`: the one-letter state, e.g. `R`, `S`, `Z`.
  public var state: String
  /// `Pid`.
  public var pid: Int32?
  /// `PPid`.
  package var ppid: Int32?
  /// `Tgid`: the process a thread belongs to (equal to `Pid` for a process itself).
  package var tgid: Int32?
  /// `Uid`: the real user id.
  package var uid: UInt32?
  /// `Threads`.
  public var threads: Int?
  /// `VmHWM`: peak resident set size.
  package var vmHWM: UInt64?
  /// `VmRSS`: resident set size.
  public var vmRSS: UInt64?
  /// `RssAnon`: resident anonymous memory (4.5+).
  package var rssAnon: UInt64?
  /// `RssFile`: resident file-backed memory (4.5+).
  package var rssFile: UInt64?
  /// `RssShmem`: resident shared memory (4.5+).
  package var rssShmem: UInt64?
  /// `VmData`: size of data + stack + private anonymous mappings (virtual).
  package var vmData: UInt64?
  /// `VmSwap`: swapped-out anonymous memory.
  package var vmSwap: UInt64?

  public init(name: String = "", state: String = "") {
    self.name = name
    self.state = state
  }

  /// Whether the memory lines are present (false for kernel threads and zombies).
  package var hasMemory: Bool { vmRSS != nil }

  /// Whether the process has exited and waits to be reaped.
  package var isZombie: Bool { state == "Z" || state == "X" }
}

extension ProcStatus {
  /// Parses the text of `/proc/PID/status`.
  ///
  /// Unknown lines are ignored; a known line with a malformed value, or a file with no
  /// `Name` line (truncated or not a status file), is an error.
  public static func parse(_ text: String) throws(ProcParseError) -> ProcStatus {
    try text.withUTF8Bytes { bytes throws(ProcParseError) in try parse(bytes) }
  }

  /// Parses the raw bytes of `/proc/PID/status`.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ProcParseError) -> ProcStatus {
    var status = ProcStatus()
    var sawName = false
    var failure: ProcParseError?
    ByteScanner(bytes).forEachLine { line in
      // Most of the ~55 lines are of no interest: skip them on the first byte and the key's
      // length before looking further (this parser runs every tick).
      guard let first = line.first, Self.mayBeWanted(first: first, line: line) else { return true }
      guard let (key, value) = ByteScanner.keyValue(line) else { return true }
      func kib(_ assign: (UInt64) -> Void) -> Bool {
        guard let v = ByteScanner.parseKiB(value) else {
          failure = ProcParseError(
            file: "status", reason: "bad value '\(ByteScanner.string(value).prefix(40))' for \(ByteScanner.string(key))"
          )
          return false
        }
        assign(v)
        return true
      }
      switch first {
      case UInt8(ascii: "N") where ByteScanner.equals(key, "Name"):
        status.name = ByteScanner.string(value)
        sawName = true
      case UInt8(ascii: "S") where ByteScanner.equals(key, "State"):
        status.state = value.first.map { String(UnicodeScalar($0)) } ?? ""
      case UInt8(ascii: "P") where ByteScanner.equals(key, "Pid"):
        status.pid = ByteScanner.parseInt(value).flatMap { Int32(exactly: $0) }
      case UInt8(ascii: "P") where ByteScanner.equals(key, "PPid"):
        status.ppid = ByteScanner.parseInt(value).flatMap { Int32(exactly: $0) }
      case UInt8(ascii: "T") where ByteScanner.equals(key, "Tgid"):
        status.tgid = ByteScanner.parseInt(value).flatMap { Int32(exactly: $0) }
      case UInt8(ascii: "U") where ByteScanner.equals(key, "Uid"):
        status.uid = ByteScanner.fields(value).first.flatMap(ByteScanner.parseUInt).flatMap { UInt32(exactly: $0) }
      case UInt8(ascii: "T") where ByteScanner.equals(key, "Threads"):
        status.threads = ByteScanner.parseUInt(value).flatMap { Int(exactly: $0) }
      case UInt8(ascii: "V") where ByteScanner.equals(key, "VmHWM"):
        return kib { status.vmHWM = $0 }
      case UInt8(ascii: "V") where ByteScanner.equals(key, "VmRSS"):
        return kib { status.vmRSS = $0 }
      case UInt8(ascii: "V") where ByteScanner.equals(key, "VmData"):
        return kib { status.vmData = $0 }
      case UInt8(ascii: "V") where ByteScanner.equals(key, "VmSwap"):
        return kib { status.vmSwap = $0 }
      case UInt8(ascii: "R") where ByteScanner.equals(key, "RssAnon"):
        return kib { status.rssAnon = $0 }
      case UInt8(ascii: "R") where ByteScanner.equals(key, "RssFile"):
        return kib { status.rssFile = $0 }
      case UInt8(ascii: "R") where ByteScanner.equals(key, "RssShmem"):
        return kib { status.rssShmem = $0 }
      default:
        break
      }
      return true
    }
    if let failure { throw failure }
    guard sawName else { throw ProcParseError(file: "status", reason: "no Name line (truncated or not a status file)") }
    return status
  }

  /// Whether a line starting with `first` may hold a key the parser reads, judged by the first
  /// byte and where the colon is (the keys are 3 to 8 bytes long).
  @inline(__always)
  static func mayBeWanted(first: UInt8, line: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    let keyLength: Int
    switch first {
    case UInt8(ascii: "N"), UInt8(ascii: "S"), UInt8(ascii: "P"), UInt8(ascii: "U"), UInt8(ascii: "T"),
      UInt8(ascii: "V"), UInt8(ascii: "R"):
      var i = line.startIndex + 1
      let limit = min(line.endIndex, line.startIndex + 9)
      while i < limit && line[i] != UInt8(ascii: ":") { i += 1 }
      guard i < limit else { return false }
      keyLength = i - line.startIndex
    default:
      return false
    }
    switch (first, keyLength) {
    case (UInt8(ascii: "N"), 4), (UInt8(ascii: "S"), 5), (UInt8(ascii: "P"), 3), (UInt8(ascii: "P"), 4),
      (UInt8(ascii: "U"), 3), (UInt8(ascii: "T"), 4), (UInt8(ascii: "T"), 7), (UInt8(ascii: "V"), 5),
      (UInt8(ascii: "V"), 6),
      (UInt8(ascii: "R"), 7), (UInt8(ascii: "R"), 8):
      return true
    default:
      return false
    }
  }
}
