#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The resident heap, read exactly and cheaply with the address-space ioctls instead of `smaps`.
///
/// Walks the mappings with `PROCMAP_QUERY` on `/proc/PID/maps` (Linux 6.11+), keeps those
/// ``SmapsSummary`` counts as heap (`[heap]` plus private anonymous mappings that are not
/// stacks), and counts their present pages with `PAGEMAP_SCAN` on `/proc/PID/pagemap`
/// (Linux 6.7+). No text is produced or parsed; the cost is about a microsecond per mapping plus
/// ~13 ns per resident page walked (≈3 ms for a 1 GiB Python process, against ≈13 ms for `smaps`).
/// The figures equal what `smaps` gives: `Rss` of the same mappings.
final class HeapScanner {
  /// Resident heap bytes, as ``SmapsSummary/heap`` and ``SmapsSummary/brkHeap`` define them.
  struct Reading: Sendable, Equatable {
    var heap: UInt64
    var brkHeap: UInt64
    var mappings: Int
  }

  private let directory: String
  private var mapsFD: Int32
  private var pagemapFD: Int32
  private let name = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4096)
  private let regions = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 3 * 256)

  /// Opens `maps` and `pagemap` under `directory` (`/proc/PID`) and probes both ioctls once.
  ///
  /// - Throws: ``ProcReadError/unsupported`` when the kernel (or the file system, e.g. a fixture
  ///   tree) lacks either ioctl; ``ProcReadError/permissionDenied`` without ptrace-read access.
  init(directory: String) throws(ProcReadError) {
    self.directory = directory
    mapsFD = -1
    pagemapFD = -1
    do {
      try reopen()
      // Probe: the first mapping, then a one-page scan of it.
      if let first = try Syscalls.queryMapping(mapsFD, coveringOrAfter: 0, name: name) {
        _ = try Syscalls.presentBytes(
          pagemapFD, from: first.start, to: min(first.end, first.start + 4096), regions: regions)
      }
    } catch {
      // Every stored property is set, so deinit runs and releases the descriptors and buffers.
      throw Self.classify(error)
    }
  }

  deinit {
    closeAll()
    name.deallocate()
    regions.deallocate()
  }

  /// Reads the resident heap now.
  ///
  /// A descriptor of `maps` keeps the address space it was opened on, so after the process
  /// calls `exec` the ioctl answers ESRCH: the files are then reopened once and the walk retried.
  func read() throws(ProcReadError) -> Reading {
    do {
      // A reopen that failed (e.g. out of descriptors) left none: try again now.
      if mapsFD < 0 || pagemapFD < 0 { try reopen() }
      return try walk()
    } catch .noSuchProcess {
      do {
        try reopen()
        return try walk()
      } catch {
        throw Self.classify(error)
      }
    } catch {
      throw Self.classify(error)
    }
  }

  // MARK: - Private

  private func walk() throws(SystemError) -> Reading {
    var reading = Reading(heap: 0, brkHeap: 0, mappings: 0)
    var address: UInt64 = 0
    while let mapping = try Syscalls.queryMapping(mapsFD, coveringOrAfter: address, name: name) {
      reading.mappings += 1
      address = mapping.end
      let path = mapping.nameLength > 0 ? UnsafeBufferPointer(name)[0..<min(mapping.nameLength, name.count)] : nil
      guard SmapsSummary.isHeapLike(path: path, privateMapping: !mapping.isShared) else { continue }
      let resident = try Syscalls.presentBytes(pagemapFD, from: mapping.start, to: mapping.end, regions: regions)
      reading.heap &+= resident
      if let path, ByteScanner.equals(path, "[heap]") { reading.brkHeap &+= resident }
    }
    return reading
  }

  private func reopen() throws(SystemError) {
    closeAll()
    mapsFD = try Syscalls.openReadOnly("\(directory)/maps")
    pagemapFD = try Syscalls.openReadOnly("\(directory)/pagemap")
  }

  private func closeAll() {
    for fd in [mapsFD, pagemapFD] where fd >= 0 { Syscalls.close(fd) }
    mapsFD = -1
    pagemapFD = -1
  }

  private static func classify(_ error: SystemError) -> ProcReadError {
    switch error {
    // A regular file (a fixture tree) answers ENOTTY; a kernel that knows the ioctl number
    // space but not this size or flag answers EINVAL.
    case .unsupportedOperation, .other(errno: EINVAL): .unsupported
    default: ProcessHandle.classify(error)
    }
  }
}
