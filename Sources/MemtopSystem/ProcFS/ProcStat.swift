/// The fields memtop uses from `/proc/PID/stat`.
public struct ProcStat: Sendable, Equatable {
  /// Process id (field 1).
  public var pid: Int32
  /// Command name between the parentheses (field 2). Untrusted: may hold spaces, `)` or control bytes.
  public var comm: String
  /// One-letter state (field 3).
  public var state: String
  /// Parent process id (field 4).
  package var ppid: Int32
  /// Start time after boot in clock ticks (field 22): with `pid`, the process's identity.
  public var startTimeTicks: UInt64
  /// Resident set size in pages (field 24).
  package var rssPages: Int64
  /// Minor plus major page faults of the children it has reaped (fields 11 and 13): it grows
  /// whenever the process waits for a child that ran, however briefly.
  package var reapedChildFaults: UInt64 = 0
  /// The wait status a zombie leaves for its parent (field 52, Linux 3.5+; 0 while it runs).
  public var exitCode: Int32? = nil

  /// Parses the text of `stat`.
  public static func parse(_ text: String) throws(ProcParseError) -> ProcStat {
    try text.withUTF8Bytes { bytes throws(ProcParseError) in try parse(bytes) }
  }

  /// Parses the raw bytes of `stat`. The name is delimited by the first `(` and the *last* `)`.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ProcParseError) -> ProcStat {
    guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
      let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open
    else {
      throw ProcParseError(file: "stat", reason: "no '(comm)' field")
    }
    guard let pid = ByteScanner.parseInt(ByteScanner.fields(bytes[bytes.startIndex..<open]).first ?? bytes[0..<0]),
      let pid32 = Int32(exactly: pid)
    else {
      throw ProcParseError(file: "stat", reason: "no process id before the name")
    }
    let comm = ByteScanner.string(bytes[(open + 1)..<close])
    var restEnd = bytes.endIndex
    if let newline = bytes[(close + 1)...].firstIndex(of: UInt8(ascii: "\n")) { restEnd = newline }
    let rest = ByteScanner.fields(bytes[(close + 1)..<restEnd])
    // rest[0] is field 3 (state); field N is rest[N - 3].
    guard rest.count >= 22 else {
      throw ProcParseError(file: "stat", reason: "expected at least 24 fields, found \(rest.count + 2)")
    }
    guard let ppid = ByteScanner.parseInt(rest[1]).flatMap({ Int32(exactly: $0) }) else {
      throw ProcParseError(file: "stat", reason: "bad ppid '\(ByteScanner.string(rest[1]).prefix(40))'")
    }
    guard let start = ByteScanner.parseUInt(rest[19]) else {
      throw ProcParseError(file: "stat", reason: "bad starttime '\(ByteScanner.string(rest[19]).prefix(40))'")
    }
    guard let rss = ByteScanner.parseInt(rest[21]) else {
      throw ProcParseError(file: "stat", reason: "bad rss '\(ByteScanner.string(rest[21]).prefix(40))'")
    }
    let childFaults = (ByteScanner.parseUInt(rest[8]) ?? 0) &+ (ByteScanner.parseUInt(rest[10]) ?? 0)
    // Field 52 is rest[49]; older kernels end sooner.
    let exitCode = rest.count > 49 ? ByteScanner.parseInt(rest[49]).flatMap { Int32(exactly: $0) } : nil
    return ProcStat(
      pid: pid32, comm: comm, state: ByteScanner.string(rest[0]), ppid: ppid,
      startTimeTicks: start, rssPages: rss, reapedChildFaults: childFaults, exitCode: exitCode)
  }
}
