/// Resident bytes of each ``RegionKind``.
public struct RegionBytes: Sendable, Equatable {
  public var brkHeap: UInt64 = 0
  package var mallocArenas: UInt64 = 0
  package var threadStacks: UInt64 = 0
  package var otherAnon: UInt64 = 0
  public var shmem: UInt64 = 0
  public var file: UInt64 = 0

  public init() {}

  public subscript(kind: RegionKind) -> UInt64 {
    get {
      switch kind {
      case .brkHeap: brkHeap
      case .mallocArenas: mallocArenas
      case .threadStacks: threadStacks
      case .otherAnon: otherAnon
      case .shmem: shmem
      case .file: file
      }
    }
    set {
      switch kind {
      case .brkHeap: brkHeap = newValue
      case .mallocArenas: mallocArenas = newValue
      case .threadStacks: threadStacks = newValue
      case .otherAnon: otherAnon = newValue
      case .shmem: shmem = newValue
      case .file: file = newValue
      }
    }
  }

  /// The sum over every kind: the resident size the walk saw.
  public var total: UInt64 {
    RegionKind.allCases.reduce(0) { $0 &+ self[$1] }
  }
}

/// A named thing (a file, an `[anon:NAME]` mapping) and its resident bytes.
public struct NamedResidency: Sendable, Equatable {
  /// The name exactly as the kernel gave it: untrusted bytes (a file name may hold anything
  /// but `/` and NUL). Sanitize before showing it.
  public var name: [UInt8]
  /// Resident bytes, summed over adjacent mappings of the same name.
  public var bytes: UInt64

  public init(name: [UInt8], bytes: UInt64) {
    self.name = name
    self.bytes = bytes
  }

  /// The name decoded as UTF-8 (invalid bytes replaced). Still untrusted text.
  public var text: String { String(decoding: name, as: UTF8.self) }
}

/// What one walk over a process's mappings found: resident bytes by kind, and what the kinds
/// hold.
public struct RegionReading: Sendable, Equatable {
  /// How many of the largest files and named anonymous mappings are kept.
  package static let topCount = 5

  /// Resident bytes by kind; their ``RegionBytes/total`` is the resident size the walk saw.
  public var bytes = RegionBytes()
  /// glibc per-thread arena heaps seen.
  public var arenas = 0
  /// Thread stacks seen (the main thread's `[stack]` included).
  package var threadStacks = 0
  /// The files (kind ``RegionKind/file``) with the most resident bytes, largest first
  /// (adjacent mappings of one file summed).
  public var topFiles: [NamedResidency] = []
  /// The named shared memory (kind ``RegionKind/shmem``: `/memfd:…`, `/dev/shm/…`, `/SYSV…`)
  /// with the most resident bytes, largest first.
  package var topShared: [NamedResidency] = []
  /// The `[anon:NAME]` mappings with the most resident bytes, largest first (`NAME` only).
  package var topNamedAnon: [NamedResidency] = []
  /// Mappings seen.
  public var mappings = 0

  public init() {}

  /// Adds another process's reading to this one: bytes, counts and mappings summed, the
  /// largest names merged (a name in both adds up).
  public mutating func add(_ other: RegionReading) {
    for kind in RegionKind.allCases { bytes[kind] &+= other.bytes[kind] }
    arenas += other.arenas
    threadStacks += other.threadStacks
    mappings += other.mappings
    for entry in other.topFiles { RegionTally.insert(&topFiles, entry.name, entry.bytes) }
    for entry in other.topShared { RegionTally.insert(&topShared, entry.name, entry.bytes) }
    for entry in other.topNamedAnon { RegionTally.insert(&topNamedAnon, entry.name, entry.bytes) }
  }
}

/// Adds up the mappings of one walk into a ``RegionReading``; the one place both the ioctl walk
/// and the `smaps` fallback count kinds, arenas, stacks and the largest names.
struct RegionTally {
  private(set) var reading = RegionReading()
  /// The run of adjacent mappings with one name being summed (a library maps 4–5 in a row).
  private var runName: [UInt8] = []
  private var runBytes: UInt64 = 0
  private var runList = List.files
  private var inRun = false

  /// Resident bytes of each guarded `rw-p` mapping classed as a thread stack (not `[stack]`):
  /// the candidates ``finish(threads:)`` matches to threads.
  private var guardedStacks: [UInt64] = []

  private enum List { case files, shared, namedAnon }

  /// Counts one mapping of class `region`: `lower` resident bytes below its split (if any),
  /// `upper` bytes above it (all of them when it has no split). `name` is the mapping's name.
  mutating func add(
    _ facts: MappingFacts, _ region: RegionClass, lower: UInt64, upper: UInt64,
    name: Slice<UnsafeBufferPointer<UInt8>>?
  ) {
    reading.mappings += 1
    reading.bytes[region.kind] &+= upper
    if let lowerKind = region.lowerKind { reading.bytes[lowerKind] &+= lower }
    if region.isArena { reading.arenas += 1 }
    reading.threadStacks += region.stacks
    if facts.name == .anonymous {
      if region.kind == .threadStacks { guardedStacks.append(upper) }
      if region.lowerKind == .threadStacks { guardedStacks.append(lower) }
    }
    let resident = lower &+ upper
    switch facts.name {
    case .file: accumulate(name, resident: resident, list: .files)
    case .sharedMemory: accumulate(name, resident: resident, list: .shared)
    // "[anon:NAME]": keep NAME.
    case .namedAnon: accumulate(name.map { $0.dropFirst(6).dropLast() }, resident: resident, list: .namedAnon)
    default: closeRun()
    }
  }

  /// Ends the walk and returns what it found.
  ///
  /// A guarded `rw-p` mapping looks like a thread stack, but so does any allocation its
  /// program fenced with a guard page (a JIT, a pool of fibres or coroutines, a hardened
  /// allocator). Every thread but the main one (whose stack is `[stack]`) has one stack, so
  /// with `threads` known at most `threads - 1` guarded mappings count as stacks: the ones with
  /// the fewest resident bytes (a thread stack is rarely more than a few hundred KiB
  /// resident, so stacks are never over-stated), and the rest count as `other_anon`. Matching
  /// each thread's stack pointer to its mapping would be exact, but nothing readable for
  /// another user's process gives it: `stat`'s `kstkesp` is 0 on current kernels, and
  /// `task/TID/syscall` needs ptrace-attach rights (mode 0400, and Yama blocks it for a
  /// process that is not a descendant) and says only "running" for a thread on a CPU.
  ///
  /// - Parameter threads: the process's thread count (`status`' `Threads`); nil counts every
  ///   guarded mapping as a stack (a fixture without its `status`).
  mutating func finish(threads: Int? = nil) -> RegionReading {
    closeRun()
    if let threads {
      let excess = guardedStacks.sorted().dropFirst(max(threads - 1, 0))
      let moved = excess.reduce(0, &+)
      reading.bytes.threadStacks &-= moved
      reading.bytes.otherAnon &+= moved
      reading.threadStacks -= excess.count
    }
    return reading
  }

  private mutating func accumulate(_ name: Slice<UnsafeBufferPointer<UInt8>>?, resident: UInt64, list: List) {
    guard let name else { return closeRun() }
    if inRun && runList == list && runName.elementsEqual(name) {
      runBytes &+= resident
      return
    }
    closeRun()
    runName.removeAll(keepingCapacity: true)
    runName.append(contentsOf: name)
    runBytes = resident
    runList = list
    inRun = true
  }

  private mutating func closeRun() {
    guard inRun else { return }
    inRun = false
    guard runBytes > 0 else { return }
    switch runList {
    case .files: Self.insert(&reading.topFiles, runName, runBytes)
    case .shared: Self.insert(&reading.topShared, runName, runBytes)
    case .namedAnon: Self.insert(&reading.topNamedAnon, runName, runBytes)
    }
  }

  /// Keeps `list` the ``RegionReading/topCount`` largest, largest first; a name seen again
  /// (a file mapped in two places) adds to its entry.
  static func insert(_ list: inout [NamedResidency], _ name: [UInt8], _ bytes: UInt64) {
    if let index = list.firstIndex(where: { $0.name == name }) {
      list[index].bytes &+= bytes
    } else if list.count < RegionReading.topCount {
      list.append(NamedResidency(name: name, bytes: bytes))
    } else if let last = list.last, bytes > last.bytes {
      list[list.count - 1] = NamedResidency(name: name, bytes: bytes)
    } else {
      return
    }
    list.sort { $0.bytes > $1.bytes }
  }
}
