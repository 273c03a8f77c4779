import MemtopFormat

/// What a Python agent's report says about the growth a verdict judged: a container or an
/// unbounded cache that keeps growing and accounts for it (a leak, named), or a bounded cache
/// whose filling accounts for it (growth that levels off: not a leak while it fills).
///
/// Conservative: evidence counts only when its estimated bytes per second are at least
/// ``accountsFor`` of the observed (observer-free) growth, and only when that growth is
/// positive; without Python data, or without sized readings, there is none.
public struct PythonEvidence: Sendable, Equatable, Encodable {
  /// What the evidence says.
  public enum Kind: String, Sendable, Equatable {
    /// A named container or an unbounded cache keeps growing and accounts for the growth.
    case leak
    /// A bounded cache is filling and accounts for the growth; it levels off when full.
    case filling = "cache-filling"
  }

  public var kind: Kind
  /// The process whose agent said it.
  public var pid: Int32
  /// `handlers._RESPONSE_CACHE`, or a cache's function `render`.
  public var subject: String
  /// The evidence's estimated growth, bytes per second.
  public var bytesPerSecond: Double
  /// The growth it accounts for (the observer-free series judged), bytes per second.
  public var observedBytesPerSecond: Double
  /// For a filling cache: its entries now, its maxsize and what it holds once full (bytes).
  public var entries: Int?
  public var maxsize: Int?
  public var levelsOffBytes: Double?
  /// The where sentence, escaped: `handlers._RESPONSE_CACHE (dict, handlers.py:32) grows +240
  /// entries/min ≈ 4.00 MiB/min; 4,210 entries ≈ 1.17 MiB` or `filling cache render: 283 of
  /// 300, levels off at ≈5.00 MiB`.
  public var sentence: String
  /// Whether it accounts for the main series' growth too (a tree's total, besides the member
  /// it came from); set when joined with a verdict.
  public var explainsMain = true

  /// The least share of the observed growth evidence must account for.
  public static let accountsFor = 0.5

  /// The share of the observed growth the evidence accounts for (may exceed 1: estimates).
  public var share: Double { observedBytesPerSecond > 0 ? bytesPerSecond / observedBytesPerSecond : 0 }

  /// The evidence in `report` for growth of `growthBytesPerSecond` (observer-free), or nil.
  /// A growing named retainer or unbounded cache comes first; a filling bounded cache only
  /// when nothing unbounded accounts for the growth.
  public static func find(in report: PythonReport, growthBytesPerSecond growth: Double) -> PythonEvidence? {
    guard growth.isFinite, growth > 0 else { return nil }
    let needed = growth * accountsFor
    var leaks: [PythonEvidence] = []
    // Named containers only: an unnamed one may be a passing buffer.
    for retainer in report.retainers where retainer.growthPerSecond > 0 && retainer.path != nil {
      guard let bytes = retainer.approxBytes, retainer.length > 0 else { continue }
      let rate = retainer.growthPerSecond * Double(bytes) / Double(retainer.length)
      guard rate >= needed else { continue }
      leaks.append(
        PythonEvidence(
          kind: .leak, pid: report.pid, subject: retainer.path ?? retainer.type, bytesPerSecond: rate,
          observedBytesPerSecond: growth, sentence: report.retainerLine(retainer)))
    }
    for cache in report.caches where cache.maxsize == nil {
      guard let rate = cache.bytesPerSecond, rate >= needed, let growthPerSecond = cache.growthPerSecond else {
        continue
      }
      let sentence =
        "lru_cache \(cache.function) (maxsize=None) grows \(PythonReport.perMinute(growthPerSecond)) entries/min ≈ "
        + ByteFormat.rate(bytesPerSecond: rate) + "; \(PythonReport.grouped(cache.currsize)) entries"
        + (cache.approxBytes.map { " ≈ " + ByteFormat.bytes(UInt64($0)) } ?? "")
      leaks.append(
        PythonEvidence(
          kind: .leak, pid: report.pid, subject: cache.function, bytesPerSecond: rate, observedBytesPerSecond: growth,
          sentence: sentence))
    }
    if let leak = leaks.max(by: { $0.bytesPerSecond < $1.bytesPerSecond }) { return leak }
    let filling = report.caches.compactMap { cache -> PythonEvidence? in
      guard let maxsize = cache.maxsize, cache.currsize < maxsize, let rate = cache.bytesPerSecond, rate >= needed,
        let full = cache.fullBytes
      else { return nil }
      return PythonEvidence(
        kind: .filling, pid: report.pid, subject: cache.function, bytesPerSecond: rate,
        observedBytesPerSecond: growth, entries: cache.currsize, maxsize: maxsize, levelsOffBytes: full,
        sentence:
          "filling cache \(cache.function): \(PythonReport.grouped(cache.currsize)) of \(PythonReport.grouped(maxsize)), levels off at ≈\(ByteFormat.bytes(full))"
      )
    }
    return filling.max { $0.bytesPerSecond < $1.bytesPerSecond }
  }

  // MARK: - JSON

  enum Keys: String, CodingKey {
    case kind, pid, subject, sentence, share, entries, maxsize
    case bytesPerSecond = "bytes_per_s"
    case observedBytesPerSecond = "observed_bytes_per_s"
    case levelsOffBytes = "levels_off_bytes"
    case explainsMain = "explains_main"
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(kind.rawValue, forKey: .kind)
    try c.encode(pid, forKey: .pid)
    try c.encode(subject, forKey: .subject)
    try c.encode(sentence, forKey: .sentence)
    try c.encode(bytesPerSecond, forKey: .bytesPerSecond)
    try c.encode(observedBytesPerSecond, forKey: .observedBytesPerSecond)
    try c.encode(share, forKey: .share)
    try c.encodeIfPresent(entries, forKey: .entries)
    try c.encodeIfPresent(maxsize, forKey: .maxsize)
    try c.encodeIfPresent(levelsOffBytes, forKey: .levelsOffBytes)
    try c.encode(explainsMain, forKey: .explainsMain)
  }
}
