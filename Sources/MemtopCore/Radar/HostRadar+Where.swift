import MemtopAnalysis
import MemtopSampling
import MemtopSystem

/// Where the leak-suspected processes grow: the detailed reads (the walk of the mappings, by
/// the `PROCMAP_QUERY` and `PAGEMAP_SCAN` ioctls where the kernel has them, else `smaps`; no
/// `smaps_rollup`), run
/// for those processes only, by the watch's own ``Sampler`` under its CPU budget and stall cap,
/// and judged by the same ``LiveRegionAnalysis`` the live view's where line uses.
final class WhereWatch {
  /// Processes given detailed reads at once: the fastest growing of the leak-suspected.
  static let processes = 2
  /// Share of one core each process's detailed reads may use (0.00125 = 0.125 %): 0.25 % in
  /// all. Only the walk of the mappings is read (it says which kind grows); `smaps_rollup`'s
  /// PSS, which the exposition does not carry, is not, so the walk keeps the cadence it had
  /// when it shared twice this budget with the rollup.
  static let budget = 0.00125
  /// Seconds per second the reads may stall each target (they hold its memory lock).
  static let maxStall = 0.005

  let sampler: Sampler
  private(set) var regions = LiveRegionAnalysis()

  /// The real clock, not the pass's injected one: the detailed reads' budget is charged by the
  /// time they take, which a clock frozen for the pass would make free.
  init?(identity: ProcessIdentity, procRoot: String) {
    guard let handle = try? ProcessHandle(pid: identity.pid, procRoot: procRoot), handle.identity == identity else {
      return nil
    }
    sampler = Sampler(
      handle: handle, clock: SystemClock(), detailBudget: Self.budget, maxStall: Self.maxStall,
      startMonotonic: Syscalls.monotonicSeconds(), readsRollup: false)
  }

  /// One tick: returns false once the process is gone (or its memory may not be read in detail).
  func tick() -> Bool {
    switch sampler.sample() {
    case .sample(let sample):
      regions.append(sample)
      return sampler.detailUnavailable == nil
    case .missed: return true
    case .exited: return false
    }
  }

  /// The kind of memory that grows (`brk_heap`, `malloc_arenas`, ...), once judged.
  var growthKind: String? { regions.assessment()?.growthIn?.rawValue }
}

extension HostRadar {
  /// Gives detailed reads to the fastest growing leak-suspected processes (at most
  /// ``WhereWatch/processes``), and drops them for the others.
  func watchWhere() {
    let wanted = overview.standings.filter(\.leakConfirmed)
      .sorted { ($0.growthBytesPerSecond ?? 0) > ($1.growthBytesPerSecond ?? 0) }
      .prefix(WhereWatch.processes).map(\.identity)
    let keep = Set(wanted)
    for identity in Array(whereWatches.keys) where !keep.contains(identity) { whereWatches[identity] = nil }
    for identity in wanted where whereWatches[identity] == nil && !whereRefused.contains(identity) {
      if let watch = WhereWatch(identity: identity, procRoot: procRoot) {
        whereWatches[identity] = watch
      } else {
        whereRefused.insert(identity)
      }
    }
    for (identity, watch) in whereWatches where !watch.tick() {
      whereWatches[identity] = nil
      whereRefused.insert(identity)
    }
  }
}
