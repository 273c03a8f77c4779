/// `/proc/PID/statm`: sizes in pages, converted to bytes.
public struct ProcStatm: Sendable, Equatable {
  /// Total program size (virtual).
  public var size: UInt64
  /// Resident set size.
  public var resident: UInt64
  /// Resident shared pages (file-backed and shmem).
  public var shared: UInt64
  /// Text (code).
  public var text: UInt64
  /// Data + stack.
  public var data: UInt64

  /// Resident anonymous memory: resident − shared (equals `RssAnon` exactly).
  public var anon: UInt64 { resident >= shared ? resident - shared : 0 }

  /// Parses the text of `statm`; `pageSize` converts pages to bytes.
  public static func parse(_ text: String, pageSize: UInt64) throws(ProcParseError) -> ProcStatm {
    try text.withUTF8Bytes { bytes throws(ProcParseError) in try parse(bytes, pageSize: pageSize) }
  }

  /// Parses the raw bytes of `statm`.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, pageSize: UInt64) throws(ProcParseError) -> ProcStatm {
    var firstLine: Slice<UnsafeBufferPointer<UInt8>>?
    ByteScanner(bytes).forEachLine { line in
      firstLine = line
      return false
    }
    let fields = firstLine.map(ByteScanner.fields) ?? []
    guard fields.count >= 6 else {
      throw ProcParseError(file: "statm", reason: "expected 7 numbers, found \(fields.count)")
    }
    var values: [UInt64] = []
    for field in fields.prefix(6) {
      guard let pages = ByteScanner.parseUInt(field) else {
        throw ProcParseError(file: "statm", reason: "'\(ByteScanner.string(field).prefix(40))' is not a page count")
      }
      let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
      if overflow { throw ProcParseError(file: "statm", reason: "page count \(pages) overflows") }
      values.append(bytes)
    }
    return ProcStatm(size: values[0], resident: values[1], shared: values[2], text: values[3], data: values[5])
  }
}
