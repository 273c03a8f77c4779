/// A process's identity: the PID alone is reused after exit, so the start time goes with it.
public struct ProcessIdentity: Hashable, Sendable {
  /// Process id.
  public var pid: Int32
  /// Start time after boot, in clock ticks (`stat` field 22).
  public var startTimeTicks: UInt64

  public init(pid: Int32, startTimeTicks: UInt64) {
    self.pid = pid
    self.startTimeTicks = startTimeTicks
  }
}

/// Why a `/proc` read gave no data.
public enum ProcReadError: Error, Equatable, Sendable {
  /// The process exited (or, for a kept-open file, was reaped: the kernel answers ESRCH).
  case processGone
  /// The caller may not read this file (smaps and friends need ptrace-read access).
  case permissionDenied
  /// This kernel lacks the file (e.g. `smaps_rollup` before Linux 4.14).
  case unsupported
  /// The file's text did not parse.
  case malformed(ProcParseError)
  /// Another system error.
  case system(SystemError)
}

/// Where a handle reads the resident heap from.
public enum HeapSource: String, Sendable {
  /// `PROCMAP_QUERY` + `PAGEMAP_SCAN` ioctls (Linux 6.11+): exact, no text, a few times cheaper.
  case ioctl
  /// Walking the text of `/proc/PID/smaps`: exact, the most expensive read there is.
  case smaps

  /// How the source is named on screens and in the manual.
  public var label: String {
    switch self {
    case .ioctl: "PROCMAP_QUERY+PAGEMAP_SCAN"
    case .smaps: "smaps"
    }
  }
}

/// Open `/proc/PID` files of one process, re-read in place every tick.
///
/// `status` and `stat` stay open for the handle's life; after the process is reaped every read
/// fails with ESRCH, so a handle can never silently follow a reused PID. ``readStat()`` also
/// lets the sampler compare the start time, which catches a reused PID under a `/proc` root
/// that is not the kernel's (a copy, a fixture) too.
public final class ProcessHandle {
  /// The process this handle reads.
  public let identity: ProcessIdentity
  /// Whether `procRoot` is the kernel's `/proc`, whose kept-open files fail once the process
  /// is reaped (a copied tree or a fixture does not).
  package var hasKernelProc: Bool { procRoot == "/proc" }
  /// The command name at open time (`stat`'s comm). Untrusted text.
  public let name: String
  /// The `/proc` mount the handle reads from (injectable for tests).
  public let procRoot: String

  private var statusFD: Int32 = -1
  private let statFD: Int32
  private var statmFD: Int32 = -1
  private var rollupFD: Int32 = -1
  private var smapsFD: Int32 = -1
  private var fdDirectoryFD: Int32 = -1
  /// Scratch space for `getdents64`, allocated on first use.
  private var directoryBuffer: UnsafeMutableRawBufferPointer?
  /// Where files are read into: the handle's own, or one its owner shares between many
  /// handles read in turn on one thread (the process table's thousand rows).
  private let buffer: ReadBuffer
  private let pageSize: UInt64

  /// Whether this kernel offers `smaps_rollup` (probed once at open).
  package let hasRollup: Bool
  /// Where heap figures come from (probed once at open).
  public let heapSource: HeapSource
  /// Why the ioctl heap source was not used, when it was not (for a one-line notice).
  package let heapIoctlUnavailable: ProcReadError?
  private let mappingWalk: MappingWalk?

  /// Opens the process `pid` under `procRoot`.
  ///
  /// - Parameters:
  ///   - useHeapIoctls: whether to probe for the address-space ioctls; false always reads heap
  ///     from `smaps` (the fallback older kernels get).
  ///   - openStatus: whether to open `status` now (else on its first read: a reader of
  ///     `statm` alone keeps two descriptors, not three).
  /// - Throws: ``ProcReadError/processGone`` when there is no such (visible) process.
  public convenience init(
    pid: Int32, procRoot: String = "/proc", pageSize: UInt64 = Syscalls.pageSize(), useHeapIoctls: Bool = true,
    openStatus: Bool = true
  ) throws(ProcReadError) {
    try self.init(
      pid: pid, procRoot: procRoot, pageSize: pageSize, useHeapIoctls: useHeapIoctls, openStatus: openStatus,
      buffer: ReadBuffer())
  }

  /// Opens the process `pid`, reading into `buffer`, which the caller may share between
  /// handles it reads one after the other on one thread (each read is parsed before the next).
  package init(
    pid: Int32, procRoot: String, pageSize: UInt64, useHeapIoctls: Bool, openStatus: Bool, buffer: ReadBuffer
  ) throws(ProcReadError) {
    self.buffer = buffer
    self.procRoot = procRoot
    self.pageSize = pageSize
    let dir = "\(procRoot)/\(pid)"
    let statFD: Int32
    do {
      statFD = try Syscalls.openReadOnly("\(dir)/stat")
    } catch {
      throw Self.classify(error)
    }
    let stat: ProcStat
    do {
      stat = try ProcStat.parse(buffer.readWhole(statFD))
      if openStatus { statusFD = try Syscalls.openReadOnly("\(dir)/status") }
    } catch let error as SystemError {
      Syscalls.close(statFD)
      throw Self.classify(error)
    } catch let error as ProcParseError {
      Syscalls.close(statFD)
      throw .malformed(error)
    } catch {
      Syscalls.close(statFD)
      throw .processGone
    }
    self.statFD = statFD
    identity = ProcessIdentity(pid: pid, startTimeTicks: stat.startTimeTicks)
    name = stat.comm
    hasRollup = Syscalls.exists("\(dir)/smaps_rollup")
    var scanner: MappingWalk?
    var reason: ProcReadError? = .unsupported
    if useHeapIoctls {
      do {
        scanner = try MappingWalk(directory: dir)
        reason = nil
      } catch {
        reason = error
      }
    }
    mappingWalk = scanner
    heapSource = scanner == nil ? .smaps : .ioctl
    heapIoctlUnavailable = reason
  }

  deinit {
    for fd in [statusFD, statFD, statmFD, rollupFD, smapsFD, fdDirectoryFD] where fd >= 0 { Syscalls.close(fd) }
    directoryBuffer?.deallocate()
  }

  /// Reads and parses `status`: the cheap tier read every tick.
  package func readStatus() throws(ProcReadError) -> ProcStatus {
    let fd = try lazyOpen(&statusFD, "status")
    return try read(fd) { bytes throws(ProcParseError) in try ProcStatus.parse(bytes) }
  }

  /// Reads and parses `stat` (kept open): the start time that, with the PID, names the process.
  package func readStat() throws(ProcReadError) -> ProcStat {
    try read(statFD) { bytes throws(ProcParseError) in try ProcStat.parse(bytes) }
  }

  /// Reads and parses `statm` (opened on first use).
  public func readStatm() throws(ProcReadError) -> ProcStatm {
    let fd = try lazyOpen(&statmFD, "statm")
    let pageSize = self.pageSize
    return try read(fd) { bytes throws(ProcParseError) in try ProcStatm.parse(bytes, pageSize: pageSize) }
  }

  /// Reads and parses `smaps_rollup` (opened on first use).
  public func readRollup() throws(ProcReadError) -> MemoryRollup {
    guard hasRollup else { throw .unsupported }
    return try readMemoryMap(&rollupFD, "smaps_rollup") { bytes throws(ProcParseError) in try MemoryRollup.parse(bytes)
    }
  }

  /// Reads and parses the whole of `smaps` (opened on first use).
  ///
  /// The thread count from `status`, read first, caps the guarded mappings counted as thread
  /// stacks.
  public func readSmaps() throws(ProcReadError) -> SmapsSummary {
    let threads = try? readStatus().threads
    return try readMemoryMap(&smapsFD, "smaps") { bytes throws(ProcParseError) in
      try SmapsSummary.parse(bytes, threads: threads ?? nil)
    }
  }

  /// Reads the resident heap (and the `brk` heap) with the address-space ioctls.
  ///
  /// - Throws: ``ProcReadError/unsupported`` when ``heapSource`` is not ``HeapSource/ioctl``.
  public func readHeap() throws(ProcReadError) -> (heap: UInt64, brkHeap: UInt64, mappings: Int) {
    guard let mappingWalk else { throw .unsupported }
    let reading = try mappingWalk.read()
    return (reading.heap, reading.brkHeap, reading.mappings)
  }

  /// Reads heap, `brk` heap and the resident bytes of every ``RegionKind`` in one walk of the
  /// mappings with the address-space ioctls; the thread count from `status`, read first, caps
  /// the guarded mappings counted as thread stacks.
  ///
  /// - Throws: ``ProcReadError/unsupported`` when ``heapSource`` is not ``HeapSource/ioctl``.
  public func readRegions() throws(ProcReadError) -> (
    heap: UInt64, brkHeap: UInt64, mappings: Int, regions: RegionReading
  ) {
    guard let mappingWalk else { throw .unsupported }
    // The thread count caps the guarded mappings counted as thread stacks.
    let threads = try? readStatus().threads
    let reading = try mappingWalk.readRegions(threads: threads ?? nil)
    return (reading.heap.heap, reading.heap.brkHeap, reading.heap.mappings, reading.regions)
  }

  /// Counts the open file descriptors (entries of `/proc/PID/fd`, kept open and re-read with
  /// `getdents64`).
  ///
  /// - Throws: ``ProcReadError/permissionDenied`` for another user's process.
  public func countFileDescriptors() throws(ProcReadError) -> Int {
    do {
      if fdDirectoryFD < 0 { fdDirectoryFD = try Syscalls.openDirectory("\(procRoot)/\(identity.pid)/fd") }
      let buffer = directoryBuffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 32 * 1024, alignment: 8)
      directoryBuffer = buffer
      return try Syscalls.countEntries(fdDirectoryFD, buffer: buffer)
    } catch {
      throw Self.classify(error)
    }
  }

  // MARK: - Private

  /// Reads a file bound to the process's address space (`smaps`, `smaps_rollup`).
  ///
  /// Such a descriptor keeps the address space it was opened on: after the process calls
  /// `exec` (a launcher script starting Python, or a command memtop just spawned) it reads as
  /// empty or fails with ESRCH. Either is therefore retried once on a freshly opened descriptor.
  private func readMemoryMap<T>(
    _ fd: inout Int32, _ file: String, _ parse: (UnsafeBufferPointer<UInt8>) throws(ProcParseError) -> T
  ) throws(ProcReadError) -> T {
    var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    for attempt in 0..<2 {
      let current = try lazyOpen(&fd, file)
      do {
        bytes = try buffer.readWhole(current)
      } catch {
        guard attempt == 0, Self.classify(error) == .processGone else { throw Self.classify(error) }
        bytes = UnsafeBufferPointer(start: nil, count: 0)
      }
      guard bytes.isEmpty && attempt == 0 else { break }
      Syscalls.close(current)
      fd = -1
    }
    do {
      return try parse(bytes)
    } catch {
      throw .malformed(error)
    }
  }

  private func lazyOpen(_ fd: inout Int32, _ file: String) throws(ProcReadError) -> Int32 {
    if fd >= 0 { return fd }
    do {
      fd = try Syscalls.openReadOnly("\(procRoot)/\(identity.pid)/\(file)")
    } catch {
      throw Self.classify(error)
    }
    return fd
  }

  /// Reads a one-record file (`status`, `statm`) whole and parses it.
  private func read<T>(_ fd: Int32, _ parse: (UnsafeBufferPointer<UInt8>) throws(ProcParseError) -> T)
    throws(ProcReadError) -> T
  {
    let bytes: UnsafeBufferPointer<UInt8>
    do {
      bytes = try buffer.readWhole(fd, shortReadIsEnd: true)
    } catch {
      throw Self.classify(error)
    }
    do {
      return try parse(bytes)
    } catch {
      throw .malformed(error)
    }
  }

  static func classify(_ error: SystemError) -> ProcReadError {
    switch error {
    case .noSuchFile, .noSuchProcess: .processGone
    case .permissionDenied: .permissionDenied
    default: .system(error)
    }
  }
}
