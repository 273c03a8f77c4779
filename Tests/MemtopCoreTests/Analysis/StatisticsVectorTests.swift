import MemtopTrend
import Testing

@testable import MemtopCore

/// One exact test vector from TREND.md (pymannkendall 1.4.3 / scipy 1.17.1).
struct TrendVector: Sendable, CustomTestStringConvertible {
  let id: String
  let values: [Double]
  let s: Double
  let varianceS: Double
  let z: Double
  let pTwoSided: Double
  let slope: Double
  let low: Double
  let high: Double
  let intercept: Double
  /// Hamed–Rao Var*(S) unclamped, as pymannkendall reports it.
  let rawCorrectedVariance: Double
  /// Whether the raw ratio is below 1 so the analyzer must clamp it.
  let clamps: Bool

  var testDescription: String { id }
  var times: [Double] { values.indices.map(Double.init) }
}

/// Relative closeness with an absolute floor for values near zero.
func close(_ a: Double, _ b: Double, rel: Double = 1e-5) -> Bool {
  abs(a - b) <= rel * max(abs(b), 1e-9) + 1e-12
}

@Suite("Statistics primitives: TREND.md test vectors")
struct StatisticsVectorTests {
  static let vectors: [TrendVector] = [
    TrendVector(
      id: "v1 rising", values: [1, 3, 2, 5, 4, 6, 8, 7, 9, 10], s: 39, varianceS: 125,
      z: 3.398823, pTwoSided: 6.76764e-4, slope: 1, low: 0.75, high: 1.2, intercept: 1,
      rawCorrectedVariance: 8.33333, clamps: true),
    TrendVector(
      id: "v2 ties", values: [5, 5, 6, 6, 6, 7, 5, 8, 8, 9, 9, 9], s: 48, varianceS: 200.6667,
      z: 3.317877, pTwoSided: 9.07045e-4, slope: 0.4, low: 0.333333, high: 0.5, intercept: 4.3,
      rawCorrectedVariance: 200.667, clamps: false),
    TrendVector(
      id: "v3 flat",
      values: [10.2, 9.8, 10.1, 10.0, 9.9, 10.3, 9.7, 10.0, 10.1, 9.9, 10.2, 9.8], s: -7,
      varianceS: 207.6667, z: -0.416359, pTwoSided: 0.677147, slope: -0.0133929, low: -0.05,
      high: 0.0333333, intercept: 10.0736607, rawCorrectedVariance: -10.8982, clamps: true),
    TrendVector(
      id: "v4 falling", values: [20, 18, 19, 15, 16, 12, 13, 10, 9, 11, 7, 6], s: -56,
      varianceS: 212.6667, z: -3.771490, pTwoSided: 1.62276e-4, slope: -1.23611, low: -1.5,
      high: -1, intercept: 19.2986111, rawCorrectedVariance: 19.1474, clamps: true),
  ]

  @Test("Mann–Kendall S, Var(S), Z and two-sided p", arguments: vectors)
  func mannKendall(_ v: TrendVector) {
    let mk = MannKendall(v.values)
    #expect(mk.s == v.s)
    #expect(close(mk.varianceS, v.varianceS))
    #expect(close(mk.z, v.z))
    #expect(close(mk.pTwoSided, v.pTwoSided))
    #expect(close(mk.pIncreasing + mk.pDecreasing, 1, rel: 1e-12))
    #expect(close(min(mk.pIncreasing, mk.pDecreasing), v.pTwoSided / 2))
  }

  @Test("Sen slope, intercept and 95 % CI from order statistics", arguments: vectors)
  func senSlope(_ v: TrendVector) throws {
    let sen = try #require(SenSlope(times: v.times, values: v.values))
    #expect(close(sen.slope, v.slope))
    #expect(close(sen.intercept, v.intercept))
    #expect(close(sen.low, v.low))
    #expect(close(sen.high, v.high))
  }

  @Test("Hamed–Rao raw Var*(S), clamped variance and Z", arguments: vectors)
  func hamedRao(_ v: TrendVector) throws {
    let sen = try #require(SenSlope(times: v.times, values: v.values))
    let mk = MannKendall(v.values)
    let hr = HamedRao(
      times: v.times, values: v.values, senSlope: sen.slope, varianceS: mk.varianceS)
    #expect(close(hr.rawCorrectedVariance, v.rawCorrectedVariance, rel: 2e-5))
    #expect((hr.rawRatio < 1) == v.clamps)
    #expect(hr.ratio >= 1)
    let z = MannKendall.z(s: mk.s, variance: hr.correctedVariance)
    #expect(z.isFinite)
    if v.clamps {
      #expect(close(hr.correctedVariance, v.varianceS))
      #expect(close(z, v.z))
    } else {
      #expect(close(hr.correctedVariance, v.rawCorrectedVariance, rel: 2e-5))
    }
  }

  @Test("Hamed–Rao unclamped Z matches pymannkendall where it is defined")
  func hamedRaoUnclampedZ() throws {
    let expected: [String: Double] = ["v1 rising": 13.163586, "v4 falling": -12.569192]
    for v in Self.vectors {
      guard let zExpected = expected[v.id] else { continue }
      let sen = try #require(SenSlope(times: v.times, values: v.values))
      let mk = MannKendall(v.values)
      let hr = HamedRao(
        times: v.times, values: v.values, senSlope: sen.slope, varianceS: mk.varianceS)
      #expect(close(MannKendall.z(s: mk.s, variance: hr.rawCorrectedVariance), zExpected))
    }
  }

  @Test(
    "Normal CDF and quantile against scipy",
    arguments: [(1.234, 0.8913985478784756), (0, 0.5), (-4.753424308822899, 1e-6)])
  func normal(z: Double, p: Double) {
    #expect(close(NormalDistribution.cdf(z), p, rel: 1e-9))
    #expect(abs(NormalDistribution.quantile(p) - z) <= 1e-9 * max(abs(z), 1))
  }

  @Test func quantileOfNinetySevenPointFive() {
    #expect(close(NormalDistribution.quantile(0.975), 1.959963984540054, rel: 1e-12))
  }

  @Test("Sen slope uses real timestamps, not indices")
  func senSlopeOnUnevenTimes() throws {
    let times: [Double] = [0, 1, 5, 6, 20]
    let values = times.map { 3 + 2.5 * $0 }
    let sen = try #require(SenSlope(times: times, values: values))
    #expect(close(sen.slope, 2.5))
    #expect(close(sen.intercept, 3))
  }
}
