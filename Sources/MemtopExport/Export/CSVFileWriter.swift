#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams a recording to a file descriptor: header first, whole rows only, flushed on demand.
///
/// Rows accumulate in memory and go out in one `write` per flush. A write that fails part-way
/// (a full disk) is cut back to the last whole row, so the file never ends in half a row, and
/// ``rowsSaved`` says how many rows it holds.
///
/// An existing file is replaced only when asked (`replaceExisting`). A *staged* writer writes
/// to a temporary file beside `path` and moves it into place on ``commit()``: until then a
/// failure (a command that cannot be launched) leaves whatever was at `path` untouched.
public final class CSVFileWriter {
  /// Where the rows go, for messages: a path, or `-` for standard output.
  public let path: String
  private let fd: Int32
  private let ownsFD: Bool
  private var pending: [UInt8] = []
  private var pendingRows = 0
  private let encoder = CSVRowEncoder()
  /// The temporary file written until ``commit()``, for a staged writer.
  private var stagedPath: String?
  private let replaceExisting: Bool
  /// Bytes known to be written (whole rows).
  private var savedBytes = 0
  /// Set once a write failed: later rows are dropped so the file keeps whole rows only.
  private var failure: CSVWriteError?
  /// Rows written so far (flushed or pending).
  public private(set) var rows = 0
  /// Rows known to be in the file (flushed).
  public private(set) var rowsSaved = 0

  /// Creates `path` and writes the header; `-` means standard output.
  ///
  /// - Parameters:
  ///   - replaceExisting: replace a file already at `path` (`--force`); else refuse it.
  ///   - staged: write to a temporary file until ``commit()``.
  /// - Throws: when the file exists (and may not be replaced) or cannot be created. The header
  ///   is flushed at once, so a path that cannot be written fails here, before any sampling.
  public init(path: String, replaceExisting: Bool = true, staged: Bool = false) throws(CSVWriteError) {
    self.path = path
    self.replaceExisting = replaceExisting
    if path == "-" {
      fd = 1
      ownsFD = false
    } else {
      let existing = Self.kind(path)
      if !replaceExisting && existing == .regular {
        throw CSVWriteError(path: path, cause: .other(errno: EEXIST), creating: true)
      }
      do {
        // A device or a pipe (/dev/null, a FIFO) is written as it is: nothing to stage or keep.
        if staged && existing != .other {
          let (descriptor, temporary) = try Self.makeTemporary(beside: path)
          fd = descriptor
          stagedPath = temporary
        } else if replaceExisting || existing == .other {
          fd = try Syscalls.openForWriting(path)
        } else {
          fd = try Syscalls.createNew(path)
        }
      } catch {
        throw CSVWriteError(path: path, cause: error, creating: true)
      }
      ownsFD = true
    }
    pending.reserveCapacity(64 * 1024)
    pending.append(contentsOf: CSVFormat.headerLine.utf8)
    do {
      try flush()
    } catch {
      discard()
      var headerFailed = error
      headerFailed.rowsSaved = nil
      throw headerFailed
    }
  }

  deinit {
    discard()
    if ownsFD { Syscalls.close(fd) }
  }

  /// Whether the rows are still going to a temporary file.
  public var isStaged: Bool { stagedPath != nil }

  /// Moves a staged file into place at `path` (replacing a file there only if allowed).
  public func commit() throws(CSVWriteError) {
    guard let temporary = stagedPath else { return }
    let result = replaceExisting ? rename(temporary, path) : Self.moveNoReplace(temporary, path)
    if result != 0 {
      let code = errno
      throw CSVWriteError(path: path, cause: SystemError(errno: code), creating: true)
    }
    stagedPath = nil
  }

  /// Removes an uncommitted staged file.
  private func discard() {
    if let stagedPath { unlink(stagedPath) }
    stagedPath = nil
  }

  /// Queues one sample's row.
  public func append(_ sample: MemorySample) {
    guard failure == nil else { return }
    encoder.append(sample, to: &pending)
    rows += 1
    pendingRows += 1
  }

  /// Writes every queued row.
  public func flush() throws(CSVWriteError) {
    if let failure { throw failure }
    guard !pending.isEmpty else { return }
    let fd = self.fd
    var written = 0
    var error: SystemError?
    do throws(SystemError) {
      try Syscalls.writeAll(fd, pending, written: &written)
    } catch let failure {
      error = failure
    }
    if let error {
      // Cut a part-written row off a regular file; a pipe keeps what it got.
      if written > 0 && ownsFD { _ = ftruncate(fd, off_t(savedBytes)) }
      let failed = CSVWriteError(path: path, cause: error, creating: false, rowsSaved: rowsSaved)
      failure = failed
      pending.removeAll()
      throw failed
    }
    savedBytes += pending.count
    rowsSaved += pendingRows
    pendingRows = 0
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes and asks the kernel to put the data on disk (a no-op for pipes and terminals).
  public func finish() throws(CSVWriteError) {
    try flush()
    do {
      try Syscalls.sync(fd)
    } catch {
      throw CSVWriteError(path: path, cause: error, creating: false, rowsSaved: rowsSaved)
    }
  }

  private enum Kind { case none, regular, other }

  /// What is at `path`: nothing, a regular file (or a link to one), or something else.
  private static func kind(_ path: String) -> Kind {
    var info = stat()
    guard stat(path, &info) == 0 else {
      // A dangling symbolic link is something too: never replaced silently.
      return lstat(path, &info) == 0 ? .regular : .none
    }
    return (info.st_mode & S_IFMT) == S_IFREG ? .regular : .other
  }

  /// Creates an empty temporary file in the directory of `path`.
  private static func makeTemporary(beside path: String) throws(SystemError) -> (Int32, String) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array((directory + "." + name + ".memtop-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkstemp($0) } ?? -1
    }
    if fd < 0 { throw SystemError(errno: errno) }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    fchmod(fd, 0o644)
    return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }

  /// Moves `from` to `to` unless something is at `to` (then EEXIST); `from` is gone on success.
  private static func moveNoReplace(_ from: String, _ to: String) -> Int32 {
    if link(from, to) != 0 { return -1 }
    unlink(from)
    return 0
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
  /// Whole rows safely in the file when writing failed.
  public var rowsSaved: Int?

  public init(path: String, cause: SystemError, creating: Bool, rowsSaved: Int? = nil) {
    self.path = path
    self.cause = cause
    self.creating = creating
    self.rowsSaved = rowsSaved
  }

  /// Whether the file was refused because it exists.
  public var fileExists: Bool { cause == .other(errno: EEXIST) }

  public var description: String {
    let target = path == "-" ? "standard output" : "'\(Sanitizer.terminalSafe(path))'"
    if fileExists {
      return "\(target) already exists; add --force to replace it, or choose another name"
    }
    let verb = creating ? "cannot create output file" : "cannot write to"
    let fix: String
    switch cause {
    case .other(errno: EPIPE):
      fix =
        path == "-"
        ? "the program reading memtop's output closed it (as head does); the recording ends here"
        : "the program reading the pipe went away; the recording ends here"
    case .noSpace: fix = "free some disk space or choose another --output"
    case .permissionDenied, .readOnlyFileSystem:
      fix = "choose a writable --output path (or --output - for standard output)"
    case .noSuchFile: fix = "create the directory first or choose another --output path"
    default: fix = "choose another --output path (or --output - for standard output)"
    }
    var text = "\(verb) \(target): \(cause); \(fix)"
    if let rowsSaved, !creating {
      text += "; the \(rowsSaved) \(rowsSaved == 1 ? "row" : "rows") before it are safe in the file, each whole"
    }
    return text
  }
}
