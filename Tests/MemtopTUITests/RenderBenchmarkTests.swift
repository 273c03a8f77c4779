import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopStore
import MemtopTUI
import Testing

/// Frame cost: model + widgets into a 200×50 buffer for an hour of 1 s samples.
///
/// The target is < 1 ms a frame in a release build. Timing is not asserted (machines here are
/// shared and noisy): the test prints the median and checks the frames it timed were complete.
/// Run `swift test -c release -Xswiftc -enable-testing --filter RenderBenchmark` for the real
/// figure.
@Suite("Render benchmark")
struct RenderBenchmarkTests {
  static func hour() -> Timeline {
    var timeline = Timeline()
    for i in 0..<3600 {
      let v = UInt64(50 << 20) + UInt64(i) * 4096 + UInt64(i % 13) * 65536
      var sample = MemorySample(
        timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 7, rss: v, anon: v / 2, heap: v / 3)
      sample.peakRSS = v
      if i % 600 == 0 { sample.marker = "m\(i)" }
      timeline.append(sample)
    }
    return timeline
  }

  @Test("a 200x50 frame of an hour-long recording renders fast", arguments: [UIState.zoomLevels.count - 1, 0])
  func frame(zoomIndex: Int) {
    let timeline = Self.hour()
    var analysis = LiveAnalysis()
    var extremes = Extremes()
    for i in 0..<timeline.count {
      analysis.append(timeline[i], limitBytes: nil)
      extremes.add(timeline[i])
    }
    var ui = UIState()
    ui.zoomIndex = zoomIndex
    let session = SessionInfo(pid: 7, name: "bench", interval: 1)
    var durations: [Double] = []
    var last = CellBuffer(width: 200, height: 50)
    for _ in 0..<15 {
      let started = Date()
      let model = ScreenModel(
        timeline: timeline, session: session, ui: ui, analysis: analysis, extremes: extremes, themeName: "default",
        mode: .braille)
      var buffer = CellBuffer(width: 200, height: 50)
      Screen.draw(model, into: &buffer)
      durations.append(Date().timeIntervalSince(started))
      last = buffer
    }
    durations.sort()
    let median = durations[durations.count / 2]
    print("render 200x50, window \(ui.spanLabel): median \(String(format: "%.3f", median * 1000)) ms")
    let text = last.lines.joined(separator: "\n")
    for title in ["RSS", "heap", "anon", "PID 7", "bench"] {
      #expect(text.contains(title), "the timed frame lacks \(title)")
    }
  }
}
