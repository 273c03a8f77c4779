import Testing

@testable import MemtopAnalysis
@testable import MemtopTrend

/// A row's pyramid keeps its completed bins as 32-bit offsets from its first reading: half the
/// memory, and floors and verdicts that a whole pyramid's match, up to TiB and over 12 hours.
@Suite("FloorPyramid: compact bins for the process table's rows")
struct FloorPyramidCompactTests {
  static func row(compact: Bool) -> FloorPyramid {
    LiveAnalysis.rowPyramid(floorPoints: 64, lazy: false, compact: compact)
  }

  @Test("a compact bin is kept in 16 bytes, a whole one in 32")
  func sixteenBytes() {
    #expect(MemoryLayout<FloorPyramid.Level.Compact>.stride == 16)
    #expect(MemoryLayout<FloorPyramid.Stored>.stride == 32)
  }

  /// 12 hours at one reading a second.
  static let seconds = 12 * 3_600

  /// RSS of `shape` at second `t`, bytes.
  static func rss(_ shape: String, _ t: Int) -> Double {
    let churn = Double(t * 7_919 % 9) * 1_048_576
    let tib = Double(1 << 40)
    switch shape {
    case "leak at 1 TiB": return tib + Double(t) * 1e8 / 3_600 + churn  // 100 MB an hour, 0–8 MiB of churn
    case "1 GiB to 1 TiB": return Double(1 << 30) + Double(t) * tib / Double(seconds)
    case "sawtooth on 900 GiB": return 900 * Double(1 << 30) + Double(t % 600) * Double(1 << 34) / 600
    default: return tib + churn  // flat at 1 TiB
    }
  }

  @Test(
    "12 hours up to a TiB: the same verdict, the rate within 0.01 %, each floor point within 64 KiB and 4 ms",
    arguments: ["leak at 1 TiB", "1 GiB to 1 TiB", "flat at 1 TiB", "sawtooth on 900 GiB"])
  func precision(name: String) {
    var compact = Self.row(compact: true)
    var whole = Self.row(compact: false)
    for t in 0..<Self.seconds {
      // Readings a little late now and then, as a loaded machine takes them.
      let time = 1e5 + Double(t) + Double(t % 17 == 0 ? 3 : 0) / 1_000
      compact.append(time: time, value: Self.rss(name, t))
      whole.append(time: time, value: Self.rss(name, t))
    }
    #expect(compact.levels.map(\.count) == whole.levels.map(\.count))
    for since in [-Double.infinity, 1e5 + 3_600.5, 1e5 + 40_000.5] {
      let (a, b) = (compact.floor(since: since, maxPoints: 64), whole.floor(since: since, maxPoints: 64))
      #expect(a.count == b.count, "\(name) since \(since)")
      for (x, y) in zip(a.values, b.values) { #expect(abs(x - y) <= 65_536, "\(name): \(x) vs \(y)") }
      for (x, y) in zip(a.times, b.times) { #expect(abs(x - y) <= 0.004, "\(name): \(x) vs \(y)") }
    }
    var configuration = TrendConfiguration()
    configuration.maxFloorPoints = 64
    let analyzer = TrendAnalyzer(configuration)
    let (a, b) = (analyzer.analyze(compact, label: "RSS"), analyzer.analyze(whole, label: "RSS"))
    #expect(a.verdict == b.verdict, "\(name): \(a.explanation) / \(b.explanation)")
    let scale = max(abs(b.slopeBytesPerSecond), 1)
    #expect(abs(a.slopeBytesPerSecond - b.slopeBytesPerSecond) <= 1e-4 * scale, "\(name)")
  }

  @Test("a compact pyramid of small values (a few MiB) keeps them to the byte")
  func smallValuesExact() {
    var compact = Self.row(compact: true)
    var whole = Self.row(compact: false)
    for t in 0..<20_000 {
      let value = Double(8 << 20 + (t * 7_919 % 97) * 4_096)
      compact.append(time: Double(t), value: value)
      whole.append(time: Double(t), value: value)
    }
    #expect(compact.levels == whole.levels)
  }
}
