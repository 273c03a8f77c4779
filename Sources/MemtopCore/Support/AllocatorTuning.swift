import CLinuxSys

/// Keeps memtop's own resident memory flat over long runs.
public enum AllocatorTuning {
  /// Serves buffers of 256 KiB and more (the analyzer's temporary arrays) from their own
  /// mappings, returned to the system when freed. glibc otherwise raises this threshold after
  /// the first such buffer is freed, and later ones stay resident in the heap for the rest of
  /// the run. Call once at start-up.
  public static func returnLargeBuffersToTheSystem() {
    _ = memtop_set_mmap_threshold(256 * 1024)
  }

  /// Gives the free pages inside the heap back to the system (glibc's `malloc_trim(0)`): after
  /// hundreds of short-lived processes were listed and forgotten, their rows' memory is free
  /// but scattered between live blocks, and the heap would otherwise keep it resident for the
  /// rest of the run. About a millisecond on memtop's heap; called once a minute by the
  /// process table and `serve`.
  public static func releaseFreePages() {
    _ = malloc_trim(0)
  }
}
