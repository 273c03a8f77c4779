import MemtopFormat

/// The Python report in words: `analyze`'s section, the live panel's lines, `plot`'s block.
extension PythonReport {
  /// The sentence on Python's share of the growth, or nil when there is nothing to say.
  public var shareSentence: String? {
    guard let traced = tracedSlopeBytesPerSecond else { return nil }
    guard let rss = rssSlopeBytesPerSecond, rss > 0, let share = shareOfRSSGrowth else {
      return "RSS did not grow while Python's allocations were traced (traced \(Self.signedRate(traced)))"
    }
    let percent = Int((share * 100).rounded())
    if share < 0.3 && traced <= rss * 0.05 {
      return
        "traced Python memory is flat while RSS grows \(Self.signedRate(rss)): the growth is outside Python objects (a C extension or the allocator) — see where it grows by kind"
    }
    if share < 0.3 {
      return
        "Python objects account for \(percent) % of the growth (traced \(Self.signedRate(traced)) while RSS grows \(Self.signedRate(rss))): most of it is outside Python objects (a C extension, the allocator, or tracemalloc's own bookkeeping while it traces)"
    }
    if share >= 0.7 { return "Python objects account for \(percent) % of the growth" }
    return
      "Python objects account for \(percent) % of the growth; the rest is outside Python objects (a C extension or the allocator)"
  }

  /// One line per cache: `cache `shop.prices.price` (maxsize=None): 48,210 entries, +1,900/min`.
  public func cacheLine(_ cache: Cache) -> String {
    let limit = cache.maxsize.map { Self.grouped($0) } ?? "None"
    var line = "cache `\(cache.function)` (maxsize=\(limit)): \(Self.grouped(cache.currsize)) entries"
    if let growth = cache.growthPerSecond { line += ", \(Self.perMinute(growth))/min" }
    return line
  }

  /// `+1.2 MiB/min  app.py:42 (12.0 MiB)`.
  public func lineLine(_ line: Line) -> String {
    let rate = line.slopeBytesPerSecond.map(Self.signedRate) ?? "n/a"
    return "\(rate)  \(line.location) (\(ByteFormat.bytes(Double(line.bytes))))"
  }

  /// `dict: 12,345 objects, +1,200/min`.
  public func typeLine(_ type: TypeCount) -> String {
    var line = "\(type.type): \(Self.grouped(type.count)) objects"
    if let slope = type.countSlopePerSecond { line += ", \(Self.perMinute(slope))/min" }
    return line
  }

  /// `handlers._RESPONSE_CACHE (dict, handlers.py:32) grows +240 entries/min ≈ +4.00 MiB/min;
  /// 4,210 entries ≈ 1.17 MiB`: who holds the memory, and how fast it grows.
  public func retainerLine(_ retainer: Retainer) -> String {
    let name = retainer.path ?? "an unnamed \(retainer.type)"
    var about = [retainer.type]
    if let place = retainer.definedAt?.split(separator: "/").last { about.append(String(place)) }
    var line =
      "\(name) (\(about.joined(separator: ", "))) grows \(Self.perMinute(retainer.growthPerSecond)) entries/min"
    if let bytes = retainer.approxBytes, retainer.length > 0 {
      let perEntry = Double(bytes) / Double(retainer.length)
      line += " ≈ " + ByteFormat.rate(bytesPerSecond: retainer.growthPerSecond * perEntry)
      line += "; \(Self.grouped(retainer.length)) entries ≈ \(ByteFormat.bytes(UInt64(bytes)))"
    } else {
      line += "; \(Self.grouped(retainer.length)) entries"
    }
    return line
  }

  /// The collector in one line.
  public var gcLine: String? {
    guard let gc else { return nil }
    var line =
      gc.enabled
      ? "collector: enabled"
      : "collector: DISABLED (gc.disable()): reference cycles are never freed"
    if !gc.collections.isEmpty {
      line += "; collections " + gc.collections.map(String.init).joined(separator: "/")
    }
    let uncollectable = gc.uncollectable.reduce(0, +)
    if uncollectable > 0 { line += "; \(Self.grouped(uncollectable)) uncollectable" }
    if gc.garbage > 0 { line += "; gc.garbage holds \(Self.grouped(gc.garbage))" }
    return line
  }

  /// The whole section, one string per line, without indentation.
  public func lines(maxEach: Int = 5) -> [String] {
    var out: [String] = []
    if !retainers.isEmpty {
      out.append("who holds it (containers that keep growing\(Self.aside(when(retainerSpan)))):")
      for retainer in retainers.prefix(maxEach) { out.append("  " + retainerLine(retainer)) }
    }
    if let shareSentence { out.append(shareSentence) }
    if let gcLine { out.append(gcLine) }
    let growing = caches.filter { ($0.growthPerSecond ?? 0) > 0 || $0.maxsize == nil }
    for cache in growing.prefix(maxEach) { out.append(cacheLine(cache)) }
    let lines = topLines.filter { ($0.slopeBytesPerSecond ?? 0) > 0 }
    if !lines.isEmpty {
      out.append("lines where traced memory grows (\(when(lineSpan) ?? "traced")):")
      for line in lines.prefix(maxEach) { out.append("  " + lineLine(line)) }
    }
    let types = types.filter { ($0.countSlopePerSecond ?? 0) > 0 }
    if !types.isEmpty {
      out.append("object types that grow (\(when(typeSpan) ?? "census")):")
      for type in types.prefix(maxEach) { out.append("  " + typeLine(type)) }
    }
    for note in notes.suffix(2) { out.append("agent: " + note) }
    return out
  }

  /// Whose report it is: `worker 1234 (pool.py)` for a member of a tree, else `process 1234`.
  public var subject: String {
    guard worker else { return "process \(pid)" }
    return "worker \(pid)" + (command.map { " (\(Sanitizer.terminalSafe($0, maxLength: 60)))" } ?? "")
  }

  // MARK: - Windows and ages

  /// Seconds after which a figure is old news: dimmed, and said with its age.
  public static let staleSeconds = 30.0

  /// How old a list's figures are: seconds from its latest reading to ``now``.
  public func age(_ span: Span?) -> Double? {
    guard let span, let now else { return nil }
    return max(now - span.to, 0)
  }

  /// Whether a list's figures are stale (their latest reading is over ``staleSeconds`` old).
  public func isStale(_ span: Span?) -> Bool { (age(span) ?? 0) > Self.staleSeconds }

  /// `over the last 2 min, 40 s ago`, `over the last 50 s, now`, `at one census, 10 s ago`.
  public func when(_ span: Span?) -> String? {
    guard let span, let age = age(span) else { return nil }
    let length = span.to - span.from
    let window = length < 1 ? "at one reading" : "over the last " + Self.shortDuration(length)
    return window + ", " + (age < 5 ? "now" : Self.shortDuration(age) + " ago")
  }

  /// `40 s`, `2 min`, `3 h`.
  static func shortDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 90 { return "\(Int(seconds.rounded())) s" }
    if seconds < 90 * 60 { return "\(Int((seconds / 60).rounded())) min" }
    return "\(Int((seconds / 3600).rounded())) h"
  }

  /// `analyze`'s section.
  public var reportText: String {
    let about = python.map { ", Python \($0)" } ?? ""
    var text = worker ? "python: \(subject)\(about):\n" : "python (process \(pid)\(about)):\n"
    if let evidence { text += "  verdict evidence: " + evidence.sentence + "\n" }
    for line in lines() { text += "  " + line + "\n" }
    return text
  }

  /// `; at one reading, 10 s ago` or nothing.
  package static func aside(_ text: String?) -> String { text.map { "; " + $0 } ?? "" }

  // MARK: - Numbers

  /// `48,210`.
  static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
      out.append(c)
    }
    return (value < 0 ? "-" : "") + out
  }

  /// `+1,900` (a per-second figure shown per minute).
  static func perMinute(_ perSecond: Double) -> String {
    let value = perSecond * 60
    guard value.isFinite, value.magnitude < 1e15 else { return "n/a" }
    let rounded = Int(value.rounded())
    return (rounded >= 0 ? "+" : "") + grouped(rounded)
  }

  /// `+18 MiB/min`.
  static func signedRate(_ bytesPerSecond: Double) -> String {
    guard bytesPerSecond.isFinite else { return "n/a" }
    let perMinute = bytesPerSecond * 60
    return (perMinute >= 0 ? "+" : "-") + ByteFormat.bytes(perMinute.magnitude) + "/min"
  }
}
