/// Whole-process totals from `/proc/PID/smaps_rollup` (or summed from `smaps`); bytes.
public struct MemoryRollup: Sendable, Equatable {
  /// `Rss`: exact resident set size.
  public var rss: UInt64 = 0
  /// `Pss`: proportional set size.
  public var pss: UInt64 = 0
  /// `Private_Clean`.
  package var privateClean: UInt64 = 0
  /// `Private_Dirty`.
  package var privateDirty: UInt64 = 0
  /// `Anonymous`: resident anonymous pages.
  public var anonymous: UInt64 = 0
  /// `Swap`.
  public var swap: UInt64 = 0
  /// `SwapPss`: proportional swap.
  package var swapPss: UInt64 = 0

  public init() {}

  /// Unique set size: memory that would be freed if the process exited.
  package var uss: UInt64 { privateClean &+ privateDirty }

  /// Adds one `Key: N kB` line's value to the matching total; returns false on a malformed value.
  mutating func accumulate(key: Slice<UnsafeBufferPointer<UInt8>>, value: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    @inline(__always) func add(_ total: inout UInt64) -> Bool {
      guard let bytes = ByteScanner.parseKiB(value) else { return false }
      let (sum, overflow) = total.addingReportingOverflow(bytes)
      if overflow { return false }
      total = sum
      return true
    }
    switch key.count {
    case 3 where ByteScanner.equals(key, "Rss"): return add(&rss)
    case 3 where ByteScanner.equals(key, "Pss"): return add(&pss)
    case 4 where ByteScanner.equals(key, "Swap"): return add(&swap)
    case 7 where ByteScanner.equals(key, "SwapPss"): return add(&swapPss)
    case 9 where ByteScanner.equals(key, "Anonymous"): return add(&anonymous)
    case 13 where ByteScanner.equals(key, "Private_Clean"): return add(&privateClean)
    case 13 where ByteScanner.equals(key, "Private_Dirty"): return add(&privateDirty)
    default: return true
    }
  }

  /// Parses the text of `smaps_rollup`.
  public static func parse(_ text: String) throws(ProcParseError) -> MemoryRollup {
    try text.withUTF8Bytes { bytes throws(ProcParseError) in try parse(bytes) }
  }

  /// Parses the raw bytes of `smaps_rollup`: one `[rollup]` header, then `Key: N kB` lines.
  ///
  /// An empty file (a kernel thread, or a process that exited mid-read) is an error, so the
  /// caller reports the figures as absent rather than 0.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(ProcParseError) -> MemoryRollup {
    var rollup = MemoryRollup()
    var sawRss = false
    var failure: ProcParseError?
    ByteScanner(bytes).forEachLine { line in
      guard let (key, value) = ByteScanner.keyValue(line), !key.contains(UInt8(ascii: " ")) else { return true }
      if ByteScanner.equals(key, "Rss") { sawRss = true }
      if !rollup.accumulate(key: key, value: value) {
        failure = ProcParseError(
          file: "smaps_rollup",
          reason: "bad value '\(ByteScanner.string(value).prefix(40))' for \(ByteScanner.string(key))")
        return false
      }
      return true
    }
    if let failure { throw failure }
    guard sawRss else {
      throw ProcParseError(file: "smaps_rollup", reason: "no Rss line (empty, truncated, or a kernel thread)")
    }
    return rollup
  }
}
