import MemtopAnalysis
import MemtopSampling
import MemtopStore

@testable import MemtopTUI

/// Deterministic data for widget and screen tests.
enum Fixtures {
  static let mib: UInt64 = 1024 * 1024

  /// A buffer filled with the sentinel `x`, so undrawn cells stand out.
  static func sentinel(width: Int, height: Int, glyph: Character = "x") -> CellBuffer {
    CellBuffer(width: width, height: height, fill: Cell(glyph, .text))
  }

  /// The sentinel for whole screens, whose text has letters x of its own.
  static let screenSentinel: Character = "¤"

  /// `count` samples a second apart: RSS climbs 64 KiB a sample on a 40 MiB base, heap is read
  /// every other sample, anon follows RSS; samples in `missing` are left out (a gap); a marker
  /// sits on sample `marker`.
  static func timeline(count: Int = 120, missing: Range<Int> = 50..<56, marker: Int? = 80) -> Timeline {
    var timeline = Timeline()
    for i in 0..<count where !missing.contains(i) {
      let growth = UInt64(i) * 64 * 1024
      let sawtooth = UInt64(i % 10) * 128 * 1024
      var sample = MemorySample(timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 4242)
      sample.rss = 40 * mib + growth + sawtooth
      sample.anon = 24 * mib + growth + sawtooth
      sample.heap = i % 2 == 0 ? 16 * mib + growth : nil
      sample.peakRSS = 40 * mib + growth + 9 * 128 * 1024
      if i == marker { sample.marker = "marker 1" }
      timeline.append(sample)
    }
    return timeline
  }

  /// A session for the fixture timeline.
  static func session(state: SessionInfo.TargetState = .running) -> SessionInfo {
    var session = SessionInfo(pid: 4242, name: "python3", interval: 1)
    session.ageAtStart = 3600
    session.limitBytes = 2 * 1024 * mib
    session.state = state
    return session
  }

  /// The live analysis after every sample of `timeline`.
  static func analysis(_ timeline: Timeline) -> LiveAnalysis {
    var analysis = LiveAnalysis()
    for i in 0..<timeline.count { analysis.append(timeline[i], limitBytes: Double(2 * 1024 * mib)) }
    return analysis
  }

  /// The whole-screen model for the fixture.
  static func screen(
    ui: UIState = UIState(), mode: GlyphMode = .braille, timeline: Timeline = timeline(),
    state: SessionInfo.TargetState = .running
  ) -> ScreenModel {
    var extremes = Extremes()
    for i in 0..<timeline.count { extremes.add(timeline[i]) }
    return ScreenModel(
      timeline: timeline, session: session(state: state), ui: ui, analysis: analysis(timeline), extremes: extremes,
      themeName: "default", mode: mode)
  }

  /// Renders a whole screen as text.
  static func render(_ model: ScreenModel, width: Int = 120, height: Int = 40) -> String {
    var buffer = sentinel(width: width, height: height, glyph: screenSentinel)
    Screen.draw(model, into: &buffer)
    return buffer.lines.joined(separator: "\n") + "\n"
  }
}
