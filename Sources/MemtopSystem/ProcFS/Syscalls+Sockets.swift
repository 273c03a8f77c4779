#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Private directories, files and Unix sockets: what the Python agent link needs from the
/// kernel, in the style of ``Syscalls`` (EINTR retried, errno typed).
extension Syscalls {
  /// Creates a fresh directory, mode 0700, from `prefix` + six random characters (`mkdtemp`);
  /// returns its path.
  package static func makePrivateDirectory(prefix: String) throws(SystemError) -> String {
    var template = Array((prefix + "XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
      guard let base = buffer.baseAddress else { return false }
      return mkdtemp(base) != nil
    }
    if !made { throw SystemError(errno: errno) }
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Creates `path` (which must not exist) holding `bytes`, with `mode` (e.g. 0o600).
  package static func writeNewFile(_ path: String, _ bytes: [UInt8], mode: UInt32) throws(SystemError) {
    let fd = try valueOrErrno { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode)) }
    defer { close(fd) }
    try writeAll(fd, bytes)
    _ = try valueOrErrno { fchmod(fd, mode_t(mode)) }
  }

  /// Removes a file (or socket); errors are ignored (it is gone either way).
  package static func removeFile(_ path: String) {
    _ = unlink(path)
  }

  /// Removes an empty directory; errors are ignored.
  package static func removeDirectory(_ path: String) {
    _ = rmdir(path)
  }

  /// The names in a directory (without `.` and `..`); empty when it cannot be read.
  package static func directoryEntries(_ path: String) -> [String] {
    entries(path) { _ in true }
  }

  /// The subdirectories of a directory (by the entry's type; not `.` and `..`, never a
  /// symbolic link); empty when it cannot be read.
  package static func subdirectories(_ path: String) -> [String] {
    entries(path) { $0 == UInt8(DT_DIR) }
  }

  /// The names in a directory whose entry type (`d_type`) passes `keep`.
  private static func entries(_ path: String, keep: (UInt8) -> Bool) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      guard keep(entry.pointee.d_type) else { continue }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// The permission bits and owner of `path` (not following a final symbolic link), or nil.
  package static func fileModeAndOwner(_ path: String) -> (mode: UInt32, uid: UInt32)? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return (UInt32(info.st_mode & 0o7777), info.st_uid)
  }

  /// This process's real user id.
  package static func userID() -> UInt32 { getuid() }

  /// This process's id.
  package static func processID() -> Int32 { getpid() }

  /// The target of a symbolic link (e.g. `/proc/PID/exe`), or nil.
  package static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Whether this process may ptrace-attach to `pid`: opening `/proc/PID/mem` asks the kernel
  /// the same question (`PTRACE_MODE_ATTACH`, Yama included) without stopping the process.
  package static func mayTrace(_ pid: Int32) -> Bool {
    guard let fd = try? openReadOnly("/proc/\(pid)/mem") else { return false }
    close(fd)
    return true
  }

  // MARK: - Unix stream sockets

  /// Binds a non-blocking, close-on-exec Unix stream socket at `path` (which must not exist,
  /// at most 107 bytes), makes it mode 0600 and listens; returns the descriptor.
  package static func listenUnix(_ path: String) throws(SystemError) -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else { throw SystemError(errno: ENAMETOOLONG) }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in bytes.enumerated() { raw[i] = byte }
      raw[bytes.count] = 0
    }
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    let fd = try valueOrErrno { socket(AF_UNIX, type, 0) }
    do throws(SystemError) {
      // Bound with a umask that leaves the socket owner-only from its first instant.
      let old = umask(0o177)
      let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      let bindError = errno
      umask(old)
      if bound != 0 { throw SystemError(errno: bindError) }
      _ = try valueOrErrno { chmod(path, 0o600) }
      _ = try valueOrErrno { listen(fd, 16) }
    } catch {
      close(fd)
      throw error
    }
    return fd
  }

  /// Accepts one pending connection (non-blocking, close-on-exec); nil when none waits.
  package static func acceptConnection(_ listener: Int32) throws(SystemError) -> Int32? {
    while true {
      // accept4 needs _GNU_SOURCE; the flags are set right after instead (memtop starts
      // processes from the thread that accepts, so no exec can slip in between).
      let fd = accept(listener, nil, nil)
      if fd >= 0 {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
      }
      let code = errno
      if code == EINTR || code == ECONNABORTED { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return nil }
      throw SystemError(errno: code)
    }
  }

  /// The user id and process id of the process at the other end of a Unix socket
  /// (`SO_PEERCRED`), or nil.
  package static func peerCredentials(_ fd: Int32) -> (uid: UInt32, pid: Int32)? {
    // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (its declaration needs _GNU_SOURCE).
    var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
    var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
    guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, length == 12 else { return nil }
    return (credentials.1, credentials.0)
  }

  /// What a non-blocking read gave.
  package enum ReadResult: Sendable, Equatable {
    /// This many bytes.
    case bytes(Int)
    /// Nothing for now.
    case wouldBlock
    /// The other end closed.
    case endOfFile
  }

  /// Reads what is there from a non-blocking descriptor.
  package static func readAvailable(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError)
    -> ReadResult
  {
    guard let base = buffer.baseAddress else { return .wouldBlock }
    while true {
      let n = read(fd, base, buffer.count)
      if n > 0 { return .bytes(n) }
      if n == 0 { return .endOfFile }
      let code = errno
      if code == EINTR { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
      throw SystemError(errno: code)
    }
  }

  /// Sends as much of `bytes` as the socket takes now (never SIGPIPE); returns the count sent.
  package static func sendAvailable(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
    while true {
      let n = send(fd, base, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
      if n >= 0 { return n }
      let code = errno
      if code == EINTR { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return 0 }
      throw SystemError(errno: code)
    }
  }
}
