/// The kinds of memory a process's resident set is split into, by what each mapping is.
///
/// Every resident page of a process belongs to exactly one kind, so the kinds add up to the
/// resident size the same walk of the mappings saw. The raw values are the names users see in
/// CSV columns (`region_<kind>_bytes`), JSON keys and Prometheus labels: a contract.
public enum RegionKind: String, CaseIterable, Sendable {
  /// The `brk` heap: `[heap]` (main-thread `malloc` below the mmap threshold).
  case brkHeap = "brk_heap"
  /// glibc per-thread arena heaps: a `rw-p` anonymous mapping on a 64 MiB boundary followed by
  /// a `---p` reservation up to the next boundary.
  case mallocArenas = "malloc_arenas"
  /// `[stack]` and thread stacks: anonymous `rw-p` mappings directly above a guard page, at
  /// most one per thread besides the main one (the rest are ``otherAnon``).
  case threadStacks = "thread_stacks"
  /// Every other private anonymous mapping: large `malloc` blocks, pymalloc arenas, numpy
  /// buffers, JIT code, named `[anon:NAME]` mappings.
  case otherAnon = "other_anon"
  /// Shared memory: `/dev/shm`, `memfd:`, SysV segments and shared anonymous mappings.
  case shmem
  /// File-backed resident pages (page cache the kernel can reclaim), and kernel pseudo-mappings.
  case file

  /// Whether growth in this kind is memory the kernel can take back under pressure.
  package var isReclaimable: Bool { self == .file }
}
