#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a path holds, as `stat` sees it, in words for messages.
public enum FileKind: Equatable, Sendable {
  case regular
  case directory
  case fifo
  case socket
  case characterDevice
  case blockDevice
  case symbolicLink
  case other

  /// The kind of a `st_mode`.
  init(mode: mode_t) {
    switch mode & S_IFMT {
    case S_IFREG: self = .regular
    case S_IFDIR: self = .directory
    case S_IFIFO: self = .fifo
    case S_IFSOCK: self = .socket
    case S_IFCHR: self = .characterDevice
    case S_IFBLK: self = .blockDevice
    case S_IFLNK: self = .symbolicLink
    default: self = .other
    }
  }

  /// "a FIFO (named pipe)", "a character device", ...: what follows "it is".
  public var phrase: String {
    switch self {
    case .regular: "a regular file"
    case .directory: "a directory"
    case .fifo: "a FIFO (named pipe)"
    case .socket: "a socket"
    case .characterDevice: "a character device"
    case .blockDevice: "a block device"
    case .symbolicLink: "a symbolic link"
    case .other: "not a file"
    }
  }
}

/// Why a file memtop reads or writes was not opened: a failed call, or something at the path
/// that is not a regular file (which could block memtop or never end).
public enum FileOpenError: Error, Equatable, Sendable, CustomStringConvertible {
  case system(SystemError)
  case notRegular(FileKind)

  public var description: String {
    switch self {
    case .system(let error): error.description
    case .notRegular(let kind): "it is \(kind.phrase), not a regular file"
    }
  }
}

/// Opening files without ever waiting on them: a FIFO with no writer (or reader) blocks `open`
/// for ever, and a device such as `/dev/zero` never ends, so memtop opens with `O_NONBLOCK`,
/// looks at what it opened, and takes regular files only.
extension Syscalls {
  /// Opens `path` for reading if it is a regular file; never blocks in `open` (`O_NONBLOCK`,
  /// cleared once open). With `followLinks` false, a symbolic link as the last component is
  /// refused too (`O_NOFOLLOW`): for a file memtop finds by itself beside another one, where
  /// a planted link must not lead it elsewhere.
  ///
  /// - Throws: ``FileOpenError/notRegular(_:)`` for a FIFO, socket, device, directory (or a
  ///   link, not followed); ``FileOpenError/system(_:)`` when `open` fails (`ENOENT`, ...).
  public static func openRegularFile(_ path: String, followLinks: Bool = true) throws(FileOpenError) -> Int32 {
    let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW)
    let fd: Int32
    do {
      fd = try valueOrErrno { open(path, flags) }
    } catch {
      var info = stat()
      if error.errnoValue == ELOOP && !followLinks && lstat(path, &info) == 0 {
        throw .notRegular(FileKind(mode: info.st_mode))
      }
      throw .system(error)
    }
    return try keepIfRegular(fd)
  }

  /// Opens `path` for writing without ever blocking in `open` (a FIFO without a reader fails
  /// with `ENXIO` instead of waiting), `O_NONBLOCK` cleared once open; what is opened may be
  /// anything, for the caller to look at with ``fileKind(_:)``. A new file gets 0666 less the
  /// umask.
  ///
  /// - Parameters:
  ///   - create: create the file if missing.
  ///   - exclusive: fail with `EEXIST` when something is at `path` (nothing is followed).
  ///   - truncate: empty a regular file that is there.
  public static func openForWriting(
    _ path: String, create: Bool, exclusive: Bool, truncate: Bool = false
  ) throws(SystemError) -> Int32 {
    var flags = O_WRONLY | O_CLOEXEC | O_NONBLOCK
    if create { flags |= O_CREAT }
    if exclusive { flags |= O_EXCL | O_NOFOLLOW }
    if truncate { flags |= O_TRUNC }
    let fd = try valueOrErrno { open(path, flags, 0o666) }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    return fd
  }

  /// What an open descriptor is.
  public static func fileKind(_ fd: Int32) -> FileKind {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return .other }
    return FileKind(mode: info.st_mode)
  }

  /// What is at `path` (following symbolic links unless `followLinks` is false), or nil when
  /// nothing is.
  public static func fileKind(atPath path: String, followLinks: Bool = true) -> FileKind? {
    var info = stat()
    let found = followLinks ? stat(path, &info) : lstat(path, &info)
    return found == 0 ? FileKind(mode: info.st_mode) : nil
  }

  /// Whether `path` is `/dev/null` (or a link to it): the one device a recording may go to.
  public static func isNullDevice(_ path: String) -> Bool {
    var info = stat()
    var null = stat()
    guard stat(path, &info) == 0, stat("/dev/null", &null) == 0 else { return false }
    return (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == null.st_rdev
  }

  /// Whether the open descriptor `fd` is `/dev/null`.
  public static func isNullDevice(_ fd: Int32) -> Bool {
    var info = stat()
    var null = stat()
    guard fstat(fd, &info) == 0, stat("/dev/null", &null) == 0 else { return false }
    return (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == null.st_rdev
  }

  /// Whether `fd` and `path` (not following a final link) are the same file.
  public static func isSameFile(_ fd: Int32, _ path: String) -> Bool {
    var open = stat()
    var named = stat()
    guard fstat(fd, &open) == 0, lstat(path, &named) == 0 else { return false }
    return open.st_dev == named.st_dev && open.st_ino == named.st_ino
  }

  /// Creates a new file that nothing else may be at (`O_EXCL`, no link followed), mode `mode`
  /// exactly (whatever the umask), for writing; returns its descriptor.
  public static func createPrivateFile(_ path: String, mode: UInt32) throws(SystemError) -> Int32 {
    let fd = try valueOrErrno { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode)) }
    _ = fchmod(fd, mode_t(mode))
    return fd
  }

  /// Whether this process may write to `path`.
  public static func canWrite(_ path: String) -> Bool {
    access(path, W_OK) == 0
  }

  /// The size of the file at `path`, bytes, or nil when it cannot be looked at.
  public static func fileSize(_ path: String) -> Int? {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : nil
  }

  /// Keeps `fd` if it is a regular file (closing it otherwise), with `O_NONBLOCK` cleared.
  private static func keepIfRegular(_ fd: Int32) throws(FileOpenError) -> Int32 {
    let kind = fileKind(fd)
    guard kind == .regular else {
      close(fd)
      throw .notRegular(kind)
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    return fd
  }
}
