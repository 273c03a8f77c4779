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
}
