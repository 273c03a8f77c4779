import MemtopSampling
import MemtopSystem
import MemtopTrend

/// Where memory grows: each kind of memory (``RegionKind``) and the two counts (threads, open
/// descriptors) judged by the same analyzer as RSS, heap and anon, with each kind's share of
/// the growth and the kind holding most of it.
///
/// **Share of growth.** With s⁺ = max(slope, 0) the Sen slope of a kind's floor over its own
/// judged segment (the one its verdict rests on), a kind's share is s⁺ / Σ s⁺ over the six
/// kinds: the shares of the kinds add up to 1, and a kind that shrinks or holds has 0. The
/// shares are nil when no kind grows. The counts have no share (they are not bytes).
///
/// **Growing.** A kind grows when its verdict is `leak` or `plateau`, or when it is
/// `inconclusive` with the whole 95 % interval of its slope above zero. ``growthIn`` is the
/// growing kind with the largest share, nil when none grows.
///
/// **File growth is reclaimable.** Resident file pages are page cache the kernel can drop
/// under pressure: a `file` kind the analyzer would call `leak` is shown as `reclaimable`, and
/// growth explained by it alone does not make the process's verdict a leak (see
/// ``Assessment/withRegions(_:)``).
public struct RegionAssessment: Sendable, Equatable {
  /// One judged kind or count.
  public struct Entry: Sendable, Equatable {
    /// The metric: one of ``Metric/regions``, or `.threads` / `.fds`.
    public var metric: Metric
    /// The analyzer's result.
    public var result: TrendResult
    /// The latest value: bytes for a kind, a count for threads and descriptors.
    public var latest: Double?
    /// The first value of the judged lifetime.
    public var first: Double?
    /// The kind's share of the growth (0…1), nil when no kind grows or for a count.
    public var shareOfGrowth: Double?

    public init(metric: Metric, result: TrendResult, latest: Double?, first: Double?, shareOfGrowth: Double? = nil) {
      self.metric = metric
      self.result = result
      self.latest = latest
      self.first = first
      self.shareOfGrowth = shareOfGrowth
    }

    /// The kind of memory, nil for a count.
    public var kind: RegionKind? { metric.region }

    /// Whether this kind or count grows: `leak`, `plateau`, or `inconclusive` with the slope's
    /// whole interval above zero.
    public var grows: Bool {
      switch result.verdict {
      case .leak, .plateau: return true
      case .inconclusive: return result.slopeCI.low > 0 && result.slopeBytesPerSecond > 0
      default: return false
      }
    }

    /// Whether the analyzer found growth like a leak that is not reclaimable page cache.
    public var leaks: Bool { result.verdict == .leak && kind?.isReclaimable != true }

    /// The verdict as shown: the analyzer's, except `reclaimable` for file pages it would call
    /// a leak (page cache the kernel can take back).
    public var verdictName: String {
      if result.verdict == .leak && kind?.isReclaimable == true { return Self.reclaimable }
      return result.verdict.rawValue
    }

    /// The verdict name of file growth the analyzer would call a leak.
    public static let reclaimable = "reclaimable"

    /// The name users see: the kind's (`malloc_arenas`) or the count's (`threads`).
    public var name: String { kind?.rawValue ?? metric.label }
  }

  /// The six kinds that carried a value, in ``RegionKind`` order.
  public var kinds: [Entry]
  /// `threads` and `fds`, those that carried a value.
  public var counts: [Entry]
  /// The growing kind with the largest share of the growth, nil when no kind grows.
  public var growthIn: RegionKind?
  /// What the latest walk of the mappings named (arenas, stacks, top files, named anonymous
  /// mappings), when known: it makes the sentences concrete.
  public var detail: RegionDetail?

  /// Combines per-metric results (any of ``Metric/regions``, `.threads`, `.fds`).
  public init(entries: [Entry], detail: RegionDetail? = nil) {
    var kinds = Metric.regions.compactMap { metric in entries.first { $0.metric == metric } }
    counts = [Metric.threads, .fds].compactMap { metric in entries.first { $0.metric == metric } }
    let growing = kinds.filter(\.grows)
    let total = kinds.reduce(0.0) { $0 + Self.positive($1.result.slopeBytesPerSecond) }
    if !growing.isEmpty && total > 0 {
      for i in kinds.indices { kinds[i].shareOfGrowth = Self.positive(kinds[i].result.slopeBytesPerSecond) / total }
      growthIn =
        growing.max { Self.positive($0.result.slopeBytesPerSecond) < Self.positive($1.result.slopeBytesPerSecond) }?
        .kind
    } else {
      growthIn = nil
    }
    self.kinds = kinds
    for i in counts.indices { counts[i].shareOfGrowth = nil }
    self.detail = detail
  }

  /// The entry of `metric`, if judged.
  public func entry(_ metric: Metric) -> Entry? {
    (kinds + counts).first { $0.metric == metric }
  }

  /// The entry of the kind holding most of the growth.
  public var growing: Entry? { growthIn.flatMap { entry(Metric(region: $0)) } }

  /// Whether no kind but `file` leaks, the growth is in `file`, and no count leaks: the growth
  /// is page cache, which the kernel can reclaim.
  package var growthIsReclaimable: Bool {
    growthIn == .file && !kinds.contains(where: \.leaks) && !counts.contains(where: \.leaks)
  }

  /// Whether any kind (other than file) or count leaks.
  package var anyLeaks: Bool { kinds.contains(where: \.leaks) || counts.contains(where: \.leaks) }

  static func positive(_ x: Double) -> Double { x.isFinite && x > 0 ? x : 0 }
}

/// What the latest walk of the mappings named beyond the bytes per kind: it turns "93 % in
/// malloc_arenas" into "(8 arenas, one per thread)" and "file" into "page cache of data.bin".
public struct RegionDetail: Sendable, Equatable {
  /// One named mapping (a file, or an `[anon:NAME]` mapping) and its resident bytes.
  public struct Named: Sendable, Equatable {
    /// The path or name. Untrusted text: escape before showing.
    public var name: String
    /// Resident bytes.
    public var bytes: UInt64

    public init(name: String, bytes: UInt64) {
      self.name = name
      self.bytes = bytes
    }
  }

  /// glibc per-thread arenas seen.
  public var arenas: Int?
  /// Thread stacks seen (the main thread's `[stack]` included).
  package var stacks: Int?
  /// Files by resident bytes, largest first.
  public var topFiles: [Named]
  /// Shared memory segments by resident bytes, largest first.
  package var topShared: [Named]
  /// Named anonymous mappings (`[anon:NAME]`) by resident bytes, largest first.
  package var namedAnon: [Named]

  public init(
    arenas: Int? = nil, stacks: Int? = nil, topFiles: [Named] = [], topShared: [Named] = [], namedAnon: [Named] = []
  ) {
    self.arenas = arenas
    self.stacks = stacks
    self.topFiles = topFiles
    self.topShared = topShared
    self.namedAnon = namedAnon
  }
}

extension RegionDetail {
  /// The detail of one walk of the mappings.
  public init(reading: RegionReading) {
    self.init(
      arenas: reading.arenas, stacks: reading.threadStacks,
      topFiles: reading.topFiles.map { Named(name: $0.text, bytes: $0.bytes) },
      topShared: reading.topShared.map { Named(name: $0.text, bytes: $0.bytes) },
      namedAnon: reading.topNamedAnon.map { Named(name: $0.text, bytes: $0.bytes) })
  }
}
