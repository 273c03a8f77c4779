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
      out.append("who holds it (containers that keep growing):")
      for retainer in retainers.prefix(maxEach) { out.append("  " + retainerLine(retainer)) }
    }
    if let shareSentence { out.append(shareSentence) }
    if let gcLine { out.append(gcLine) }
    let growing = caches.filter { ($0.growthPerSecond ?? 0) > 0 || $0.maxsize == nil }
    for cache in growing.prefix(maxEach) { out.append(cacheLine(cache)) }
    let lines = topLines.filter { ($0.slopeBytesPerSecond ?? 0) > 0 }
    if !lines.isEmpty {
      out.append("lines where traced memory grows:")
      for line in lines.prefix(maxEach) { out.append("  " + lineLine(line)) }
    }
    let types = types.filter { ($0.countSlopePerSecond ?? 0) > 0 }
    if !types.isEmpty {
      out.append("object types that grow:")
      for type in types.prefix(maxEach) { out.append("  " + typeLine(type)) }
    }
    for note in notes.suffix(2) { out.append("agent: " + note) }
    return out
  }

  /// `analyze`'s section.
  public var reportText: String {
    let about = python.map { ", Python \($0)" } ?? ""
    var text = "python (process \(pid)\(about)):\n"
    for line in lines() { text += "  " + line + "\n" }
    return text
  }

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
