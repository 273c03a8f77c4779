/// Streams a recording to a file descriptor: header first, whole rows only, flushed on demand.
///
/// Rows accumulate in memory and go out in one `write` per flush, so a crash can lose at most
/// the rows since the last flush and never leaves half a row behind.
public final class CSVFileWriter {
  /// Where the rows go, for messages: a path, or `-` for standard output.
  public let path: String
  private let fd: Int32
  private let ownsFD: Bool
  private var pending: [UInt8] = []
  private let encoder = CSVRowEncoder()
  /// Rows written so far (flushed or pending).
  public private(set) var rows = 0

  /// Creates (or truncates) `path` and writes the header; `-` means standard output.
  ///
  /// The header is flushed at once, so a path that cannot be written fails here, before any
  /// sampling starts.
  public init(path: String) throws(CSVWriteError) {
    self.path = path
    if path == "-" {
      fd = 1
      ownsFD = false
    } else {
      do {
        fd = try Syscalls.openForWriting(path)
      } catch {
        throw CSVWriteError(path: path, cause: error, creating: true)
      }
      ownsFD = true
    }
    pending.reserveCapacity(64 * 1024)
    pending.append(contentsOf: CSVFormat.headerLine.utf8)
    try flush()
  }

  deinit {
    if ownsFD { Syscalls.close(fd) }
  }

  /// Queues one sample's row.
  public func append(_ sample: MemorySample) {
    encoder.append(sample, to: &pending)
    rows += 1
  }

  /// Writes every queued row.
  public func flush() throws(CSVWriteError) {
    guard !pending.isEmpty else { return }
    let fd = self.fd
    let failure: SystemError? = pending.withUnsafeBytes { bytes in
      do throws(SystemError) {
        try Syscalls.writeAll(fd, bytes)
        return nil
      } catch {
        return error
      }
    }
    if let failure { throw CSVWriteError(path: path, cause: failure, creating: false) }
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes and asks the kernel to put the data on disk (a no-op for pipes and terminals).
  public func finish() throws(CSVWriteError) {
    try flush()
    do {
      try Syscalls.sync(fd)
    } catch {
      throw CSVWriteError(path: path, cause: error, creating: false)
    }
  }
}

/// The recording could not be written.
public struct CSVWriteError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The output path (`-` for standard output).
  public var path: String
  /// The system error behind it.
  public var cause: SystemError
  /// Whether it failed while creating the file (rather than writing to it).
  public var creating: Bool

  public var description: String {
    let target = path == "-" ? "standard output" : "'\(Sanitizer.terminalSafe(path))'"
    let verb = creating ? "cannot create output file" : "cannot write to"
    let fix: String
    switch cause {
    case .noSpace: fix = "free some disk space or choose another --output"
    case .permissionDenied, .readOnlyFileSystem: fix = "choose a writable --output path (or --output - for standard output)"
    case .noSuchFile: fix = "create the directory first or choose another --output path"
    default: fix = "choose another --output path (or --output - for standard output)"
    }
    return "\(verb) \(target): \(cause); \(fix)"
  }
}
