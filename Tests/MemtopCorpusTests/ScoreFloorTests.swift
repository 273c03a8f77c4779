import Testing

@testable import MemtopCorpus

/// Guards the analyzer's measured quality on a reduced corpus. The corpus is seeded, so the
/// numbers are exact for a given analyzer; the floors sit slightly below what was measured
/// (see the comments) so a real regression fails and harmless tweaks do not.
@Suite("Score floor on a reduced corpus")
struct ScoreFloorTests {
  /// Both scales would be too slow in a debug build; the 30-second scale exercises every
  /// shape with 300 samples each.
  static func outcomes() -> [SeriesOutcome] {
    let corpus = CorpusGenerator().corpus(replicates: 3, scales: [.short])
    let scorer = CorpusScorer(checkpoints: 60)
    return corpus.map { scorer.score($0) }
  }

  @Test("Recall and benign-ever-flagged stay at their measured level")
  func scoreFloor() {
    let outcomes = Self.outcomes()
    let summary = ScoreSummary(outcomes)
    // Measured: recall 35/42 = 0.833 (33/42 before leaks that begin late were judged from
    // their onset), benign ever flagged 1/42 = 0.024, benign leak at the end 0/42, stopped
    // leaks cleared 3/3. Floors allow one more miss or false alarm each.
    #expect(summary.leakCount == 42)
    #expect(summary.benignCount == 42)
    #expect(summary.recall >= 34.0 / 42)
    #expect(summary.benignEverFlagged <= 2.0 / 42)
    #expect(summary.benignLeakAtEnd <= 0.03)
    #expect(summary.clearedAtEnd >= 0.66)
  }

  @Test("Service scale (2-hour shapes, one each, 24 evaluations) stays at its measured level")
  func serviceScoreFloor() {
    // The multi-day and 7-hour shapes are left to memtop-score: too slow for a debug build.
    let shapes = CorpusCatalog.shapes.filter { $0.duration <= 7200 }
    let corpus = CorpusGenerator().corpus(replicates: 1, scales: [.service], shapes: shapes)
    let scorer = CorpusScorer(checkpoints: 24)
    let summary = ScoreSummary(corpus.map { scorer.score($0) })
    // Measured: recall 10/11 (with the late leak), benign ever flagged 0/13, median rate
    // error 0.154.
    #expect(summary.leakCount == 11)
    #expect(summary.benignCount == 13)
    #expect(summary.recall >= 0.8)
    #expect(summary.benignEverFlagged <= 1.0 / 13)
    #expect(summary.medianRateError < 0.2)
  }
}
