#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `NAME.python.jsonl` beside a recording: every line an agent sent, as received, with
/// `"elapsed_s"` (the watch's clock) added first. The rules are the CSV's (``CSVFileWriter``):
/// an existing file is replaced only with `--force`; a staged file waits beside its path until
/// ``commit()``; a failed write is cut back to the last whole line.
public final class PythonJSONLWriter {
  /// Where the lines go.
  public let path: String
  private let fd: Int32
  private var stagedPath: String?
  private let replaceExisting: Bool
  private var pending: [UInt8] = []
  private var savedBytes = 0
  private var failure: CSVWriteError?
  /// Lines written so far.
  public private(set) var lines = 0
  /// Whether ``commit()`` moved the staged file into place.
  private var committedNew = false

  /// The file beside the CSV `csvPath`: `NAME.python.jsonl` for `NAME.csv` (or `NAME`).
  public static func path(besideCSV csvPath: String) -> String {
    (csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) : csvPath) + ".python.jsonl"
  }

  /// Creates the file (staged: a temporary beside it until ``commit()``).
  public init(path: String, replaceExisting: Bool, staged: Bool) throws(CSVWriteError) {
    self.path = path
    self.replaceExisting = replaceExisting
    var info = stat()
    let exists = lstat(path, &info) == 0
    if exists && !replaceExisting { throw CSVWriteError(path: path, cause: .other(errno: EEXIST), creating: true) }
    if staged {
      let slash = path.lastIndex(of: "/")
      let directory = slash.map { String(path[...$0]) } ?? ""
      let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
      var template = Array((directory + "." + name + ".memtop-XXXXXX").utf8CString)
      let descriptor = template.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress.map { mkstemp($0) } ?? -1
      }
      if descriptor < 0 { throw CSVWriteError(path: path, cause: SystemError(errno: errno), creating: true) }
      _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
      fchmod(descriptor, 0o644)
      fd = descriptor
      stagedPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    } else {
      do {
        fd = try replaceExisting ? Syscalls.openForWriting(path) : Syscalls.createNew(path)
      } catch {
        throw CSVWriteError(path: path, cause: error, creating: true)
      }
    }
  }

  deinit {
    if let stagedPath { unlink(stagedPath) }
    Syscalls.close(fd)
  }

  /// Moves a staged file into place (replacing a file there only if allowed).
  public func commit() throws(CSVWriteError) {
    guard let temporary = stagedPath else { return }
    let result: Int32
    if replaceExisting {
      result = rename(temporary, path)
    } else if link(temporary, path) == 0 {
      unlink(temporary)
      result = 0
    } else {
      result = -1
    }
    if result != 0 { throw CSVWriteError(path: path, cause: SystemError(errno: errno), creating: true) }
    stagedPath = nil
    committedNew = true
  }

  /// Takes back a ``commit()`` whose recording will not happen (the CSV beside it could not be
  /// put in place): removes the still empty file it moved into place. Nothing else is touched.
  public func withdraw() {
    guard committedNew, lines == 0 else { return }
    unlink(path)
    committedNew = false
  }

  /// The line to store: `text` (a JSON object) with `"elapsed_s"` (and the sending process,
  /// `"agent_pid"`) first.
  public static func stamped(_ text: String, elapsed: Double, pid: Int32? = nil) -> String {
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    guard trimmed.first == "{" else { return text }
    let rest = trimmed.dropFirst()
    let clock = elapsed.isFinite ? String((elapsed * 1000).rounded() / 1000) : "null"
    let empty = rest.drop { $0 == " " || $0 == "\t" }.first == "}"
    let sender = pid.map { ",\"agent_pid\":\($0)" } ?? ""
    return "{\"elapsed_s\":\(clock)\(sender)" + (empty ? "" : ",") + rest
  }

  /// Queues one received line.
  public func append(_ text: String, elapsed: Double, pid: Int32? = nil) {
    guard failure == nil else { return }
    pending += Array((Self.stamped(text, elapsed: elapsed, pid: pid) + "\n").utf8)
    lines += 1
  }

  /// Writes the queued lines.
  public func flush() throws(CSVWriteError) {
    if let failure { throw failure }
    guard !pending.isEmpty else { return }
    var written = 0
    let fd = self.fd
    var error: SystemError?
    do throws(SystemError) {
      try Syscalls.writeAll(fd, pending, written: &written)
    } catch let failure {
      error = failure
    }
    if let error {
      if written > 0 { _ = ftruncate(fd, off_t(savedBytes)) }
      let failed = CSVWriteError(path: path, cause: error, creating: false)
      failure = failed
      pending = []
      throw failed
    }
    savedBytes += pending.count
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes and syncs.
  public func finish() throws(CSVWriteError) {
    try flush()
    do {
      try Syscalls.sync(fd)
    } catch {
      throw CSVWriteError(path: path, cause: error, creating: false)
    }
  }
}
