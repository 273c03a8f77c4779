import Foundation
import MemtopCore
import MemtopExport
import MemtopSampling
import MemtopStore
import Testing

@testable import MemtopTUI

@Suite("App support: export names, the CSV sink")
struct AppSupportTests {
  @Test("the default export name is memtop-PID-YYYYMMDD-HHMMSS.csv")
  func defaultName() {
    let name = Exporter.defaultFileName(pid: 1234, wallSeconds: 1_764_066_600)
    #expect(name.hasPrefix("memtop-1234-2025112"))
    #expect(name.hasSuffix(".csv"))
    #expect(name.count == "memtop-1234-20251125-103000.csv".count)
  }

  @Test("the CSV sink writes one sample behind, so a marker reaches its row")
  func csvSinkMarker() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-rec-\(UUID()).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = CSVSink(try CSVFileWriter(path: path))
    try sink.take(MemorySample(timeUnix: 1, elapsed: 0, pid: 9, rss: 100), members: [])
    sink.markLatest("before the spike")
    try sink.take(MemorySample(timeUnix: 2, elapsed: 1, pid: 9, rss: 200), members: [])
    try sink.finish()
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3)
    // The marker, then start_ticks, processes, command and the trailing memory-by-kind columns.
    let trailing = String(repeating: ",", count: 3 + CSVFormat.trailingMetricColumns.count)
    #expect(lines[1].hasSuffix(",before the spike" + trailing))
    #expect(lines[2].hasSuffix(",," + trailing))
  }

  @Test("export writes the whole timeline with the record command's header")
  func export() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-exp-\(UUID()).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try Exporter.export(Fixtures.timeline(), to: path)
    #expect(rows == 114)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix(CSVFormat.headerLine))
    #expect(text.contains(",marker 1,"))
  }

  @Test("an export to an unwritable path is an error, not a crash")
  func exportFails() {
    #expect(throws: CSVWriteError.self) { try Exporter.export(Timeline(), to: "/nonexistent-dir/x.csv") }
  }
}
