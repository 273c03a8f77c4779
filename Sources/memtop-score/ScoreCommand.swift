import ArgumentParser
import Dispatch
import Foundation
import MemtopCorpus
import MemtopTrend

/// Scores the trend analyzer on the labelled synthetic corpus of TREND.md.
@main
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memtop-score",
    abstract: "Score memtop's trend analyzer on the seeded, labelled corpus.")

  @Option(help: "Series per shape and scale.")
  var replicates = 30

  @Option(help: "First replicate index (the seed); replicates are seed, seed+1, …")
  var seed = 0

  @Option(help: "Time scale: service, short or both.")
  var scale = "both"

  @Option(help: "Live evaluations per series.")
  var checkpoints = 120

  @Option(help: "Only shapes whose name contains this text.")
  var shape: String?

  @Flag(help: "Print one row per shape.")
  var perShape = false

  @Flag(help: "Skip the timing benchmark.")
  var noTiming = false

  @Option(help: "Override the analyzer's one-sided significance level.")
  var alpha: Double?

  @Option(help: "Override the minimum rise, in residual σ of the floor.")
  var minRise: Double?

  @Option(help: "Override the minimum rise as a fraction of the floor level.")
  var minRiseFraction: Double?

  @Option(help: "Override the minimum number of floor points.")
  var minPoints: Int?

  @Option(help: "Override the minimum effective (independent) floor points.")
  var minEffective: Double?

  @Flag(help: "Print every evaluation of the first matching series instead of scoring.")
  var trace = false

  mutating func run() throws {
    let scales: [TimeScale] =
      scale == "both" ? TimeScale.allCases : [TimeScale(rawValue: scale)].compactMap { $0 }
    guard !scales.isEmpty else {
      throw ValidationError("--scale must be service, short or both, not '\(scale)'")
    }
    let shapes = CorpusCatalog.shapes.filter { shape == nil || $0.name.contains(shape ?? "") }
    let generator = CorpusGenerator()
    var config = TrendConfiguration()
    if let alpha { config.alpha = alpha }
    if let minRise { config.minRiseInNoise = minRise }
    if let minPoints { config.minPoints = minPoints }
    if let minRiseFraction { config.minRiseFraction = minRiseFraction }
    if let minEffective { config.minEffectivePoints = minEffective }
    let scorer = CorpusScorer(analyzer: TrendAnalyzer(config), checkpoints: checkpoints)
    if trace, let first = shapes.first, let s = scales.first {
      let item = generator.generate(first, replicate: seed, scale: s)
      _ = scorer.score(item) { now, r, raised in
        print(
          String(
            format: "%9.1f %@ %-17@ p=%.2e slope=%+.2f MB/h [%+.2f, %+.2f] n=%d neff=%.1f from %.0f σ=%.1fMB %@ | %@",
            now, raised ? "ALERT" : "     ", r.verdict.rawValue, r.pValue,
            r.slopeBytesPerSecond * 3600 / 1e6, r.slopeCI.low * 3600 / 1e6,
            r.slopeCI.high * 3600 / 1e6, r.window.points, r.effectivePoints, r.window.start, r.noiseBytes / 1e6,
            r.floorMethod.rawValue, r.explanation))
      }
      return
    }
    var jobs: [(CorpusShape, Int, TimeScale)] = []
    for s in scales {
      for sh in shapes {
        for r in seed..<(seed + replicates) { jobs.append((sh, r, s)) }
      }
    }
    let work = jobs
    let outcomes = Outcomes(count: work.count)
    let started = Date()
    DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
      let (sh, r, s) = work[i]
      outcomes.set(i, scorer.score(generator.generate(sh, replicate: r, scale: s)))
    }
    let all = outcomes.values()
    print(
      "memtop-score: \(jobs.count) series, \(checkpoints) checkpoints each, "
        + String(format: "%.1f s", Date().timeIntervalSince(started)))
    print(ScoreTable.header)
    for s in scales {
      print(ScoreTable.row(s.rawValue, ScoreSummary(all.filter { $0.scale == s })))
    }
    if scales.count > 1 { print(ScoreTable.row("both", ScoreSummary(all))) }
    if perShape {
      print("")
      print(ScoreTable.shapeHeader)
      for s in scales {
        for sh in shapes {
          let o = all.filter { $0.scale == s && $0.shape == sh.name }
          print(ScoreTable.shapeRow("\(sh.name)/\(s.rawValue)", o))
        }
      }
    }
    if !noTiming { Benchmark.run() }
  }
}

/// Thread-safe slots for results computed in parallel.
final class Outcomes: @unchecked Sendable {
  private var slots: [SeriesOutcome?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ i: Int, _ o: SeriesOutcome) {
    lock.lock()
    slots[i] = o
    lock.unlock()
  }

  func values() -> [SeriesOutcome] { slots.compactMap { $0 } }
}
