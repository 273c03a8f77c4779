/// What one pass over `/proc/PID/smaps` yields: whole-process totals plus the heap figures.
public struct SmapsSummary: Sendable, Equatable {
  /// Totals over every mapping (the same numbers `smaps_rollup` gives).
  public var totals = MemoryRollup()
  /// Resident bytes of `[heap]` (the `brk` arena), summed over split entries.
  public var brkHeap: UInt64 = 0
  /// Resident bytes of `[heap]` plus private anonymous mappings that are not stacks or kernel
  /// pages (`[stack]`, `[vdso]`, `[vvar]`, `[vsyscall]`, ...). Thread stacks created with `mmap`
  /// carry no name and are included.
  public var heap: UInt64 = 0
  /// Number of mappings seen.
  public var mappings: Int = 0
  /// Resident bytes by kind, by the rules of ``RegionClassifier``. A mapping that merged an
  /// arena with something below it counts whole as the arena (`smaps` gives one `Rss` per
  /// mapping); the ioctl walk splits it.
  public var regions = RegionReading()

  public init() {}

  /// Whether a mapping with this path and permissions counts towards ``heap``.
  static func isHeapLike(path: Slice<UnsafeBufferPointer<UInt8>>?, privateMapping: Bool) -> Bool {
    guard let path, !path.isEmpty else { return privateMapping }
    if ByteScanner.equals(path, "[heap]") { return true }
    // Anonymous mappings named with PR_SET_VMA_ANON_NAME read "[anon:NAME]".
    if path.count > 6, ByteScanner.equals(path.prefix(6), "[anon:") { return privateMapping }
    return false
  }

  /// Parses the text of `smaps`.
  public static func parse(_ text: String) throws(ProcParseError) -> SmapsSummary {
    try text.withUTF8Bytes { bytes throws(ProcParseError) in try parse(bytes) }
  }

  /// Parses the raw bytes of `smaps`: a header line per mapping
  /// (`start-end perms offset dev inode [path]`) followed by `Key: N kB` lines.
  ///
  /// - Parameter threads: the process's thread count, which caps the guarded mappings counted
  ///   as thread stacks (see ``RegionTally/finish(threads:)``); nil counts them all.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, threads: Int? = nil) throws(ProcParseError)
    -> SmapsSummary
  {
    var summary = SmapsSummary()
    var inHeapLike = false
    var inBrk = false
    var failure: ProcParseError?
    var lineNumber = 0
    // Each mapping is classified once the next header is seen: an arena is known by the
    // reservation after it.
    var tally = RegionTally()
    var previous: MappingFacts?
    var pending: (facts: MappingFacts, path: Slice<UnsafeBufferPointer<UInt8>>?, rss: UInt64)?
    let pageSize = Syscalls.pageSize()
    func settle(next: MappingFacts?) {
      guard let current = pending else { return }
      let region = RegionClassifier.classify(
        previous: previous, current: current.facts, next: next, pageSize: pageSize)
      tally.add(current.facts, region, lower: 0, upper: current.rss, name: current.path)
      previous = current.facts
      pending = nil
    }
    ByteScanner(bytes).forEachLine { line in
      lineNumber += 1
      guard let first = line.first else { return true }
      // Field lines start with a capital letter key ending in ':'; headers start with a hex address.
      let isHex =
        (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        || (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "f"))
      if isHex, let header = MappingHeader(line) {
        let facts = header.facts
        settle(next: facts)
        pending = (facts, header.path, 0)
        summary.mappings += 1
        inBrk = header.path.map { ByteScanner.equals($0, "[heap]") } ?? false
        inHeapLike = isHeapLike(path: header.path, privateMapping: header.isPrivate)
        return true
      }
      guard let (key, value) = ByteScanner.keyValue(line) else {
        failure = ProcParseError(
          file: "smaps", reason: "line \(lineNumber) is neither a mapping header nor 'Key: value'")
        return false
      }
      if ByteScanner.equals(key, "VmFlags") || ByteScanner.equals(key, "THPeligible")
        || ByteScanner.equals(key, "ProtectionKey")
      {
        return true
      }
      guard summary.mappings > 0 else {
        failure = ProcParseError(file: "smaps", reason: "line \(lineNumber) comes before any mapping header")
        return false
      }
      if !summary.totals.accumulate(key: key, value: value) {
        failure = ProcParseError(
          file: "smaps",
          reason:
            "line \(lineNumber): bad value '\(ByteScanner.string(value).prefix(40))' for \(ByteScanner.string(key))")
        return false
      }
      if ByteScanner.equals(key, "Rss"), let rss = ByteScanner.parseKiB(value) {
        pending?.rss &+= rss
        if inHeapLike { summary.heap &+= rss }
        if inBrk { summary.brkHeap &+= rss }
      }
      return true
    }
    if let failure { throw failure }
    settle(next: nil)
    summary.regions = tally.finish(threads: threads)
    return summary
  }
}

/// The parts of an smaps header line (`start-end perms offset dev inode [path]`) memtop uses.
struct MappingHeader {
  /// First address of the mapping.
  var start: UInt64
  /// One past its last address.
  var end: UInt64
  /// The permission letters: `r`, `w`, `x` and `p` (private) or `s` (shared).
  var readable: Bool
  var writable: Bool
  var executable: Bool
  /// Whether the mapping is private (`p` as the fourth permission letter).
  var isPrivate: Bool
  /// The path or pseudo-path (`[heap]`, `[stack]`, ...), nil for an anonymous mapping.
  var path: Slice<UnsafeBufferPointer<UInt8>>?

  /// Parses a header line; nil when the line is not one.
  init?(_ line: Slice<UnsafeBufferPointer<UInt8>>) {
    var index = line.startIndex
    var field = 0
    var sawDash = false
    var isPrivate = false
    var permissions: (Bool, Bool, Bool) = (false, false, false)
    var range: (UInt64, UInt64)?
    var path: Slice<UnsafeBufferPointer<UInt8>>?
    while index < line.endIndex && field < 6 {
      while index < line.endIndex && ByteScanner.isSpace(line[index]) { index += 1 }
      guard index < line.endIndex else { break }
      let start = index
      if field == 5 {
        // The path runs to the end of the line and may contain spaces.
        var end = line.endIndex
        while end > start && ByteScanner.isSpace(line[end - 1]) { end -= 1 }
        path = line[start..<end]
        field += 1
        break
      }
      while index < line.endIndex && !ByteScanner.isSpace(line[index]) {
        if field == 0 && line[index] == UInt8(ascii: "-") { sawDash = true }
        index += 1
      }
      if field == 0 {
        range = Self.parseRange(line[start..<index])
        guard range != nil else { return nil }
      }
      if field == 1 {
        guard index - start == 4 else { return nil }
        permissions = (
          line[start] == UInt8(ascii: "r"), line[start + 1] == UInt8(ascii: "w"), line[start + 2] == UInt8(ascii: "x")
        )
        isPrivate = line[start + 3] == UInt8(ascii: "p")
      }
      field += 1
    }
    guard sawDash, field >= 5, let range else { return nil }
    start = range.0
    end = range.1
    (readable, writable, executable) = permissions
    self.isPrivate = isPrivate
    self.path = path
  }

  /// What the classification of kinds needs to know.
  var facts: MappingFacts {
    MappingFacts(
      start: start, end: end, readable: readable, writable: writable, executable: executable, shared: !isPrivate,
      name: MappingName(path))
  }

  /// Parses `start-end` (hexadecimal, at most 16 digits each).
  static func parseRange(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> (UInt64, UInt64)? {
    var values: (UInt64, UInt64) = (0, 0)
    var digits = 0
    var second = false
    for byte in text {
      if byte == UInt8(ascii: "-") {
        guard !second, digits > 0 else { return nil }
        second = true
        digits = 0
        continue
      }
      let nibble: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
      default: return nil
      }
      guard digits < 16 else { return nil }
      digits += 1
      if second {
        values.1 = values.1 << 4 | UInt64(nibble)
      } else {
        values.0 = values.0 << 4 | UInt64(nibble)
      }
    }
    guard second, digits > 0, values.0 <= values.1 else { return nil }
    return values
  }
}
