import Testing

@testable import MemtopCorpus

@Suite struct CorpusGeneratorTests {
  @Test func sameSeedSameSeries() {
    let shape = CorpusCatalog.leaks[2]
    let a = CorpusGenerator().generate(shape, replicate: 3, scale: .short)
    let b = CorpusGenerator().generate(shape, replicate: 3, scale: .short)
    #expect(a.series == b.series)
  }
}

@Suite struct CorpusLabelTests {
  @Test("Every TREND.md shape is in the catalogue with a label")
  func catalogue() {
    let names = Set(CorpusCatalog.shapes.map(\.name))
    for required in [
      "flat-N0", "flat-N1", "flat-N2", "shrinking", "warmup-5min", "warmup-20min",
      "bounded-cache", "one-step", "two-steps", "gc-flat", "periodic-30min", "diurnal-48h",
      "leak-5MBh", "leak-10MBh", "leak-30MBh", "leak-100MBh", "leak-300MBh", "gc-leak-10MBh",
      "gc-leak-30MBh", "gc-leak-100MBh", "staircase", "step-leak-30MBh", "wander-leak-50MBh",
      "stopped-leak", "gaps-flat", "gaps-leak-30MBh", "restart", "log-growth",
    ] {
      #expect(names.contains(required), "missing \(required)")
    }
  }

  @Test("The short scale is 30 s at 0.1 s and quantised to 4 KiB")
  func shortScale() {
    let item = CorpusGenerator().generate(CorpusCatalog.benign[1], replicate: 0, scale: .short)
    #expect(item.duration == 30)
    #expect(abs(item.series.times[1] - item.series.times[0] - 0.1) < 1e-9)
    #expect(item.series.values.allSatisfy { $0.isNaN || $0.truncatingRemainder(dividingBy: 4096) == 0 })
  }

  @Test("Gap shapes have NaN bursts; leaks have a deadline and a future limit crossing")
  func labels() throws {
    let gaps = CorpusGenerator().generate(
      try #require(CorpusCatalog.shapes.first { $0.name == "gaps-flat" }), replicate: 0,
      scale: .service)
    #expect(gaps.series.values.contains { $0.isNaN })
    let leak = CorpusGenerator().generate(CorpusCatalog.leaks[2], replicate: 0, scale: .service)
    let deadline = try #require(leak.deadline)
    #expect(deadline == 5400)
    let crossing = try #require(leak.trueCrossing)
    #expect(crossing > deadline)
  }
}
