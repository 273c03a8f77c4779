extension FloorPyramid {
  /// The first valid sample's value and time: a compact pyramid's bins are offsets from it.
  struct Origin: Sendable, Equatable {
    /// Bytes.
    var value: Double
    /// Seconds.
    var time: Double
  }

  /// One level's completed bins as kept, oldest first: 32 bytes each, or, in a compact pyramid
  /// (a row of the process table), 16: 32-bit offsets from the pyramid's ``Origin``.
  ///
  /// A 32-bit float keeps 24 bits: an offset of up to 1 TiB is within 64 KiB, one of 12 hours
  /// within 4 ms (the rows' pyramids reach back 11.5 hours; their times are offsets from the
  /// first reading, so after days they are within a fraction of a second).
  struct Level: Sendable, Equatable {
    /// A completed bin as offsets from the origin, bytes and seconds.
    struct Compact: Sendable, Equatable {
      var minimum: Float
      var maximum: Float
      var start: Float
      var end: Float
    }

    private var wide: [Stored] = []
    private var compact: [Compact] = []
    /// What compact bins are offsets from (nil: bins kept whole).
    private let origin: Origin?

    init(origin: Origin?) { self.origin = origin }

    var count: Int { origin == nil ? wide.count : compact.count }
    var capacity: Int { origin == nil ? wide.capacity : compact.capacity }
    /// Start of the oldest bin kept, seconds.
    var firstStart: Double? { count == 0 ? nil : self[0].start }

    subscript(i: Int) -> Stored {
      guard let origin else { return wide[i] }
      let bin = compact[i]
      return Stored(
        minimum: origin.value + Double(bin.minimum), maximum: origin.value + Double(bin.maximum),
        start: origin.time + Double(bin.start), end: origin.time + Double(bin.end))
    }

    /// Every bin kept, oldest first.
    var all: [Stored] { (0..<count).map { self[$0] } }

    mutating func append(_ bin: Stored) {
      guard let origin else { return wide.append(bin) }
      compact.append(
        Compact(
          minimum: Float(bin.minimum - origin.value), maximum: Float(bin.maximum - origin.value),
          start: Float(bin.start - origin.time), end: Float(bin.end - origin.time)))
    }

    mutating func removeFirst(_ k: Int) {
      if origin == nil { wide.removeFirst(k) } else { compact.removeFirst(k) }
    }

    mutating func reserveCapacity(_ n: Int) {
      if origin == nil { wide.reserveCapacity(n) } else { compact.reserveCapacity(n) }
    }
  }
}
