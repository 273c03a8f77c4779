/// What a mapping's name says about it, before its neighbours are looked at.
enum MappingName: Sendable, Equatable {
  /// No name: a plain anonymous mapping.
  case anonymous
  /// `[heap]`: the `brk` heap.
  case brkHeap
  /// `[stack]` (or `[stack:TID]` on old kernels): the main thread's stack.
  case stack
  /// `[anon:NAME]`: an anonymous mapping named with `PR_SET_VMA_ANON_NAME`.
  case namedAnon
  /// Shared memory by name: `/dev/shm/…`, `memfd:…`, `/SYSV…`, `/dev/zero (deleted)`,
  /// `[anon_shmem:NAME]`.
  case sharedMemory
  /// Another kernel pseudo-mapping in brackets: `[vdso]`, `[vvar]`, `[vsyscall]`, `[uprobes]`.
  case pseudo
  /// A file.
  case file

  /// Classifies a mapping's name (nil or empty for an anonymous mapping).
  init(_ path: Slice<UnsafeBufferPointer<UInt8>>?) {
    guard let path, let first = path.first else {
      self = .anonymous
      return
    }
    if first == UInt8(ascii: "[") {
      if ByteScanner.equals(path, "[heap]") {
        self = .brkHeap
      } else if ByteScanner.equals(path, "[stack]") || Self.hasPrefix(path, "[stack:") {
        self = .stack
      } else if path.count > 6, Self.hasPrefix(path, "[anon:") {
        self = .namedAnon
      } else if Self.hasPrefix(path, "[anon_shmem:") {
        self = .sharedMemory
      } else {
        self = .pseudo
      }
      return
    }
    if Self.hasPrefix(path, "/dev/shm/") || Self.hasPrefix(path, "/memfd:") || Self.hasPrefix(path, "memfd:")
      || Self.hasPrefix(path, "/SYSV") || ByteScanner.equals(path, "/dev/zero (deleted)")
    {
      self = .sharedMemory
    } else {
      self = .file
    }
  }

  static func hasPrefix(_ path: Slice<UnsafeBufferPointer<UInt8>>, _ prefix: StaticString) -> Bool {
    let length = prefix.utf8CodeUnitCount
    return path.count >= length && ByteScanner.equals(path.prefix(length), prefix)
  }
}

/// The facts about one mapping that decide its ``RegionKind``: where it lies, its four
/// permission letters and what its name says. The same for a `PROCMAP_QUERY` answer and an
/// `smaps` header line.
struct MappingFacts: Sendable, Equatable {
  var start: UInt64
  var end: UInt64
  var readable: Bool
  var writable: Bool
  var executable: Bool
  var shared: Bool
  var name: MappingName

  /// A private anonymous mapping with no name and no access at all (`---p`): a guard page or
  /// a reservation.
  var isReservation: Bool {
    name == .anonymous && !shared && !readable && !writable && !executable
  }

  /// A private anonymous read-write mapping with no name (`rw-p`): where arenas and thread
  /// stacks live.
  var isPlainReadWrite: Bool {
    name == .anonymous && !shared && readable && writable && !executable
  }
}

/// The ``RegionKind`` of one mapping, or of its two parts when an arena was merged with the
/// mapping below it (the kernel merges adjacent anonymous mappings with equal flags).
struct RegionClass: Sendable, Equatable {
  /// The kind of the mapping, or of its upper part `[split, end)` when ``split`` is set.
  var kind: RegionKind
  /// Where an arena starts inside a mapping merged with something below it.
  var split: UInt64?
  /// The kind of `[start, split)` when ``split`` is set.
  var lowerKind: RegionKind?
  /// Whether the mapping (or its upper part) is one glibc arena.
  var isArena: Bool { kind == .mallocArenas }
  /// Number of thread stacks in the mapping (0 or 1).
  var stacks: Int { (kind == .threadStacks || lowerKind == .threadStacks) ? 1 : 0 }
}

/// Puts every mapping of a process into one ``RegionKind``, from the mapping and its two
/// neighbours: the rules both the `PROCMAP_QUERY` walk and the `smaps` fallback use.
///
/// - `brk_heap`: `[heap]`.
/// - `malloc_arenas`: a glibc per-thread arena heap, a `rw-p` private anonymous mapping starting
///   on a 64 MiB boundary (`HEAP_MAX_SIZE` on 64-bit) and followed directly by a `---p`
///   reservation reaching the next boundary, or exactly the 64 MiB from one boundary to the next. The `rw-p` part may have
///   been merged with an anonymous mapping just below the boundary, and the reservation with a
///   guard page above it: the boundary inside the mapping, not the mapping's start, decides.
/// - `thread_stacks`: `[stack]`, and a `rw-p` private anonymous mapping directly above a `---p`
///   guard of one page (or a reservation whose last page above a 64 MiB boundary is the guard);
///   the walk then keeps at most one such mapping per thread besides the main one
///   (``RegionTally/finish(threads:)``) and counts the rest as `other_anon`.
/// - `shmem`: shared anonymous mappings and shared memory by name (`/dev/shm/…`, `memfd:…`,
///   `/SYSV…`, `/dev/zero (deleted)`).
/// - `file`: every other file mapping, and kernel pseudo-mappings (`[vdso]`, `[vvar]`, …) so that
///   the kinds add up to the whole resident size.
/// - `other_anon`: every other private anonymous mapping, `[anon:NAME]` included.
enum RegionClassifier {
  /// glibc's `HEAP_MAX_SIZE` on 64-bit: each per-thread arena heap is aligned to and at most this.
  static let arenaSize: UInt64 = 64 << 20

  /// The kind of `current`, given the mappings just below (`previous`) and above (`next`) it.
  static func classify(
    previous: MappingFacts?, current: MappingFacts, next: MappingFacts?, pageSize: UInt64
  ) -> RegionClass {
    switch current.name {
    case .brkHeap: return RegionClass(kind: .brkHeap)
    case .stack: return RegionClass(kind: .threadStacks)
    case .sharedMemory: return RegionClass(kind: .shmem)
    case .pseudo, .file: return RegionClass(kind: .file)
    case .namedAnon: return RegionClass(kind: current.shared ? .shmem : .otherAnon)
    case .anonymous: break
    }
    if current.shared { return RegionClass(kind: .shmem) }
    guard current.isPlainReadWrite, current.end > current.start else { return RegionClass(kind: .otherAnon) }
    let belowKind: RegionKind = isGuard(previous, below: current, pageSize: pageSize) ? .threadStacks : .otherAnon
    // The last 64 MiB boundary inside the mapping: where an arena would start.
    let boundary = (current.end - 1) / arenaSize * arenaSize
    if boundary >= current.start {
      // A whole arena (all 64 MiB in use, no reservation left) is exactly one aligned 64 MiB
      // mapping; a larger block that merely ends on a boundary (a big array) is not one.
      let fillsArena = current.start == boundary && current.end == boundary + arenaSize
      var reserved = false
      if let next, next.isReservation, next.start == current.end, next.end >= boundary + arenaSize {
        reserved = true
      }
      if fillsArena || reserved {
        if boundary == current.start { return RegionClass(kind: .mallocArenas) }
        return RegionClass(kind: .mallocArenas, split: boundary, lowerKind: belowKind)
      }
    }
    return RegionClass(kind: belowKind)
  }

  /// Whether `below` is a thread stack's guard page directly below `mapping`: a `---p` private
  /// anonymous mapping ending where `mapping` starts, one page long, or longer when it merged
  /// with an arena's reservation below (its last page then sits just above a 64 MiB boundary).
  static func isGuard(_ below: MappingFacts?, below mapping: MappingFacts, pageSize: UInt64) -> Bool {
    guard let below, below.isReservation, below.end == mapping.start, below.end > below.start else { return false }
    let length = below.end - below.start
    if length == pageSize { return true }
    return length > pageSize && (below.end - pageSize) % arenaSize == 0
  }
}
