import MemtopFormat
import MemtopSampling
import MemtopTrend

/// The "where" sentence: which kind of memory holds the growth, told from the one assessment.
///
/// `RSS +40.0 MiB/min: 93 % in malloc_arenas (8 arenas, one per thread) — allocator growth
/// outside the main heap; see MALLOC_ARENA_MAX`. Every figure comes from the assessment's
/// results (rates, shares, first and latest counts) or the latest walk's ``RegionDetail``.
public enum WhereReport {
  /// The sentence for an assessment with memory by kind, or nil when nothing leaks (no metric,
  /// kind or count has the verdict `leak`) or no kind or count explains it.
  public static func sentence(_ assessment: Assessment) -> String? {
    guard let regions = assessment.regions else { return nil }
    let anyLeak =
      assessment.entries.contains { $0.result.verdict == .leak }
      || regions.kinds.contains { $0.result.verdict == .leak } || regions.counts.contains(where: \.leaks)
    guard anyLeak else { return nil }
    return sentence(regions, lead: lead(assessment, regions))
  }

  /// The sentence for `regions`, headed by `lead` (e.g. `RSS +40.0 MiB/min`).
  public static func sentence(_ regions: RegionAssessment, lead: String?) -> String? {
    var parts: [String] = []
    if let growing = regions.growing {
      let share = Int(saturating: ((growing.shareOfGrowth ?? 1) * 100).rounded())
      let head = lead ?? "\(growing.name) \(growing.result.rateText)"
      parts.append("\(head): \(share) % in \(growing.name)\(detail(growing, regions))")
    }
    for count in regions.counts where count.leaks {
      if count.metric == .threads && regions.growthIn == .threadStacks { continue }
      let text = countText(count)
      parts.append(parts.isEmpty ? "\(count.name) \(count.result.rateText): \(text)" : text)
    }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }

  /// The metric that heads the sentence: the first leaking one in the assessment's lead
  /// order, else RSS (or a tree's PSS) when it grows.
  static func lead(_ assessment: Assessment, _ regions: RegionAssessment) -> String? {
    let entry =
      assessment.entries.first { $0.result.verdict == .leak && ($0.metric == .rss || $0.metric == .pss) }
      ?? assessment.entries.first { $0.result.verdict == .leak }
      ?? assessment.entries.first { ($0.metric == .rss || $0.metric == .pss) && $0.result.slopeBytesPerSecond > 0 }
    guard let entry, entry.result.slopeBytesPerSecond.isFinite else { return nil }
    return "\(entry.label) \(entry.result.rateText)"
  }

  /// What the kind's growth means, with the walk's names when known.
  static func detail(_ entry: RegionAssessment.Entry, _ regions: RegionAssessment) -> String {
    let detail = regions.detail
    switch entry.kind {
    case .mallocArenas:
      var inside: [String] = []
      if let arenas = detail?.arenas, arenas > 0 {
        var text = "\(arenas) arena\(arenas == 1 ? "" : "s")"
        if let threads = regions.entry(.threads)?.latest, threads >= 2, abs(Double(arenas) - (threads - 1)) <= 1 {
          text += ", one per thread"
        } else if let threads = regions.entry(.threads)?.latest {
          text += ", \(ByteFormat.count(threads)) threads"
        }
        inside.append(text)
      }
      let open = inside.isEmpty ? "" : " (" + inside.joined(separator: ", ") + ")"
      return open + " — allocator growth outside the main heap; see MALLOC_ARENA_MAX"
    case .file:
      if let top = detail?.topFiles.first {
        return ": page cache of \(displayName(top.name)), which the kernel can reclaim — not a heap leak"
      }
      return ": file-backed pages (page cache), which the kernel can reclaim — not a heap leak"
    case .threadStacks:
      if let threads = regions.entry(.threads), let text = threadsText(threads) {
        return ": " + text
      }
      if let stacks = detail?.stacks { return ": \(stacks) thread stacks — threads started and never ended" }
      return " — threads started and never ended"
    case .shmem:
      let name = detail?.topShared.first.map { " (\(displayName($0.name)))" } ?? ""
      return ": shared memory\(name) — a /dev/shm, memfd or SysV segment that keeps filling; "
        + "it is not freed until every mapping is gone and it is unlinked"
    case .brkHeap:
      return " (the main heap, [heap]) — malloc on the main thread (blocks below the mmap threshold) never freed"
    case .otherAnon:
      let named = detail?.namedAnon.first.map { "; largest named mapping \(displayName($0.name))" } ?? ""
      return " — private anonymous memory outside the heaps: large malloc blocks, interpreter arenas, "
        + "buffers\(named)"
    case nil:
      return ""
    }
  }

  /// `threads 12 → 230`, from the judged lifetime's first and latest counts.
  static func threadsText(_ entry: RegionAssessment.Entry) -> String? {
    guard let first = entry.first, let latest = entry.latest else { return nil }
    return "threads \(ByteFormat.count(first)) → \(ByteFormat.count(latest))"
  }

  /// A count that leaks, e.g. `threads 12 → 230 (+4.80/s)`,
  /// `open descriptors 10 → 500 (+9.00/s), never closed`.
  static func countText(_ entry: RegionAssessment.Entry) -> String {
    let range =
      entry.first.flatMap { first in
        entry.latest.map { " \(ByteFormat.count(first)) → \(ByteFormat.count($0))" }
      } ?? ""
    let rate = " (\(entry.result.rateText))"
    return entry.metric == .fds
      ? "open descriptors\(range)\(rate), opened and never closed" : "threads\(range)\(rate), started and never ended"
  }

  /// A path's last component, escaped for a terminal.
  public static func displayName(_ path: String) -> String {
    let base = path.split(separator: "/").last.map(String.init) ?? path
    return Sanitizer.terminalSafe(base.isEmpty ? path : base, maxLength: 60)
  }
}

// MARK: - Assessment

extension Assessment {
  /// This assessment with memory by kind attached: the "where" sentence can then be told, and
  /// growth explained by file pages alone (``RegionAssessment/growthIsReclaimable``) no
  /// longer makes the combined verdict a leak: RSS (or a tree's PSS) that leaks only through
  /// page cache is left out of the combined verdict and of the raised alerts.
  public func withRegions(_ regions: RegionAssessment?) -> Assessment {
    var copy = self
    copy.regions = regions
    guard let regions, regions.growthIsReclaimable else { return copy }
    let reclaimable: Set<Metric> = [.rss, .pss]
    let explained = entries.filter { $0.result.verdict == .leak && reclaimable.contains($0.metric) }
    guard !explained.isEmpty,
      !entries.contains(where: { $0.result.verdict == .leak && !reclaimable.contains($0.metric) })
    else { return copy }
    let others = entries.filter { !($0.result.verdict == .leak && reclaimable.contains($0.metric)) }
    copy.verdict = others.isEmpty ? .inconclusive : TrendVerdict.combined(others.map(\.result.verdict))
    copy.raised.subtract(reclaimable)
    return copy
  }

  /// The "where" sentence, when something leaks and memory by kind is known.
  public var whereSentence: String? { WhereReport.sentence(self) }
}
