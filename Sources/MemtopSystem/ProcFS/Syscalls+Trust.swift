import CLinuxSys

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What memtop needs to decide whether a directory can be trusted with code another program
/// will run, and to work inside one through a descriptor rather than a path (which anyone who
/// may write a parent could swap), in the style of ``Syscalls``.
extension Syscalls {
  /// The owner, type and permission bits of a file, as `lstat` or `fstat` sees it.
  public struct FileFacts: Sendable, Equatable {
    /// Permission bits and set-id/sticky bits (`st_mode & 07777`).
    package var permissions: UInt32
    /// `st_uid`.
    package var owner: UInt32
    /// A directory.
    public var isDirectory: Bool
    /// A symbolic link (only from ``facts(_:)``, which does not follow one).
    package var isSymbolicLink: Bool
    /// A regular file.
    package var isRegularFile: Bool

    init(_ info: stat) {
      let type = info.st_mode & S_IFMT
      permissions = UInt32(info.st_mode & 0o7777)
      owner = info.st_uid
      isDirectory = type == S_IFDIR
      isSymbolicLink = type == S_IFLNK
      isRegularFile = type == S_IFREG
    }

    /// Writable by someone other than the owner (group or others).
    package var writableByOthers: Bool { permissions & 0o022 != 0 }
    /// The sticky bit: only an entry's owner (or the directory's, or root) may rename or remove it.
    package var isSticky: Bool { permissions & 0o1000 != 0 }
  }

  /// The facts of `path` itself (a final symbolic link is not followed), or nil.
  public static func facts(_ path: String) -> FileFacts? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return FileFacts(info)
  }

  /// The facts of an open descriptor, or nil.
  public static func facts(descriptor fd: Int32) -> FileFacts? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return FileFacts(info)
  }

  /// This process's effective user id: the one files it creates belong to.
  package static func effectiveUserID() -> UInt32 { geteuid() }

  /// `path` with every symbolic link and `.`/`..` resolved, or nil when it does not exist.
  package static func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Creates the directory `path` with `mode` (the umask applies); `EEXIST` when it exists.
  package static func makeDirectory(_ path: String, mode: UInt32) throws(SystemError) {
    _ = try valueOrErrno { mkdir(path, mode_t(mode)) }
  }

  /// Opens the directory `path` without following a final symbolic link (close-on-exec).
  package static func openDirectoryNoFollow(_ path: String) throws(SystemError) -> Int32 {
    try valueOrErrno { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
  }

  /// Creates `name` (which must not exist) inside the directory open as `directory`,
  /// holding `bytes`, with `mode`; a planted symbolic link is never followed.
  package static func writeNewFile(in directory: Int32, name: String, _ bytes: [UInt8], mode: UInt32)
    throws(SystemError)
  {
    let fd = try valueOrErrno {
      openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
    }
    defer { close(fd) }
    try writeAll(fd, bytes)
    _ = try valueOrErrno { fchmod(fd, mode_t(mode)) }
  }

  /// Removes the entry `name` of the directory open as `directory` (a file, socket or link,
  /// never followed); errors are ignored.
  package static func removeEntry(in directory: Int32, name: String) {
    _ = unlinkat(directory, name, 0)
  }

  /// Starts memtop's janitor for the private directory open as `directory` at `path`: a small
  /// process (`memtop-janitor`, its own process group) that empties and removes the directory
  /// if memtop dies in any way, SIGKILL included, and otherwise waits. ``stopJanitor(_:)``
  /// ends it once memtop has removed the directory itself. Call it from the main thread (the
  /// kernel's death signal follows the thread that started it). Returns its pid, or nil.
  package static func startJanitor(directory: Int32, path: String) -> Int32? {
    let pid = path.withCString { memtop_spawn_janitor(directory, $0) }
    return pid > 0 ? pid : nil
  }

  /// Ends a janitor without letting it clean (memtop cleaned), and reaps it.
  package static func stopJanitor(_ pid: Int32) {
    _ = kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }
}
