import MemtopFormat
import MemtopSystem

/// Where a launched command writes its output (``LaunchOutput/log(_:)``, the live view's) (its standard output and
/// error), which may hold secrets (`API_TOKEN=…` printed by a root-launched command).
///
/// By default a file only its owner may read (0600), created new (`O_EXCL`, no link followed)
/// in a directory made for it (`mkdtemp`, 0700) under `$TMPDIR` (else `/tmp`), and removed with
/// its directory when the watch is over. A `--child-output` path the user chose is theirs: created
/// 0600 the same way when missing, appended to when there, and kept.
public struct ChildOutputLog: Sendable {
  /// The file the command writes to.
  public let path: String
  /// The private directory made for a default log (removed with it); nil for a chosen path.
  let directory: String?
  /// Whether memtop created the file (rather than finding the chosen one there).
  let created: Bool

  /// Whether the log goes when the watch is over.
  public var isRemovedAtExit: Bool { directory != nil }

  /// Creates the log: at `chosen`, or a default one as above.
  ///
  /// - Throws: a one-line error naming the path and the fix when it cannot be created.
  init(chosen: String?, environment: [String: String], pid: Int32) throws(MemtopError) {
    guard let chosen else {
      let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
      let base = temporary.hasSuffix("/") ? temporary : temporary + "/"
      let directory: String
      do {
        directory = try Syscalls.makePrivateDirectory(prefix: base + "memtop-")
      } catch {
        throw MemtopError(
          message:
            "cannot make a private directory for the command's output in '\(Sanitizer.terminalSafe(temporary))': \(error); set TMPDIR to a writable directory, or choose a --child-output file"
        )
      }
      let path = directory + "/memtop-child-\(pid).log"
      do {
        Syscalls.close(try Syscalls.createPrivateFile(path, mode: 0o600))
      } catch {
        Syscalls.removeDirectory(directory)
        throw MemtopError(
          message:
            "cannot create the child output file '\(Sanitizer.terminalSafe(path))': \(error); set TMPDIR to a writable directory, or choose a --child-output file"
        )
      }
      self.path = path
      self.directory = directory
      created = true
      return
    }
    path = chosen
    directory = nil
    created = Syscalls.fileKind(atPath: chosen, followLinks: false) == nil
    if created {
      do {
        Syscalls.close(try Syscalls.createPrivateFile(chosen, mode: 0o600))
      } catch {
        throw MemtopError(
          message:
            "cannot create the child output file '\(Sanitizer.terminalSafe(chosen))': \(error); choose a writable --child-output path"
        )
      }
    } else if !Syscalls.canWrite(chosen) {
      throw MemtopError(
        message:
          "cannot write to the child output file '\(Sanitizer.terminalSafe(chosen))'; choose a writable --child-output path"
      )
    }
  }

  /// Whether nothing was written to the log.
  var isEmpty: Bool { Syscalls.fileSize(path).map { $0 == 0 } ?? true }

  /// Removes a default log and its directory (the watch is over); a chosen path is kept.
  public func removeIfDefault() {
    guard let directory else { return }
    Syscalls.removeFile(path)
    Syscalls.removeDirectory(directory)
  }

  /// Removes the log whatever it is, when memtop created it and nothing was written to it (a
  /// launch that failed leaves no empty file behind).
  func removeIfEmpty() {
    guard created, isEmpty else { return }
    Syscalls.removeFile(path)
    if let directory { Syscalls.removeDirectory(directory) }
  }
}
