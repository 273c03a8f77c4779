/// Decides whether the detailed reads are worth doing: only when the cheap tier shows that the
/// target's memory moved since the last detailed read, or that read has grown old.
///
/// A detailed read walks the target's page tables under its memory lock (milliseconds for a
/// large process); repeating it while `status` shows the same resident, anonymous and file
/// sizes learns almost nothing. The maximum age still brings a read now and then, so a shift
/// between kinds under a flat total (heap freed as a file mapping grows) is seen within it.
/// While those reads for age alone find the figures they read as they were, the age doubles,
/// up to ``maxBackoff`` times (4 minutes from the default minute); a move of the sizes or of
/// the figures brings it back.
public struct DetailTrigger: Sendable, Equatable {
  /// Seconds after which a detailed reading is repeated even if nothing moved; 0 makes every
  /// reading stale at once (the detailed reads then follow the budget's clock alone).
  package let maxAge: Double
  /// Doublings of ``maxAge`` at most while reads for age alone learn nothing.
  package static let maxBackoff = 2
  /// Doublings now.
  package private(set) var backoff = 0
  /// The figures the latest detailed read found (e.g. heap and each kind, or PSS).
  private var foundAtRead: [UInt64?] = []
  /// What the cheap tier showed at the latest detailed read, and when.
  private var atRead: Level?
  /// What the latest tick showed.
  private var latest: Level?

  /// The sizes the trigger compares, bytes.
  package struct Level: Sendable, Equatable {
    package var rss: UInt64
    package var anon: UInt64?
    package var file: UInt64?
    package var time: Double

    package init(rss: UInt64, anon: UInt64?, file: UInt64?, time: Double) {
      self.rss = rss
      self.anon = anon
      self.file = file
      self.time = time
    }
  }

  /// Default maximum age, seconds.
  public static let defaultMaxAge = 60.0
  /// The smallest move that counts, bytes: a few pages of allocator churn do not. Kept well
  /// below the smallest step the analyzer takes for a level shift (1 MiB): the rows that carry
  /// a reading make a staircase of steps this size at most, which must never read as shifts.
  package static let minimumChange: UInt64 = 64 << 10
  /// How far a figure a read for age alone found (heap, a kind, PSS) may be from the last
  /// read's for the read to have learnt nothing: half the smallest step the analyzer takes
  /// for a level shift, so a figure the chart and the verdict would not show as moved. An
  /// allocator's churn of a buffer or two moves them by more than ``minimumChange``.
  package static let sameFigures: UInt64 = 512 << 10

  package init(maxAge: Double = DetailTrigger.defaultMaxAge) {
    self.maxAge = max(0, maxAge)
  }

  /// Notes what a tick's `status` showed.
  package mutating func observe(_ level: Level) { latest = level }

  /// Notes that a detailed read was done at the latest observed level and found `found` (the
  /// figures the cheap tier cannot see; none: the age never doubles).
  package mutating func detailRead(found: [UInt64?] = []) {
    let forAgeAlone = atRead != nil && latest != nil && !sizesMoved
    let learntNothing =
      !found.isEmpty && found.count == foundAtRead.count
      && zip(found, foundAtRead).allSatisfy { !Self.moved($0, $1, by: Self.sameFigures) }
    backoff = forAgeAlone && learntNothing ? min(backoff + 1, Self.maxBackoff) : 0
    foundAtRead = found
    atRead = latest
  }

  /// Forgets the last detailed read: the next check is due whatever the sizes (e.g. a read
  /// that failed, or an exec that replaced the address space).
  package mutating func reset() {
    atRead = nil
    backoff = 0
    foundAtRead = []
  }

  /// The age after which a reading is repeated now: ``maxAge`` doubled ``backoff`` times.
  package var currentMaxAge: Double { maxAge * Double(1 << backoff) }

  /// Whether a detailed read is due at `now`: no read yet, the last is ``currentMaxAge`` old,
  /// or one of the sizes moved by more than the threshold since it.
  package func isDue(at now: Double) -> Bool {
    guard maxAge > 0, let atRead, latest != nil else { return true }
    return now - atRead.time >= currentMaxAge || sizesMoved
  }

  /// Whether one of the sizes moved by more than the threshold since the latest read.
  private var sizesMoved: Bool {
    guard let atRead, let latest else { return true }
    return Self.moved(atRead.rss, latest.rss) || Self.moved(atRead.anon, latest.anon)
      || Self.moved(atRead.file, latest.file)
  }

  private static func moved(_ a: UInt64?, _ b: UInt64?, by threshold: UInt64 = minimumChange) -> Bool {
    switch (a, b) {
    case (let a?, let b?): return (a > b ? a - b : b - a) > threshold
    case (nil, nil): return false
    default: return true
    }
  }
}
