import MemtopTrend
import Testing

@Suite("A sawtooth is named")
struct SawtoothSentenceTests {
  /// A batch job sampled every 0.5 s for `seconds`: a 20 MiB floor, 77 MiB built over 3.5 s,
  /// freed at once, every 6 s; a few KiB of jitter.
  static func batchJob(seconds: Double, leakPerSecond: Double = 0) -> MetricSeries {
    let mib = 1_048_576.0
    var times: [Double] = []
    var values: [Double] = []
    var t = 0.0
    var n = 0
    while t < seconds {
      let phase = t.truncatingRemainder(dividingBy: 6)
      let built = phase < 4 ? 88 * mib * phase / 4 : 0
      let jitter = Double((n * 7919) % 16) * 1024
      times.append(t)
      values.append(20 * mib + built + jitter + leakPerSecond * t)
      n += 1
      t += 0.5
    }
    return MetricSeries(times: times, values: values)
  }

  @Test("a batch job's sawtooth is said with its floor, period and peak, and is no leak")
  func named() throws {
    let result = TrendAnalyzer().analyze(Self.batchJob(seconds: 150), label: "RSS")
    #expect(result.verdict != .leak, "\(result.explanation)")
    let sawtooth = try #require(result.sawtooth, "\(result.explanation)")
    #expect(abs(sawtooth.periodSeconds - 6) < 0.6, "\(sawtooth)")
    #expect(sawtooth.cycles >= 20)
    #expect(
      result.explanation.hasPrefix("RSS is a sawtooth: back to 20.0 MiB every ~6 s, peaks 97.0 MiB"),
      "\(result.explanation)")
    #expect(result.explanation.contains("its floor: "))
  }

  @Test("a leak under a sawtooth is still a leak, told as a leak")
  func leakUnderneath() {
    let result = TrendAnalyzer().analyze(Self.batchJob(seconds: 300, leakPerSecond: 100_000), label: "RSS")
    #expect(result.verdict == .leak, "\(result.explanation)")
    #expect(!result.explanation.contains("sawtooth"), "\(result.explanation)")
  }

  @Test("a steady series without sharp falls is no sawtooth")
  func noneWithoutFalls() {
    let times = (0..<300).map { Double($0) * 0.5 }
    let values = times.map { 50_000_000 + Double((Int($0 * 2) * 7919) % 16) * 1024 }
    let result = TrendAnalyzer().analyze(MetricSeries(times: times, values: values), label: "RSS")
    #expect(result.sawtooth == nil)
    #expect(!result.explanation.contains("sawtooth"))
  }
}
