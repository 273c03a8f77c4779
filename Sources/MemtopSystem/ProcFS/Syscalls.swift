import CLinuxSys

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

  /// Closes a descriptor; errors are ignored (the descriptor is gone either way).
  public static func close(_ fd: Int32) {
    _ = Glibc.close(fd)
  }

  /// Reads up to `count` bytes at `offset` into `buffer`; returns the number read (0 at end).
  public static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, count: Int, offset: Int) throws(SystemError)
    -> Int
  {
    try valueOrErrno { Glibc.pread(fd, buffer, count, off_t(offset)) }
  }

  // MARK: - Address-space ioctls (Linux 6.7+ / 6.11+)

  /// One mapping as the `PROCMAP_QUERY` ioctl describes it.
  package struct MappingInfo: Sendable, Equatable {
    /// First address of the mapping.
    public var start: UInt64
    /// One past its last address.
    public var end: UInt64
    /// Whether it is a shared mapping (`PROCMAP_QUERY_VMA_SHARED`).
    package var isShared: Bool
    /// Its permissions (`PROCMAP_QUERY_VMA_READABLE`, `_WRITABLE`, `_EXECUTABLE`).
    package var isReadable: Bool
    package var isWritable: Bool
    package var isExecutable: Bool
    /// The page size backing it: larger than the base page for a hugetlb mapping.
    public var pageSize: UInt64
    /// The file's inode number, 0 for an anonymous mapping.
    package var inode: UInt64
    /// Length of the name copied into the caller's buffer (0: no name, a plain anonymous mapping).
    package var nameLength: Int
  }

  /// `_IOWR('f', 17, struct procmap_query)`: 104-byte argument.
  static let procmapQueryRequest: UInt = 0xC068_6611
  /// `_IOWR('f', 16, struct pm_scan_arg)`: 96-byte argument.
  static let pagemapScanRequest: UInt = 0xC060_6610
  /// `PROCMAP_QUERY_COVERING_OR_NEXT_VMA`.
  static let queryCoveringOrNext: UInt64 = 0x10
  /// `PROCMAP_QUERY_VMA_READABLE`, `_WRITABLE`, `_EXECUTABLE`, `_SHARED`.
  static let vmaReadable: UInt64 = 0x01
  static let vmaWritable: UInt64 = 0x02
  static let vmaExecutable: UInt64 = 0x04
  static let vmaShared: UInt64 = 0x08
  /// `PAGE_IS_PRESENT` and `PAGE_IS_PFNZERO` (pagemap scan categories).
  static let pageIsPresent: UInt64 = 1 << 3
  static let pageIsPFNZero: UInt64 = 1 << 5

  /// Asks `/proc/PID/maps` (open as `fd`) for the mapping covering `address`, or the next one
  /// after it, with the `PROCMAP_QUERY` ioctl; its name (`[heap]`, a path, ...) is copied into
  /// `name`, NUL-terminated. Returns nil past the last mapping.
  ///
  /// - Throws: ``SystemError/unsupportedOperation`` on kernels before 6.11 (`ENOTTY`); ESRCH
  ///   when the address space the descriptor was opened on is gone (the process exited or called `exec`).
  package static func queryMapping(
    _ fd: Int32, coveringOrAfter address: UInt64, name: UnsafeMutableBufferPointer<UInt8>
  )
    throws(SystemError) -> MappingInfo?
  {
    // struct procmap_query: 9 × u64, 4 × u32, 2 × u64 = 104 bytes, all naturally aligned.
    var info: MappingInfo?
    let code = withUnsafeTemporaryAllocation(byteCount: 104, alignment: 8) { raw -> Int32 in
      guard let base = raw.baseAddress else { return EINVAL }
      raw.initializeMemory(as: UInt8.self, repeating: 0)
      raw.storeBytes(of: UInt64(104), toByteOffset: 0, as: UInt64.self)
      raw.storeBytes(of: queryCoveringOrNext, toByteOffset: 8, as: UInt64.self)
      raw.storeBytes(of: address, toByteOffset: 16, as: UInt64.self)
      raw.storeBytes(of: UInt32(name.count), toByteOffset: 80, as: UInt32.self)
      raw.storeBytes(of: UInt64(UInt(bitPattern: name.baseAddress)), toByteOffset: 88, as: UInt64.self)
      while memtop_ioctl_ptr(fd, procmapQueryRequest, base) < 0 {
        if errno != EINTR { return errno }
      }
      let nameSize = Int(raw.load(fromByteOffset: 80, as: UInt32.self))
      let flags = raw.load(fromByteOffset: 40, as: UInt64.self)
      info = MappingInfo(
        start: raw.load(fromByteOffset: 24, as: UInt64.self),
        end: raw.load(fromByteOffset: 32, as: UInt64.self),
        isShared: flags & vmaShared != 0,
        isReadable: flags & vmaReadable != 0,
        isWritable: flags & vmaWritable != 0,
        isExecutable: flags & vmaExecutable != 0,
        pageSize: raw.load(fromByteOffset: 48, as: UInt64.self),
        inode: raw.load(fromByteOffset: 64, as: UInt64.self),
        // The kernel counts the terminating NUL.
        nameLength: max(0, nameSize - 1))
      return 0
    }
    if code == 0 || code == ENOENT { return info }
    throw SystemError(errno: code)
  }

  /// Counts the bytes of `[start, end)` backed by present pages (the shared zero page excluded,
  /// as `smaps`' `Rss` excludes it) with the `PAGEMAP_SCAN` ioctl on `/proc/PID/pagemap` (open as `fd`).
  ///
  /// `regions` is scratch space for the kernel's answer (3 × u64 per region); a range with more
  /// runs than it holds is scanned in several calls.
  ///
  /// - Throws: ``SystemError/unsupportedOperation`` on kernels before 6.7 (`ENOTTY`).
  package static func presentBytes(
    _ fd: Int32, from start: UInt64, to end: UInt64, regions: UnsafeMutableBufferPointer<UInt64>
  ) throws(SystemError) -> UInt64 {
    let capacity = regions.count / 3
    guard capacity > 0, let vec = regions.baseAddress else { return 0 }
    var total: UInt64 = 0
    var from = start
    // struct pm_scan_arg: 12 × u64 = 96 bytes.
    while from < end {
      var found = 0
      var walkEnd: UInt64 = 0
      let code = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 12) { a -> Int32 in
        a.initialize(repeating: 0)
        a[0] = 96
        a[2] = from
        a[3] = end
        a[5] = UInt64(UInt(bitPattern: vec))
        a[6] = UInt64(capacity)
        a[8] = pageIsPFNZero  // category_inverted: not the zero page ...
        a[9] = pageIsPresent | pageIsPFNZero  // category_mask: ... and present
        a[11] = pageIsPresent  // return_mask
        var n: Int32
        repeat {
          n = memtop_ioctl_ptr(fd, pagemapScanRequest, a.baseAddress)
        } while n < 0 && errno == EINTR
        if n < 0 { return errno }
        found = Int(n)
        walkEnd = a[4]
        return 0
      }
      if code != 0 { throw SystemError(errno: code) }
      for i in 0..<min(found, capacity) { total &+= vec[3 * i + 1] &- vec[3 * i] }
      // Fewer regions than there is room for means the walk reached `end`.
      if found < capacity || walkEnd <= from || walkEnd >= end { break }
      from = walkEnd
    }
    return total
  }

  // MARK: - Directories

  /// Opens the directory `path` read-only and close-on-exec, for ``countEntries(_:buffer:)``.
  package static func openDirectory(_ path: String) throws(SystemError) -> Int32 {
    try valueOrErrno { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
  }

  /// Counts the entries of the directory open as `fd`, `.` and `..` left out, from its start
  /// (the descriptor is rewound first, so it can be kept open and counted again), with
  /// `getdents64` into `buffer`. Nothing is allocated.
  package static func countEntries(_ fd: Int32, buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
    guard let base = buffer.baseAddress, buffer.count >= 512 else { throw SystemError(errno: EINVAL) }
    _ = try valueOrErrno { lseek(fd, 0, SEEK_SET) }
    var count = 0
    while true {
      let filled = try valueOrErrno { memtop_getdents64(fd, base, UInt(buffer.count)) }
      if filled == 0 { return count }
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, then the NUL-ended name.
      var offset = 0
      while offset + 19 < filled {
        let length = Int(buffer.load(fromByteOffset: offset + 16, as: UInt16.self))
        guard length > 0 else { break }
        let n0 = buffer[offset + 19]
        let n1 = offset + 20 < filled ? buffer[offset + 20] : 0
        let n2 = offset + 21 < filled ? buffer[offset + 21] : 0
        let dot = UInt8(ascii: ".")
        let isDots = n0 == dot && (n1 == 0 || (n1 == dot && n2 == 0))
        if !isDots { count += 1 }
        offset += length
      }
    }
  }

  /// Writes all of `bytes`, looping over short writes.
  package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
    var written = 0
    try writeAll(fd, bytes, written: &written)
  }

  /// Writes all of `bytes`, retrying short writes and EINTR; `written` counts the bytes that
  /// made it, also when it throws part-way.
  package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, written: inout Int) throws(SystemError) {
    written = 0
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = try valueOrErrno { Glibc.write(fd, base, left) }
      if n == 0 { throw SystemError.noSpace }
      base += n
      left -= n
      written += n
    }
  }

  /// Writes all of `bytes` (an array): as the buffer form, with the typed error carried out of
  /// the buffer's closure.
  package static func writeAll(_ fd: Int32, _ bytes: [UInt8], written: inout Int) throws(SystemError) {
    var count = 0
    let failure: SystemError? = bytes.withUnsafeBytes { raw in
      do throws(SystemError) {
        try writeAll(fd, raw, written: &count)
        return nil
      } catch {
        return error
      }
    }
    written = count
    if let failure { throw failure }
  }

  /// Writes all of `bytes` (an array).
  package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
    var written = 0
    try writeAll(fd, bytes, written: &written)
  }

  /// Forces written data of `fd` to stable storage where the file supports it.
  package static func sync(_ fd: Int32) throws(SystemError) {
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
  /// never half of either. The file gets `mode` (0644 by default); the temporary file is
  /// removed on failure.
  public static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array((directory + "." + name + ".tmp.XXXXXX").utf8CString)
    let fd = try template.withUnsafeMutableBufferPointer { buffer throws(SystemError) -> Int32 in
      guard let base = buffer.baseAddress else { throw SystemError(errno: EINVAL) }
      return try valueOrErrno { mkstemp(base) }
    }
    let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    do throws(SystemError) {
      defer { close(fd) }
      try writeAll(fd, bytes)
      _ = try valueOrErrno { fchmod(fd, mode) }
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

  /// Reads a small file whole (at most `limit` bytes, 1 MiB by default) as text; nil when it
  /// cannot be read.
  public static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> String? {
    guard let fd = try? openReadOnly(path) else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
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
  /// Other entries are skipped; `nil` when the directory cannot be opened (e.g. out of
  /// descriptors), which is not the same as a directory with no processes.
  package static func numericEntries(_ path: String) -> [Int32]? {
    guard let dir = opendir(path) else { return nil }
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

  /// Raises the soft limit on open descriptors to the hard limit: the process table keeps
  /// one `statm` open per process, a tree several files per member. Called once those start,
  /// after any command memtop launches, so the command keeps the limit it was given.
  package static func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
  }

  /// The soft `RLIMIT_NOFILE`: how many descriptors this process may hold (Int.max if unlimited).
  package static func openFileLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
    return limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
  }

  /// `EMFILE`: this process has no descriptor left.
  package static let tooManyOpenFiles = EMFILE
  /// `ENFILE`: the system has no descriptor left.
  package static let tooManyOpenFilesInSystem = ENFILE

  /// Whether `fd` is a terminal.
  public static func isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
  }

  /// Whether `path` exists and can be read by this process.
  package static func canRead(_ path: String) -> Bool {
    access(path, R_OK) == 0
  }

  /// Whether `path` names a directory (following symbolic links).
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Whether `path` names a regular file (following symbolic links): not a directory, a FIFO
  /// that would block a reader, or a device.
  public static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
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

  /// CPU time this whole process (every thread) has used, user and system, seconds.
  public static func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Sleeps until the monotonic clock reads `deadline` seconds.
  ///
  /// Returns `false` when a signal interrupted the sleep, so the caller can check its stop flag.
  package static func sleep(untilMonotonic deadline: Double) -> Bool {
    guard deadline.isFinite, deadline > 0 else { return true }
    var ts = timespec()
    ts.tv_sec = Int(deadline.rounded(.down))
    ts.tv_nsec = Int((deadline - Double(ts.tv_sec)) * 1e9)
    let rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
    return rc != EINTR
  }

  /// The kernel's clock ticks per second (`_SC_CLK_TCK`), used for `stat` start times.
  package static func clockTicksPerSecond() -> Double {
    let ticks = sysconf(Int32(_SC_CLK_TCK))
    return ticks > 0 ? Double(ticks) : 100
  }

  /// The page size in bytes.
  public static func pageSize() -> UInt64 {
    let size = sysconf(Int32(_SC_PAGESIZE))
    return size > 0 ? UInt64(size) : 4096
  }
}
