import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopSampling
import MemtopStore
import MemtopSystem
import Testing

@testable import MemtopCore

/// Memory by kind and the counts judged by the one analyzer: shares, growth_in, the where
/// sentence, reclaimable file pages, the JSON keys, and live against recorded.
@Suite("where it grows: region assessment")
struct RegionAssessmentTests {
  /// Kinds as functions of time (bytes); the kinds are read every `detailEvery`-th sample
  /// (as the detailed reads are), RSS every sample as their sum.
  struct Shape {
    var kinds: [RegionKind: (Double) -> Double] = [:]
    var threads: (Double) -> Double = { _ in 4 }
    var fds: (Double) -> Double = { _ in 12 }
  }

  static func samples(_ shape: Shape, count: Int = 600, interval: Double = 0.1, detailEvery: Int = 2)
    -> [MemorySample]
  {
    var seed: UInt64 = 7
    func jitter() -> Double {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(seed >> 40) / Double(1 << 24) * 16_384  // up to 16 KiB of noise
    }
    return (0..<count).map { i in
      let t = Double(i) * interval
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 42)
      var total = 0.0
      for kind in RegionKind.allCases {
        let value = ((shape.kinds[kind]?(t) ?? 1e6) + jitter()).rounded(.down)
        let bytes = UInt64(value / 4096) * 4096
        total += Double(bytes)
        if i % detailEvery == 0 { sample[Metric(region: kind)] = bytes }
      }
      sample.rss = UInt64(total)
      sample.anon = UInt64(total - Double(sample.regionFile ?? 0))
      sample.threads = UInt64(shape.threads(t))
      if i % detailEvery == 0 { sample.fds = UInt64(shape.fds(t)) }
      return sample
    }
  }

  static func analysis(_ shape: Shape) -> RecordingAnalysis {
    RecordingAnalysis(timeline: Timeline(samples(shape)), limit: nil)
  }

  @Test("arenas growing 10× faster than other_anon hold ~91 % of the growth; the shares add up to 1")
  func shares() throws {
    var shape = Shape()
    shape.kinds[.mallocArenas] = { 2e6 + 1e6 * $0 }
    shape.kinds[.otherAnon] = { 3e6 + 1e5 * $0 }
    let regions = Self.analysis(shape).regions
    #expect(regions.growthIn == .mallocArenas)
    let arenas = try #require(regions.entry(.regionMallocArenas))
    let other = try #require(regions.entry(.regionOtherAnon))
    #expect(arenas.result.verdict == .leak)
    #expect(abs(arenas.result.slopeBytesPerSecond - 1e6) < 0.05e6)
    let share = try #require(arenas.shareOfGrowth)
    #expect(abs(share - 1 / 1.1) < 0.03, "share \(share)")
    let sum = regions.kinds.compactMap(\.shareOfGrowth).reduce(0, +)
    #expect(abs(sum - 1) < 1e-9)
    #expect((other.shareOfGrowth ?? 0) > 0.05)
    #expect(regions.kinds.count == 6 && regions.counts.count == 2)
    #expect(regions.counts.allSatisfy { $0.shareOfGrowth == nil })
  }

  @Test("nothing grows: growth_in and every share are null, and no where sentence")
  func nothingGrows() {
    let analysis = Self.analysis(Shape())
    #expect(analysis.regions.growthIn == nil)
    #expect(analysis.regions.kinds.allSatisfy { $0.shareOfGrowth == nil })
    #expect(analysis.assessment.whereSentence == nil)
    #expect(!analysis.reportText(path: "r.csv").contains("% in "))
    #expect(analysis.reportText(path: "r.csv").contains("growth in: none"))
  }

  @Test("arena growth is told with its rate, share and MALLOC_ARENA_MAX; the verdict line carries it")
  func arenaSentence() throws {
    var shape = Shape()
    shape.kinds[.mallocArenas] = { 2e6 + 1e6 * $0 }
    shape.threads = { _ in 9 }
    let analysis = Self.analysis(shape)
    var assessment = analysis.assessment
    assessment.regions?.detail = RegionDetail(arenas: 8)
    let sentence = try #require(assessment.whereSentence)
    #expect(sentence.hasPrefix("RSS +"), "\(sentence)")
    #expect(sentence.contains(" % in malloc_arenas (8 arenas, one per thread) — allocator growth outside"))
    #expect(sentence.contains("MALLOC_ARENA_MAX"))
    #expect(analysis.verdictLine.contains("; where: RSS +"))
  }

  @Test("threads that never end: the count leaks in threads per second, and thread_stacks says 4 → 64")
  func threads() throws {
    var shape = Shape()
    shape.kinds[.threadStacks] = { 1e6 + 1e6 * $0 }
    shape.threads = { 4 + $0 }
    let regions = Self.analysis(shape).regions
    let threads = try #require(regions.entry(.threads))
    #expect(threads.result.verdict == .leak)
    #expect(abs(threads.result.slopeBytesPerSecond - 1) < 0.05)
    #expect(threads.result.rateText.hasSuffix("/s") && !threads.result.rateText.contains("B"))
    #expect(threads.result.explanation.contains("threads rose"))
    #expect(!threads.result.explanation.contains("B "), "\(threads.result.explanation)")
    #expect(regions.growthIn == .threadStacks)
    let sentence = try #require(WhereReport.sentence(regions, lead: "RSS +1.00 MiB/s"))
    #expect(sentence.contains("in thread_stacks: threads 4 → 63"), "\(sentence)")
  }

  @Test("descriptors opened and never closed are named even when no kind of memory grows")
  func descriptors() throws {
    var shape = Shape()
    shape.fds = { 10 + 20 * $0 }
    let analysis = Self.analysis(shape)
    #expect(analysis.regions.entry(.fds)?.result.verdict == .leak)
    #expect(analysis.regions.growthIn == nil)
    let sentence = try #require(analysis.assessment.whereSentence)
    #expect(sentence.contains("open descriptors 10 → "), "\(sentence)")
    #expect(sentence.contains("opened and never closed"))
  }

  @Test("file growth is reclaimable: its verdict says so and it alone never makes the process leak")
  func fileIsReclaimable() throws {
    var shape = Shape()
    shape.kinds[.file] = { 5e6 + 2e6 * $0 }
    let analysis = Self.analysis(shape)
    #expect(analysis.results[.rss]?.verdict == .leak, "RSS itself grows")
    let file = try #require(analysis.regions.entry(.regionFile))
    #expect(file.result.verdict == .leak)
    #expect(file.verdictName == "reclaimable")
    #expect(analysis.regions.growthIn == .file)
    #expect(analysis.verdict != .leak)
    #expect(analysis.report.verdict != .leak)
    var assessment = analysis.assessment
    assessment.regions?.detail = RegionDetail(topFiles: [.init(name: "/srv/data/data.bin", bytes: 9 << 20)])
    let sentence = try #require(assessment.whereSentence)
    #expect(sentence.contains("100 % in file: page cache of data.bin, which the kernel can reclaim — not a heap leak"))
  }

  @Test("file growth beside a real leak elsewhere: the verdict stays leak")
  func fileBesideLeak() {
    var shape = Shape()
    shape.kinds[.file] = { 5e6 + 2e6 * $0 }
    shape.kinds[.brkHeap] = { 2e6 + 5e5 * $0 }
    let analysis = Self.analysis(shape)
    #expect(analysis.regions.entry(.regionBrkHeap)?.result.verdict == .leak)
    #expect(analysis.verdict == .leak)
  }

  @Test("analyze --json adds regions, counts and growth_in with the stated fields; every old key stays")
  func json() throws {
    var shape = Shape()
    shape.kinds[.shmem] = { 1e6 + 1e6 * $0 }
    let report = Self.analysis(shape).report
    let encoder = JSONEncoder()
    let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any])
    #expect(Set(object.keys) == ["verdict", "judged_on", "basis", "metrics", "regions", "counts", "growth_in"])
    #expect(object["growth_in"] as? String == "shmem")
    let regions = try #require(object["regions"] as? [String: [String: Any]])
    #expect(Set(regions.keys) == Set(RegionKind.allCases.map(\.rawValue)))
    let shmem = try #require(regions["shmem"])
    #expect(Set(shmem.keys) == ["bytes", "slope_bytes_per_s", "slope_ci_bytes_per_s", "verdict", "share_of_growth"])
    #expect(shmem["verdict"] as? String == "leak")
    let counts = try #require(object["counts"] as? [String: [String: Any]])
    #expect(Set(counts.keys) == ["threads", "fds"])
    #expect(counts["threads"]?["bytes"] as? Double == 4)
    #expect(counts["threads"]?["share_of_growth"] is NSNull)
    // A count says so in its keys; the byte-named ones stay beside them for older scripts.
    let threads = try #require(counts["threads"])
    #expect(
      Set(threads.keys) == [
        "count", "slope_per_s", "slope_ci_per_s", "bytes", "slope_bytes_per_s", "slope_ci_bytes_per_s", "verdict",
        "share_of_growth",
      ])
    #expect(threads["count"] as? Double == 4)
    #expect(threads["slope_per_s"] as? Double == threads["slope_bytes_per_s"] as? Double)

    // A recording without memory by kind: empty objects and a null growth_in.
    let plain = (0..<200).map { i in
      MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: 1, rss: 1 << 20, anon: 1 << 20, heap: 1 << 20)
    }
    let old = try #require(
      try JSONSerialization.jsonObject(
        with: encoder.encode(RecordingAnalysis(timeline: Timeline(plain), limit: nil).report)) as? [String: Any])
    #expect((old["regions"] as? [String: Any])?.isEmpty == true)
    #expect((old["counts"] as? [String: Any])?.isEmpty == true)
    #expect(old["growth_in"] is NSNull)
  }

  @Test("the live judgement of the detailed samples gives analyze's verdict and rate")
  func liveMatchesRecording() throws {
    var shape = Shape()
    shape.kinds[.brkHeap] = { 1e6 + 4e5 * $0 }
    let rows = Self.samples(shape)
    var live = LiveRegionAnalysis()
    for row in rows { live.append(row) }
    live.evaluate()
    let regions = try #require(live.assessment())
    let recorded = RecordingAnalysis(timeline: Timeline(rows), limit: nil).regions
    #expect(live.samples == rows.count / 2, "only the rows that carry memory by kind")
    for metric in RegionAssessment.metrics {
      let a = try #require(regions.entry(metric))
      let b = try #require(recorded.entry(metric))
      #expect(a.result.verdict == b.result.verdict, "\(metric)")
      #expect(a.result.slopeBytesPerSecond == b.result.slopeBytesPerSecond || a.result.slopeBytesPerSecond.isNaN)
    }
    #expect(regions.growthIn == .brkHeap)
  }

  @Test("a bounded store of the kinds judges as the recording does (counts packed as they are)")
  func digest() throws {
    var shape = Shape()
    shape.kinds[.otherAnon] = { 1e6 + 4e5 * $0 }
    shape.threads = { 3 + $0 / 2 }
    let rows = Self.samples(shape)
    var store = RecordingDigest(metrics: RegionAssessment.metrics)
    for row in rows where RegionAssessment.carriesRegions(row) { store.append(row) }
    #expect(store.isFullResolution)
    let fromStore = RegionAssessment(digest: store)
    let detailed = rows.filter(RegionAssessment.carriesRegions)
    let fromRows = RecordingAnalysis(timeline: Timeline(detailed), limit: nil).regions
    #expect(fromStore.growthIn == .otherAnon)
    #expect(fromStore.entry(.threads)?.result.verdict == fromRows.entry(.threads)?.result.verdict)
    #expect(fromStore.entry(.threads)?.latest == 32)
    #expect(fromStore.entry(.threads)?.first == 3)
  }
}

@Suite("where it grows: metrics")
struct RegionMetricsTests {
  @Test("the metrics text gives each kind's growth rate, labelled by kind")
  func prometheus() {
    var shape = RegionAssessmentTests.Shape()
    shape.kinds[.mallocArenas] = { 2e6 + 1e6 * $0 }
    let rows = RegionAssessmentTests.samples(shape)
    var exposition = PrometheusExposition(pid: 42, comm: "arenas")
    for row in rows { exposition.update(with: row) }
    exposition.analysis = RecordingAnalysis(timeline: Timeline(rows), limit: nil)
    let text = exposition.text
    let line = text.split(separator: "\n").first {
      $0.hasPrefix("memtop_region_growth_bytes_per_second{") && $0.contains("kind=\"malloc_arenas\"")
    }
    let rate = line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    #expect(rate.map { abs($0 - 1e6) < 0.05e6 } == true, "\(text)")
    #expect(text.contains("memtop_region_bytes{"))
  }
}

@Suite("where it grows: plot")
struct RegionPlotTests {
  @Test("a recording with memory by kind gets a panel: one line per kind, a legend with verdict and share")
  func panel() {
    var shape = RegionAssessmentTests.Shape()
    shape.kinds[.mallocArenas] = { 2e6 + 1e6 * $0 }
    let rows = RegionAssessmentTests.samples(shape)
    let timeline = Timeline(rows)
    let svg = RecordingChart(
      timeline: timeline, analysis: RecordingAnalysis(timeline: timeline, limit: nil), title: "r"
    )
    .svg()
    for kind in RegionKind.allCases { #expect(svg.contains("id=\"region-region_\(kind.rawValue)_bytes\"")) }
    #expect(svg.contains("growth in malloc_arenas"))
    #expect(svg.contains("malloc_arenas leak 100 %"))
    #expect(svg.contains("height=\"860\""))

    let plain = (0..<200).map { i in
      MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: 1, rss: 1 << 20, anon: 1 << 20, heap: 1 << 20)
    }
    let old = Timeline(plain)
    let oldSVG = RecordingChart(timeline: old, analysis: RecordingAnalysis(timeline: old, limit: nil), title: "r").svg()
    #expect(!oldSVG.contains("memory by kind"))
  }
}
