import MemtopSystem

/// One reading of a process's memory, every size in bytes.
///
/// A field that was not read this tick, or could not be read, is `nil` ("absent"), never 0:
/// a fake zero would look like a memory drop to the chart and to the analyzer.
public struct MemorySample: Sendable, Equatable {
  /// Wall-clock time of the reading, in seconds since the Unix epoch.
  public var timeUnix: Double
  /// Monotonic seconds since the recording started.
  public var elapsed: Double
  /// The process the reading belongs to.
  public var pid: Int32

  /// Resident set size (`VmRSS`, or exact `Rss` when smaps was read this tick).
  public var rss: UInt64?
  /// Resident anonymous memory (`RssAnon`).
  public var anon: UInt64?
  /// Resident file-backed memory (`RssFile`).
  public var file: UInt64?
  /// Resident shared memory (`RssShmem`).
  public var shmem: UInt64?
  /// Swapped-out anonymous memory (`VmSwap`).
  public var swap: UInt64?
  /// Heap: resident `[heap]` plus private anonymous mappings that are not the stack.
  public var heap: UInt64?
  /// Resident size of the `brk` arena alone (`[heap]` mappings).
  public var brkHeap: UInt64?
  /// Peak resident set size (`VmHWM`).
  public var peakRSS: UInt64?
  /// Proportional set size (`Pss`), when the detailed tier ran this tick.
  public var pss: UInt64?
  /// Unique set size (`Private_Clean + Private_Dirty`), when the detailed tier ran this tick.
  package var uss: UInt64?
  /// Proportional swap (`SwapPss`), when the detailed tier ran this tick.
  package var swapPss: UInt64?
  /// Free text attached to this sample by the user (a marker), or `nil`.
  public var marker: String?
  /// Start time of `pid` after boot in clock ticks: with `pid`, the process's identity.
  public var startTicks: UInt64?
  /// On a process tree's total row, how many processes were summed; `nil` on a row that
  /// describes one process.
  public var processes: Int?
  /// On a tree member's own row (`--per-process`), its command line; `nil` elsewhere.
  /// Untrusted text.
  public var command: String?

  /// Resident bytes by kind of memory (``RegionKind``), from the detailed walk of the
  /// mappings; each `nil` when that walk did not run this tick.
  public var regionBrkHeap: UInt64?
  public var regionMallocArenas: UInt64?
  public var regionThreadStacks: UInt64?
  public var regionOtherAnon: UInt64?
  public var regionShmem: UInt64?
  public var regionFile: UInt64?
  /// Number of threads (`Threads:` in `status`).
  public var threads: UInt64?
  /// Number of open file descriptors, when counted this tick.
  public var fds: UInt64?
  /// Number of glibc per-thread malloc arenas the detailed walk saw, when it ran this tick.
  public var arenas: UInt64?
  /// Bytes memtop's own Python agent holds in the process (tracemalloc's traces while its
  /// window runs, the agent's buffers), as the agent last said: subtracted from RSS, anon,
  /// heap, PSS and USS before anything is judged (``observerFree``).
  public var observer: UInt64?
  /// Milliseconds since the detailed figures on this row (heap, memory by kind, the counts
  /// from the walk, PSS, USS) were read: 0 when read this tick; more when the target's sizes
  /// had not moved and the latest reading was carried (``DetailTrigger``); nil without them.
  public var detailAge: UInt64?

  public init(
    timeUnix: Double, elapsed: Double, pid: Int32,
    rss: UInt64? = nil, anon: UInt64? = nil, file: UInt64? = nil, shmem: UInt64? = nil,
    swap: UInt64? = nil, heap: UInt64? = nil, brkHeap: UInt64? = nil, peakRSS: UInt64? = nil,
    pss: UInt64? = nil, uss: UInt64? = nil, swapPss: UInt64? = nil, marker: String? = nil
  ) {
    self.timeUnix = timeUnix
    self.elapsed = elapsed
    self.pid = pid
    self.rss = rss
    self.anon = anon
    self.file = file
    self.shmem = shmem
    self.swap = swap
    self.heap = heap
    self.brkHeap = brkHeap
    self.peakRSS = peakRSS
    self.pss = pss
    self.uss = uss
    self.swapPss = swapPss
    self.marker = marker
  }
}

/// The memory figures memtop can chart, export and analyze.
public enum Metric: String, CaseIterable, Sendable {
  case rss, anon, heap, file, shmem, swap, brkHeap, peakRSS, pss, uss, swapPss
  case regionBrkHeap, regionMallocArenas, regionThreadStacks, regionOtherAnon, regionShmem, regionFile
  case threads, fds
  /// glibc malloc arenas counted by the walk: recorded for the where sentence, not charted.
  case arenas
  /// memtop's own Python agent's footprint: recorded and subtracted before judging, not charted.
  case observer
  /// Milliseconds since the row's detailed figures were read: recorded, not charted.
  case detailAge

  /// The metrics the agent's footprint is part of, and is subtracted from before judging.
  public static let holdingObserver: [Metric] = [.rss, .anon, .heap, .pss, .uss]

  /// The metrics that hold memory by kind, in ``RegionKind`` order.
  public static let regions: [Metric] = RegionKind.allCases.map(Metric.init(region:))

  /// The metric that holds one kind of memory.
  public init(region: RegionKind) {
    switch region {
    case .brkHeap: self = .regionBrkHeap
    case .mallocArenas: self = .regionMallocArenas
    case .threadStacks: self = .regionThreadStacks
    case .otherAnon: self = .regionOtherAnon
    case .shmem: self = .regionShmem
    case .file: self = .regionFile
    }
  }

  /// The kind of memory this metric holds, for the `region_*` metrics.
  public var region: RegionKind? {
    switch self {
    case .regionBrkHeap: .brkHeap
    case .regionMallocArenas: .mallocArenas
    case .regionThreadStacks: .threadStacks
    case .regionOtherAnon: .otherAnon
    case .regionShmem: .shmem
    case .regionFile: .file
    default: nil
    }
  }

  /// Whether the metric counts things (threads, descriptors) rather than bytes.
  package var isCount: Bool { self == .threads || self == .fds || self == .arenas }

  /// The CSV column that carries this metric.
  package var csvColumn: String {
    switch self {
    case .rss: "rss_bytes"
    case .anon: "anon_bytes"
    case .heap: "heap_bytes"
    case .file: "file_bytes"
    case .shmem: "shmem_bytes"
    case .swap: "swap_bytes"
    case .brkHeap: "brk_heap_bytes"
    case .peakRSS: "peak_rss_bytes"
    case .pss: "pss_bytes"
    case .uss: "uss_bytes"
    case .swapPss: "swap_pss_bytes"
    case .threads: "threads"
    case .fds: "fds"
    case .arenas: "arenas"
    case .observer: "observer_bytes"
    case .detailAge: "detail_age_ms"
    default: "region_\(region?.rawValue ?? "")_bytes"
    }
  }

  /// A short label for reports and screens.
  public var label: String {
    switch self {
    case .rss: "RSS"
    case .anon: "anon"
    case .heap: "heap"
    case .file: "file"
    case .shmem: "shmem"
    case .swap: "swap"
    case .brkHeap: "brk heap"
    case .peakRSS: "peak RSS"
    case .pss: "PSS"
    case .uss: "USS"
    case .swapPss: "SwapPss"
    case .threads: "threads"
    case .fds: "fds"
    case .arenas: "arenas"
    case .observer: "observer"
    case .detailAge: "detail age"
    default: region?.rawValue ?? ""
    }
  }
}

extension MemorySample {
  /// The value of one metric, or `nil` when absent.
  public subscript(metric: Metric) -> UInt64? {
    get {
      switch metric {
      case .rss: rss
      case .anon: anon
      case .heap: heap
      case .file: file
      case .shmem: shmem
      case .swap: swap
      case .brkHeap: brkHeap
      case .peakRSS: peakRSS
      case .pss: pss
      case .uss: uss
      case .swapPss: swapPss
      case .regionBrkHeap: regionBrkHeap
      case .regionMallocArenas: regionMallocArenas
      case .regionThreadStacks: regionThreadStacks
      case .regionOtherAnon: regionOtherAnon
      case .regionShmem: regionShmem
      case .regionFile: regionFile
      case .threads: threads
      case .fds: fds
      case .arenas: arenas
      case .observer: observer
      case .detailAge: detailAge
      }
    }
    set {
      switch metric {
      case .rss: rss = newValue
      case .anon: anon = newValue
      case .heap: heap = newValue
      case .file: file = newValue
      case .shmem: shmem = newValue
      case .swap: swap = newValue
      case .brkHeap: brkHeap = newValue
      case .peakRSS: peakRSS = newValue
      case .pss: pss = newValue
      case .uss: uss = newValue
      case .swapPss: swapPss = newValue
      case .regionBrkHeap: regionBrkHeap = newValue
      case .regionMallocArenas: regionMallocArenas = newValue
      case .regionThreadStacks: regionThreadStacks = newValue
      case .regionOtherAnon: regionOtherAnon = newValue
      case .regionShmem: regionShmem = newValue
      case .regionFile: regionFile = newValue
      case .threads: threads = newValue
      case .fds: fds = newValue
      case .arenas: arenas = newValue
      case .observer: observer = newValue
      case .detailAge: detailAge = newValue
      }
    }
  }
}

extension MemorySample {
  /// How the markers of the observer's own edges begin: a Python tracing window opening or
  /// closing (`python tracing window closed (budget, gave back 1.02 MiB)`).
  public static let observerEdgeMarker = "python tracing window"
  /// The marker of a row read after one of a tracing window's snapshots: charts and plots draw
  /// it as a tick on the time axis, not a line with its text.
  public static let observerSnapshotMarker = observerEdgeMarker + " snapshot"

  /// Whether this row is marked as an edge of the observer (a marker joined from several
  /// rows counts when any part is).
  public var marksObserverEdge: Bool { marker?.contains(Self.observerEdgeMarker) ?? false }

  /// Seconds into a lifetime within which an exec (a row naming a new command line) is a
  /// launcher becoming the program (a pyenv shim, `env`, a shell script): the rows before it
  /// are start-up, not the program's, and are not judged.
  public static let startupExecSeconds = 10.0

  /// `seconds` as a recording keeps it (`elapsed_s`, to the millisecond): the watch judges the
  /// times the file will hold, so `record`'s closing figures are exactly `analyze`'s.
  public static func recordedElapsed(_ seconds: Double) -> Double {
    guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return seconds }
    return (seconds * 1000).rounded() / 1000
  }

  /// The observer's bytes as subtracted: rounded to whole KiB, as `/proc` reports the figures
  /// they come out of, so the observer-free figures pack as exactly as the read ones.
  public static func observerKiB(_ bytes: UInt64) -> UInt64 { (bytes / 1024 + (bytes % 1024 >= 512 ? 1 : 0)) * 1024 }

  /// The sample with the observer's bytes taken out of every figure they are part of (RSS,
  /// anon, heap, PSS, USS; never below zero): what the verdict, rates, intervals and alerts are
  /// computed on, so that looking inside never changes the answer.
  public var observerFree: MemorySample {
    guard let observer, observer > 0 else { return self }
    let held = Self.observerKiB(observer)
    var free = self
    for metric in Metric.holdingObserver {
      if let value = self[metric] { free[metric] = value > held ? value - held : 0 }
    }
    return free
  }
}
