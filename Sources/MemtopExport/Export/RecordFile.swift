import MemtopSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file written in whole records (a recording's rows, the Python agent's lines): the rules
/// every file memtop writes follows.
///
/// An existing file is replaced only when asked (`replaceExisting`). A *staged* file is written
/// to a temporary file beside `path` and moved into place on ``commit()``: until then a failure
/// (a command that cannot be launched) leaves whatever was at `path` untouched. Records
/// accumulate in memory and go out in one `write` per flush; a write that fails part-way (a
/// full disk) is cut back to the last whole record, so the file never ends in half of one, and
/// ``recordsSaved`` says how many it holds.
package final class RecordFile {
  /// Where the records go, for messages: a path, or `-` for standard output.
  package let path: String
  private let fd: Int32
  private let ownsFD: Bool
  /// The temporary file written until ``commit()``, for a staged file.
  private var stagedPath: String?
  private let replaceExisting: Bool
  /// Whether ``commit()`` moved a staged file into place.
  private var committed = false
  private var pending: [UInt8] = []
  private var pendingRecords = 0
  /// Bytes known to be written (whole records).
  private var savedBytes = 0
  /// Set once a write failed: later records are dropped so the file keeps whole ones only.
  private var failure: CSVWriteError?
  /// Records queued so far (flushed or pending).
  package private(set) var records = 0
  /// Records known to be in the file (flushed).
  package private(set) var recordsSaved = 0

  /// Creates `path` (`-`: standard output; a device or a pipe is written as it is).
  ///
  /// - Throws: when a file exists at `path` and may not be replaced, or it cannot be created.
  package init(path: String, replaceExisting: Bool, staged: Bool) throws(CSVWriteError) {
    self.path = path
    self.replaceExisting = replaceExisting
    if path == "-" {
      fd = 1
      ownsFD = false
      return
    }
    let existing = Self.kind(path)
    if !replaceExisting && existing == .regular {
      throw CSVWriteError(path: path, cause: .other(errno: EEXIST), creating: true)
    }
    do {
      // A device or a pipe (/dev/null, a FIFO) is written as it is: nothing to stage or keep.
      if staged && existing != .other {
        (fd, stagedPath) = try Self.makeTemporary(beside: path)
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

  deinit {
    discard()
    if ownsFD { Syscalls.close(fd) }
  }

  /// Whether the records are still going to a temporary file.
  package var isStaged: Bool { stagedPath != nil }

  /// Moves a staged file into place at `path` (replacing a file there only if allowed).
  package func commit() throws(CSVWriteError) {
    guard let temporary = stagedPath else { return }
    let result = replaceExisting ? rename(temporary, path) : Self.moveNoReplace(temporary, path)
    if result != 0 {
      let code = errno
      throw CSVWriteError(path: path, cause: SystemError(errno: code), creating: true)
    }
    stagedPath = nil
    committed = true
  }

  /// Removes an uncommitted staged file.
  package func discard() {
    if let stagedPath { unlink(stagedPath) }
    stagedPath = nil
  }

  /// Takes back a ``commit()`` that nothing was written after: removes the empty file it moved
  /// into place. A file that holds records is never removed.
  package func withdraw() {
    guard committed, records == 0 else { return }
    unlink(path)
    committed = false
  }

  /// Queues bytes that are not a record (a header).
  package func appendPreamble(_ bytes: some Sequence<UInt8>) {
    guard failure == nil else { return }
    pending.append(contentsOf: bytes)
  }

  /// Queues one record, which `write` appends to the pending bytes.
  package func appendRecord(_ write: (inout [UInt8]) -> Void) {
    guard failure == nil else { return }
    write(&pending)
    records += 1
    pendingRecords += 1
  }

  /// Writes every queued record.
  package func flush() throws(CSVWriteError) {
    if let failure { throw failure }
    guard !pending.isEmpty else { return }
    var written = 0
    var error: SystemError?
    do throws(SystemError) {
      try Syscalls.writeAll(fd, pending, written: &written)
    } catch let failure {
      error = failure
    }
    if let error {
      // Cut a part-written record off a regular file; a pipe keeps what it got.
      if written > 0 && ownsFD { _ = ftruncate(fd, off_t(savedBytes)) }
      let failed = CSVWriteError(path: path, cause: error, creating: false, rowsSaved: recordsSaved)
      failure = failed
      pending.removeAll()
      throw failed
    }
    savedBytes += pending.count
    recordsSaved += pendingRecords
    pendingRecords = 0
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes and asks the kernel to put the data on disk (a no-op for pipes and terminals).
  package func finish() throws(CSVWriteError) {
    try flush()
    do {
      try Syscalls.sync(fd)
    } catch {
      throw CSVWriteError(path: path, cause: error, creating: false, rowsSaved: recordsSaved)
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
