import Foundation
import MemtopCore
import Testing

@testable import MemtopTUI

@Suite("App support: process facts, export names, the live recorder")
struct AppSupportTests {
  @Test(
    "the cgroup path comes from the unified line, else the v1 memory controller",
    arguments: [
      ("0::/user.slice/app.scope\n", "/user.slice/app.scope", true),
      ("12:pids:/a\n4:memory:/docker/abc\n1:name=systemd:/x\n", "/docker/abc", false),
      ("3:cpu,memory:/grp\n0::/unified\n", "/unified", true),
    ])
  func cgroupPath(text: String, path: String, v2: Bool) {
    let found = ProcessFacts.cgroupPath(text)
    #expect(found?.path == path)
    #expect(found?.v2 == v2)
  }

  @Test("no cgroup line means no limit")
  func noCgroup() {
    #expect(ProcessFacts.cgroupPath("") == nil)
  }

  @Test("limit files: bytes, 'max' and v1's huge 'unlimited' value", arguments: [
    ("536870912\n", UInt64?.some(536_870_912)), ("max\n", nil), ("9223372036854771712\n", nil), ("", nil),
  ])
  func limitValue(text: String, expected: UInt64?) {
    #expect(ProcessFacts.limitValue(text) == expected)
  }

  @Test("reading the limit of a fake cgroup tree takes the tightest ancestor")
  func readLimit() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-cg-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let proc = root.appendingPathComponent("proc/42")
    let leaf = root.appendingPathComponent("cg/outer/inner")
    try FileManager.default.createDirectory(at: proc, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: leaf, withIntermediateDirectories: true)
    try "0::/outer/inner\n".write(to: proc.appendingPathComponent("cgroup"), atomically: true, encoding: .utf8)
    try "max\n".write(to: leaf.appendingPathComponent("memory.max"), atomically: true, encoding: .utf8)
    try "1073741824\n".write(to: leaf.deletingLastPathComponent().appendingPathComponent("memory.max"), atomically: true, encoding: .utf8)
    let limit = ProcessFacts.readCgroupLimit(
      pid: 42, procRoot: root.appendingPathComponent("proc").path, cgroupRoot: root.appendingPathComponent("cg").path)
    #expect(limit == 1 << 30)
  }

  @Test("the default export name is memtop-PID-YYYYMMDD-HHMMSS.csv")
  func defaultName() {
    let name = Exporter.defaultFileName(pid: 1234, wallSeconds: 1_764_066_600)
    #expect(name.hasPrefix("memtop-1234-2025112"))
    #expect(name.hasSuffix(".csv"))
    #expect(name.count == "memtop-1234-20251125-103000.csv".count)
  }

  @Test("the live recorder writes one sample behind, so a marker reaches its row")
  func liveRecorderMarker() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-rec-\(UUID()).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let recorder = LiveRecorder(try CSVFileWriter(path: path))
    recorder.append(MemorySample(timeUnix: 1, elapsed: 0, pid: 9, rss: 100))
    recorder.markLatest("before the spike")
    recorder.append(MemorySample(timeUnix: 2, elapsed: 1, pid: 9, rss: 200))
    #expect(recorder.finish() == nil)
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines[1].hasSuffix(",before the spike"))
    #expect(lines[2].hasSuffix(","))
  }

  @Test("export writes the whole timeline with the record command's header")
  func export() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-exp-\(UUID()).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try Exporter.export(Fixtures.timeline(), to: path)
    #expect(rows == 114)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix(CSVFormat.headerLine))
    #expect(text.contains(",marker 1\n"))
  }

  @Test("an export to an unwritable path is an error, not a crash")
  func exportFails() {
    #expect(throws: CSVWriteError.self) { try Exporter.export(Timeline(), to: "/nonexistent-dir/x.csv") }
  }
}
