import Foundation
import MemtopCorpus
import MemtopTrend

/// Times one analysis of 10⁴, 10⁵ and 10⁶ samples (a 30 MB/h leak on N1 noise at 0.1 s).
enum Benchmark {
  static func run() {
    print("")
    print("time per analysis (median of 9 runs, release build expected):")
    for n in [10_000, 100_000, 1_000_000] {
      let series = makeSeries(count: n)
      let analyzer = TrendAnalyzer()
      var durations: [Double] = []
      var verdict = TrendVerdict.insufficientData
      for _ in 0..<9 {
        let start = DispatchTime.now().uptimeNanoseconds
        let r = analyzer.analyze(series, label: "rss", limitBytes: 4e9)
        durations.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        verdict = r.verdict
      }
      durations.sort()
      let buildStart = DispatchTime.now().uptimeNanoseconds
      let pyramid = FloorPyramid(series)
      let perAppend = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / Double(n)
      var live: [Double] = []
      var liveVerdict = TrendVerdict.insufficientData
      for _ in 0..<9 {
        let start = DispatchTime.now().uptimeNanoseconds
        liveVerdict = analyzer.analyze(pyramid, label: "rss", limitBytes: 4e9).verdict
        live.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
      }
      live.sort()
      print(
        String(
          format: "  %8d samples: %7.3f ms  (verdict %@) | FloorPyramid: %.3f ms per analysis "
            + "(verdict %@), %.0f ns per append",
          n, durations[4], verdict.rawValue, live[4], liveVerdict.rawValue, perAppend))
    }
  }

  static func makeSeries(count n: Int) -> MetricSeries {
    var rng = SplitMix64(seed: 42)
    var times = [Double](repeating: 0, count: n)
    var values = [Double](repeating: 0, count: n)
    var ar = 0.0
    let phi = exp(-0.1 / 200)
    for i in 0..<n {
      let t = Double(i) * 0.1
      ar = phi * ar + 8e6 * (1 - phi * phi).squareRoot() * rng.normal()
      times[i] = t
      values[i] = 800e6 + 30e6 / 3600 * t + 3e6 * rng.normal() + ar
    }
    return MetricSeries(times: times, values: values)
  }
}
