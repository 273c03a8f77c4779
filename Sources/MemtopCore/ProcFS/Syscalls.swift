#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The one place memtop's core calls into the kernel.
///
/// Every call retries `EINTR` where that is safe and turns errno into a ``SystemError``, so the
/// rest of the core never looks at errno.
public enum Syscalls {
  /// Runs `body` until it does not fail with `EINTR`; returns its result or throws the errno.
  @inline(__always)
  static func valueOrErrno<T: BinaryInteger>(retryOnInterrupt: Bool = true, _ body: () -> T) throws(SystemError) -> T {
    while true {
      let result = body()
      if result >= 0 { return result }
      let code = errno
      if retryOnInterrupt && code == EINTR { continue }
      throw SystemError(errno: code)
    }
  }

  /// Opens `path` read-only and close-on-exec.
  public static func openReadOnly(_ path: String) throws(SystemError) -> Int32 {
    try valueOrErrno { open(path, O_RDONLY | O_CLOEXEC) }
  }

  /// Opens (creating or truncating) `path` for writing, close-on-exec, mode 0644.
  public static func openForWriting(_ path: String) throws(SystemError) -> Int32 {
    try valueOrErrno { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
  }

  /// Closes a descriptor; errors are ignored (the descriptor is gone either way).
  public static func close(_ fd: Int32) {
    _ = Glibc.close(fd)
  }

  /// Reads up to `count` bytes at `offset` into `buffer`; returns the number read (0 at end).
  public static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int, offset: Int) throws(SystemError) -> Int {
    try valueOrErrno { Glibc.pread(fd, buffer, count, off_t(offset)) }
  }

  /// Writes all of `bytes`, looping over short writes.
  public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = try valueOrErrno { Glibc.write(fd, base, left) }
      if n == 0 { throw SystemError.noSpace }
      base += n
      left -= n
    }
  }

  /// Forces written data of `fd` to stable storage where the file supports it.
  public static func sync(_ fd: Int32) throws(SystemError) {
    let result = fdatasync(fd)
    if result < 0 {
      let code = errno
      // Pipes, terminals and character devices cannot be synced; that is not a failure.
      if code == EINVAL || code == EROFS || code == ENOTSUP { return }
      throw SystemError(errno: code)
    }
  }

  /// Replaces `path` with `bytes` atomically: writes a temporary file in the same directory,
  /// syncs it, then renames it over `path`, so a reader sees the old file or the new one,
  /// never half of either. The file gets mode 0644; the temporary file is removed on failure.
  public static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array((directory + "." + name + ".tmp.XXXXXX").utf8CString)
    let fd = try template.withUnsafeMutableBufferPointer { buffer throws(SystemError) -> Int32 in
      try valueOrErrno { mkstemp(buffer.baseAddress!) }
    }
    let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    do throws(SystemError) {
      defer { close(fd) }
      let failure: SystemError? = bytes.withUnsafeBytes { raw in
        do throws(SystemError) {
          try writeAll(fd, raw)
          return nil
        } catch {
          return error
        }
      }
      if let failure { throw failure }
      _ = try valueOrErrno { fchmod(fd, 0o644) }
      try sync(fd)
    } catch {
      unlink(temporary)
      throw error
    }
    do throws(SystemError) {
      _ = try valueOrErrno { rename(temporary, path) }
    } catch {
      unlink(temporary)
      throw error
    }
  }

  /// Writes `text` to standard error, ignoring failures (there is nowhere left to report them).
  public static func writeStandardError(_ text: String) {
    var copy = text
    copy.withUTF8 { bytes in
      try? writeAll(2, UnsafeRawBufferPointer(bytes))
    }
  }

  /// Reads a small file whole (at most 1 MiB) as text; nil when it cannot be read.
  public static func readSmallFile(_ path: String) -> String? {
    guard let fd = try? openReadOnly(path) else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 20 {
      let n = chunk.withUnsafeMutableBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return -1 }
        return (try? pread(fd, base, count: buffer.count, offset: bytes.count)) ?? -1
      }
      if n < 0 { return nil }
      if n == 0 { break }
      bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The numeric entries of a directory (the process ids under a `/proc` mount), unsorted.
  ///
  /// Other entries are skipped; an unreadable directory gives an empty list.
  public static func numericEntries(_ path: String) -> [Int32] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var ids: [Int32] = []
    while let entry = readdir(dir) {
      let id = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
        var value: Int32 = 0
        var digits = 0
        for byte in raw {
          if byte == 0 { break }
          guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), value < Int32.max / 10 else { return nil }
          value = value * 10 + Int32(byte - UInt8(ascii: "0"))
          digits += 1
        }
        return digits > 0 ? value : nil
      }
      if let id { ids.append(id) }
    }
    return ids
  }

  /// Whether `fd` is a terminal.
  public static func isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
  }

  /// Whether `path` exists and can be read by this process.
  public static func canRead(_ path: String) -> Bool {
    access(path, R_OK) == 0
  }

  /// Whether `path` exists.
  public static func exists(_ path: String) -> Bool {
    access(path, F_OK) == 0
  }

  /// Seconds on `CLOCK_MONOTONIC`.
  public static func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Seconds since the Unix epoch on `CLOCK_REALTIME`.
  public static func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// CPU seconds this thread has used (`CLOCK_THREAD_CPUTIME_ID`).
  public static func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Sleeps until the monotonic clock reads `deadline` seconds.
  ///
  /// Returns `false` when a signal interrupted the sleep, so the caller can check its stop flag.
  public static func sleep(untilMonotonic deadline: Double) -> Bool {
    guard deadline.isFinite, deadline > 0 else { return true }
    var ts = timespec()
    ts.tv_sec = Int(deadline.rounded(.down))
    ts.tv_nsec = Int((deadline - Double(ts.tv_sec)) * 1e9)
    let rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
    return rc != EINTR
  }

  /// The kernel's clock ticks per second (`_SC_CLK_TCK`), used for `stat` start times.
  public static func clockTicksPerSecond() -> Double {
    let ticks = sysconf(Int32(_SC_CLK_TCK))
    return ticks > 0 ? Double(ticks) : 100
  }

  /// The page size in bytes.
  public static func pageSize() -> UInt64 {
    let size = sysconf(Int32(_SC_PAGESIZE))
    return size > 0 ? UInt64(size) : 4096
  }
}
