import MemtopSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file written in whole records (a recording's rows, the Python agent's lines): the rules
/// every file memtop writes follows.
///
/// An existing file is replaced only when asked (`replaceExisting`). A *staged* file's name is
/// taken before anything is launched: a new one is created at `path` at once (`O_EXCL`, so a
/// second recording to the same name fails then, not after its command ran), and an existing
/// one being replaced is written to a temporary file beside it and moved into place on
/// ``commit()``. Until then a failure (a command that cannot be launched) leaves whatever was at
/// `path` untouched, and ``discard()`` takes a new file back. Records accumulate in memory and
/// go out in one `write` per flush; a write that fails part-way (a full disk) is cut back to
/// the last whole record, so the file never ends in half of one, and ``recordsSaved`` says how
/// many it holds.
///
/// Only regular files are written (created 0666 less the umask, never chmod-ed after), plus
/// `/dev/null` and standard output (`-`): a FIFO, socket or other device at `path` is refused
/// before anything is opened for long (a FIFO without a reader would block `open` for ever).
package final class RecordFile {
  /// Where the records go, for messages: a path, or `-` for standard output.
  package let path: String
  private let fd: Int32
  private let ownsFD: Bool
  /// The temporary file written until ``commit()``, for a staged file replacing another.
  private var stagedPath: String?
  /// Whether a staged file was created new at `path` and not yet committed: ``discard()``
  /// removes it.
  private var reserved = false
  private let replaceExisting: Bool
  /// Whether ``commit()`` put a staged file in place.
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

  /// Whether records for `path` go to a file of their own: not to standard output (`-`) or
  /// `/dev/null`, beside which no other file (`NAME.python.jsonl`) belongs.
  package static func isFilePath(_ path: String) -> Bool {
    path != "-" && !Syscalls.isNullDevice(path)
  }

  /// Creates `path` (`-`: standard output; `/dev/null` is written as it is).
  ///
  /// - Throws: when a file exists at `path` and may not be replaced, something that is not a
  ///   regular file is there, or it cannot be created.
  package init(path: String, replaceExisting: Bool, staged: Bool) throws(CSVWriteError) {
    self.path = path
    self.replaceExisting = replaceExisting
    if path == "-" {
      fd = 1
      ownsFD = false
      return
    }
    (fd, stagedPath, reserved) = try Self.open(path, replaceExisting: replaceExisting, staged: staged)
    ownsFD = true
  }

  deinit {
    discard()
    if ownsFD { Syscalls.close(fd) }
  }

  /// Opens `path` by the rules above; returns the descriptor, the temporary file (when one
  /// stands in for an existing file until ``commit()``) and whether a new file was created at
  /// `path` for a staged write.
  private static func open(_ path: String, replaceExisting: Bool, staged: Bool) throws(CSVWriteError) -> (
    Int32, String?, Bool
  ) {
    func failed(_ error: SystemError) -> CSVWriteError { CSVWriteError(path: path, cause: error, creating: true) }
    // Twice at most: a file that appears between the look and the exclusive create is
    // looked at again.
    for attempt in 0..<2 {
      switch kind(path) {
      case .other(let kind):
        guard Syscalls.isNullDevice(path) else { throw CSVWriteError(path: path, refused: kind) }
        let fd: Int32
        do throws(SystemError) {
          fd = try Syscalls.openForWriting(path, create: false, exclusive: false)
        } catch {
          throw failed(error)
        }
        guard Syscalls.isNullDevice(fd) else {
          let kind = Syscalls.fileKind(fd)
          Syscalls.close(fd)
          throw CSVWriteError(path: path, refused: kind)
        }
        return (fd, nil, false)
      case .regular:
        guard replaceExisting else { throw failed(.other(errno: EEXIST)) }
        let fd: Int32
        do throws(SystemError) {
          if staged {
            let (fd, temporary) = try makeTemporary(beside: path)
            return (fd, temporary, false)
          }
          fd = try Syscalls.openForWriting(path, create: true, exclusive: false, truncate: true)
        } catch {
          throw failed(error)
        }
        // Something else put there since the look (a FIFO opened without blocking).
        let kind = Syscalls.fileKind(fd)
        guard kind == .regular else {
          Syscalls.close(fd)
          throw CSVWriteError(path: path, refused: kind)
        }
        return (fd, nil, false)
      case .none:
        do throws(SystemError) {
          return (try Syscalls.openForWriting(path, create: true, exclusive: true), nil, staged)
        } catch {
          if error.errnoValue == EEXIST && attempt == 0 { continue }
          throw failed(error)
        }
      }
    }
    throw failed(.other(errno: EEXIST))
  }

  /// Whether the records are still going to a temporary file.
  package var isStaged: Bool { stagedPath != nil }

  /// Puts a staged file in place at `path` (replacing a file there only if allowed): moves the
  /// temporary file there, or keeps the new file created there.
  package func commit() throws(CSVWriteError) {
    if reserved {
      reserved = false
      committed = true
      return
    }
    guard let temporary = stagedPath else { return }
    let result = replaceExisting ? rename(temporary, path) : Self.moveNoReplace(temporary, path)
    if result != 0 {
      let code = errno
      throw CSVWriteError(path: path, cause: SystemError(errno: code), creating: true)
    }
    stagedPath = nil
    committed = true
  }

  /// Removes an uncommitted staged file: the temporary one, or the new file created at `path`
  /// (if it is still the one this wrote).
  package func discard() {
    if let stagedPath { unlink(stagedPath) }
    stagedPath = nil
    if reserved && Syscalls.isSameFile(fd, path) { unlink(path) }
    reserved = false
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

  private enum Kind {
    case none
    case regular
    case other(FileKind)
  }

  /// What is at `path`: nothing, a regular file (or a link to one), or something else.
  private static func kind(_ path: String) -> Kind {
    guard let kind = Syscalls.fileKind(atPath: path) else {
      // A dangling symbolic link is something too: never replaced silently.
      return Syscalls.fileKind(atPath: path, followLinks: false) == nil ? .none : .regular
    }
    return kind == .regular ? .regular : .other(kind)
  }

  /// Creates an empty temporary file in the directory of `path`, 0666 less the umask, as a new
  /// file at `path` would be.
  private static func makeTemporary(beside path: String) throws(SystemError) -> (Int32, String) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    var lastError = SystemError.other(errno: EEXIST)
    for _ in 0..<100 {
      let suffix = String((0..<6).map { _ in letters.randomElement() ?? "x" })
      let temporary = directory + "." + name + ".memtop-" + suffix
      do throws(SystemError) {
        return (try Syscalls.openForWriting(temporary, create: true, exclusive: true), temporary)
      } catch {
        lastError = error
        if error.errnoValue != EEXIST { break }
      }
    }
    throw lastError
  }

  /// Moves `from` to `to` unless something is at `to` (then EEXIST); `from` is gone on success.
  private static func moveNoReplace(_ from: String, _ to: String) -> Int32 {
    if link(from, to) != 0 { return -1 }
    unlink(from)
    return 0
  }
}
