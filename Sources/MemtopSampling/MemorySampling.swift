import MemtopSystem

/// Something that produces one memory reading per tick: one process (``Sampler``) or a whole
/// process tree (``TreeSampler``).
package protocol MemorySampling: AnyObject {
  /// The command name of the process watched (the root of a tree). Untrusted text.
  var currentName: String { get }
  /// Takes one reading now: for a tree, its total.
  func sample() -> SampleOutcome
  /// Returns and clears one-time warnings for the user.
  func takeWarnings() -> [String]
  /// Returns and clears news for the user that are not warnings (e.g. a followed service
  /// restarted).
  func takeNotices() -> [String]
  /// The readings of the individual processes behind the latest ``sample()``, with their
  /// names; empty when only one process is watched.
  var memberSamples: [MemberSample] { get }
  /// Where heap and PSS come from and how often they are read; nil before the first detailed read.
  var detailCadences: DetailCadences? { get }
  /// Why the detailed figures of the process watched (the root of a tree) are unavailable,
  /// once known (e.g. permission denied).
  var detailUnavailable: ProcReadError? { get }
  /// What the latest walk of the mappings found besides the bytes by kind each sample carries
  /// (arenas and thread stacks counted, the largest files, shared segments and named
  /// mappings); for a tree, its members' readings combined. Nil before the first walk.
  var latestRegions: RegionReading? { get }
}

/// One process's reading within a tree.
public struct MemberSample: Sendable, Equatable {
  /// The reading.
  public var sample: MemorySample
  /// The process's command name. Untrusted text.
  public var name: String

  public init(sample: MemorySample, name: String) {
    self.sample = sample
    self.name = name
  }
}

extension MemorySampling {
  /// Most samplers have no news besides warnings.
  package func takeNotices() -> [String] { [] }

  /// A sampler that walks no mappings has no detail.
  package var latestRegions: RegionReading? { nil }
}

extension Sampler: MemorySampling {
  /// One process has no members.
  package var memberSamples: [MemberSample] { [] }
}

/// Builds the sampler for a process: its own (``Sampler``), or its whole tree (``TreeSampler``).
package func makeSampler(
  for handle: ProcessHandle, tree: Bool, clock: any SamplerClock, detailBudget: Double, maxStall: Double,
  startMonotonic: Double, detailMaxAge: Double = DetailTrigger.defaultMaxAge
) -> any MemorySampling {
  tree
    ? TreeSampler(
      root: handle, clock: clock, detailBudget: detailBudget, maxStall: maxStall, startMonotonic: startMonotonic,
      detailMaxAge: detailMaxAge)
    : Sampler(
      handle: handle, clock: clock, detailBudget: detailBudget, maxStall: maxStall, startMonotonic: startMonotonic,
      detailMaxAge: detailMaxAge)
}
