import Foundation
import MemtopAnalysis
import MemtopSampling
import MemtopStore
import Testing

/// What a recording's detailed figures rest on is said: rows read afresh, rows carried.
@Suite("detailed readings of a recording")
struct DetailReadingsTests {
  /// 60 rows a second apart; every 5th has memory by kind, read afresh every 20 s and carried
  /// between; `aged` false leaves out the age column (a recording from before it).
  static func rows(aged: Bool) -> [MemorySample] {
    (0..<60).map { i in
      var sample = MemorySample(
        timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 42, rss: 100 << 20, anon: 80 << 20)
      if i % 5 == 0 {
        sample.heap = 60 << 20
        sample.regionBrkHeap = 50 << 20
        sample.regionOtherAnon = 30 << 20
        sample.regionFile = 20 << 20
        if aged { sample.detailAge = UInt64((i % 20) * 1000) }
      }
      return sample
    }
  }

  @Test("counted over the lifetime and told in analyze's where section and JSON")
  func counted() throws {
    let analysis = RecordingAnalysis(timeline: Timeline(Self.rows(aged: true)), limit: nil)
    // Rows 0, 20, 40 read afresh; 5, 10, 15, 25, … carried.
    #expect(analysis.detailReadings == DetailReadings(fresh: 3, carried: 9))
    let text = analysis.reportText(path: "r.csv")
    #expect(text.contains("read afresh on 3 rows; 9 more carry the latest reading"), "\(text)")
    let json = try JSONEncoder().encode(analysis.report)
    let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    let readings = try #require(object["detail_readings"] as? [String: Int])
    #expect(readings == ["fresh": 3, "carried": 9])
  }

  @Test("a recording without the column says nothing of it")
  func older() throws {
    let analysis = RecordingAnalysis(timeline: Timeline(Self.rows(aged: false)), limit: nil)
    #expect(analysis.detailReadings == nil)
    #expect(!analysis.reportText(path: "r.csv").contains("read afresh"))
    let json = try JSONEncoder().encode(analysis.report)
    let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    #expect(object["detail_readings"] == nil)
  }
}
