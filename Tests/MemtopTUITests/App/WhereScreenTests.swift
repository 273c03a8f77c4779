import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTestSupport
import MemtopTrend
import Testing

@testable import MemtopTUI

/// The where screen through the app loop and the test terminal: `w` replaces the charts with
/// memory by kind, `w` again brings them back.
@Suite("where screen")
struct WhereScreenTests {
  static let mib: UInt64 = 1 << 20

  /// Arenas grow 1 MiB/s; the rest hold. Every second sample carries memory by kind.
  static func sample(_ i: Int) -> MemorySample {
    var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i) * 0.5, elapsed: Double(i) * 0.5, pid: 4242)
    let arenas = 2 * mib + UInt64(i) * 512 * 1024
    sample.rss = 30 * mib + arenas
    sample.anon = 20 * mib + arenas
    sample.heap = 16 * mib + arenas
    sample.threads = 9
    if i % 2 == 0 {
      sample.regionBrkHeap = 4 * mib
      sample.regionMallocArenas = arenas
      sample.regionThreadStacks = 1 * mib
      sample.regionOtherAnon = 15 * mib
      sample.regionShmem = 0
      sample.regionFile = 10 * mib
      sample.fds = 7
    }
    return sample
  }

  @Test("in a replay, w shows each kind's now, rate, verdict, share and where; w again shows the charts")
  func replayWhere() {
    let clock = ManualClock()
    let config = MonitorConfiguration(target: .replay(path: "r.csv", samples: []), interval: 0.5)
    let terminal = TestTerminal(width: 120, height: 40)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    var session = SessionInfo(pid: 4242, name: "", interval: 0.5)
    session.state = .replay("r.csv")
    let screen = ChartScreen(
      replay: ChartState(
        replaying: (0..<240).map(Self.sample), session: session, tree: false, force: false, limit: nil)!)
    let app = AppLoop(root: screen, backend: terminal, context: context)
    app.draw()
    #expect(!terminal.text.contains("where memory grows"))
    app.send(.key(.character("w")))
    app.draw()
    let text = terminal.text
    #expect(screen.state.showsWhere)
    #expect(text.contains("where memory grows"), "\(text)")
    for kind in RegionKind.allCases { #expect(text.contains(kind.rawValue), "\(kind)") }
    #expect(text.contains("threads") && text.contains("fds"))
    let arenas = text.split(separator: "\n").first { $0.contains("malloc_arenas ") && $0.contains("MiB/s") }
    #expect(arenas?.contains("leak") == true, "\(text)")
    #expect(arenas?.contains("100 %") == true, "\(text)")
    #expect(text.contains("growth in: malloc_arenas"))
    #expect(text.contains("% in malloc_arenas"), "the where sentence")
    // The banner leads a leak's detail with the where sentence too.
    #expect(text.contains("where: RSS +"))
    app.send(.key(.character("w")))
    app.draw()
    #expect(!screen.state.showsWhere)
    #expect(!terminal.text.contains("where memory grows"))
  }

  @Test("the sparkline spans its values' own range and never exceeds its width")
  func sparkline() {
    #expect(WhereScreen.sparkline([1, 2, 3, 4, 5, 6, 7, 8], width: 8, mode: .block) == "▁▂▃▄▅▆▇█")
    #expect(WhereScreen.sparkline([5, 5, 5], width: 10, mode: .ascii) == "   ")
    #expect(WhereScreen.sparkline(Array(repeating: 1, count: 50), width: 4, mode: .ascii).count == 4)
    #expect(WhereScreen.sparkline([], width: 4, mode: .ascii) == "")
    // A change of 80 KiB under a 1 MiB least span stays low; 114 MiB fills the row.
    let small = [0.0, 20_480, 40_960, 61_440, 81_920].map { 300e6 + $0 }
    #expect(WhereScreen.sparkline(small, width: 5, mode: .block, minimumSpan: 1_048_576) == "▁▁▁▁▂")
    let large = [0.0, 30e6, 60e6, 90e6, 120e6].map { 300e6 + $0 }
    #expect(WhereScreen.sparkline(large, width: 5, mode: .block, minimumSpan: 1_048_576).last == "█")
  }

  @Test("each row says the span its sparkline shows, at least 1 MiB for a kind and 4 for a count")
  func spans() {
    var model = WhereModel(regions: nil, assessment: nil, timeline: Timeline(), points: 20)
    model.rows = [
      WhereModel.Row(
        name: "brk_heap", now: "300 MiB", rate: "+1 MiB/min", verdict: "leak", share: "100 %",
        history: [300e6, 300e6 + 81_920], leaks: true),
      WhereModel.Row(
        name: "malloc_arenas", now: "420 MiB", rate: "+2 MiB/min", verdict: "leak", share: "",
        history: [300e6, 420e6], leaks: true),
    ]
    model.rows[0].minimumSpan = 1_048_576
    model.rows[0].span = "span 1.00 MiB"
    model.rows[1].span = "span 114 MiB"
    var buffer = CellBuffer(width: 100, height: 6)
    WhereScreen(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.lines[1].contains("history (each row on its own scale)"), "\(buffer.lines)")
    #expect(buffer.lines[2].contains("span 1.00 MiB") && buffer.lines[3].contains("span 114 MiB"), "\(buffer.lines)")
    // The spans line up at the right, after the widest sparkline.
    #expect(buffer.lines[2].range(of: "span")?.lowerBound.utf16Offset(in: buffer.lines[2]) == 86)
  }

  @Test("before any reading of memory by kind, the screen says what it waits for")
  func waiting() {
    let model = WhereModel(regions: nil, assessment: nil, timeline: Timeline(), points: 20)
    var buffer = CellBuffer(width: 100, height: 6)
    WhereScreen(model: model, mode: .ascii).draw(into: &buffer, area: buffer.bounds)
    #expect(buffer.lines.joined().contains("detailed reads"))
  }

  /// Feeds `count` samples to a live analysis and its region analysis, as the chart screen does.
  static func live(_ make: (Int) -> MemorySample, count: Int) -> (LiveAnalysis, LiveRegionAnalysis) {
    var analysis = LiveAnalysis(confirmSeconds: LeakAlert.liveConfirmSeconds)
    var regions = LiveRegionAnalysis()
    for i in 0..<count {
      let sample = make(i)
      analysis.append(sample, limitBytes: nil)
      regions.append(sample)
    }
    return (analysis, regions)
  }

  @Test("the live banner's LEAK leads its detail with the where sentence")
  func liveBanner() throws {
    // Past LeakAlert.liveConfirmSeconds of growth, so the alert is raised.
    let (analysis, regions) = Self.live(Self.sample, count: 300)
    let model = VerdictModel(analysis: analysis, regions: regions.assessment())
    #expect(model.role == .verdictLeak, "\(model.headline)")
    #expect(model.detail.hasPrefix("where: RSS +"), "\(model.detail)")
    #expect(model.detail.contains("% in malloc_arenas"))
  }

  @Test("live, growth in file pages alone never raises LEAK, and the detail says reclaimable")
  func liveFileGrowth() throws {
    let (analysis, regions) = Self.live(
      { i in
        var sample = Self.sample(i)
        let file = 4 * Self.mib + UInt64(i) * 512 * 1024
        sample.rss = 30 * Self.mib + file
        sample.anon = 20 * Self.mib
        sample.heap = 16 * Self.mib
        if i % 2 == 0 {
          sample.regionMallocArenas = 2 * Self.mib
          sample.regionFile = file
        }
        return sample
      }, count: 240)
    #expect(analysis.results[0]?.verdict == .leak, "RSS itself grows")
    let model = VerdictModel(analysis: analysis, regions: regions.assessment())
    #expect(model.role != .verdictLeak, "\(model.headline)")
    #expect(!model.headline.hasPrefix("LEAK"), "\(model.headline)")
    #expect(model.detail.contains("which the kernel can reclaim — not a heap leak"), "\(model.detail)")
  }
}
