import Foundation
import MemtopExport
import MemtopSampling
import Testing

@testable import MemtopCore

@Suite("CSV contract")
struct CSVTests {
  @Test("the header starts with the contract columns, marker included")
  func header() {
    #expect(
      CSVFormat.headerLine.hasPrefix(
        "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,heap_bytes,file_bytes,shmem_bytes,swap_bytes,brk_heap_bytes,peak_rss_bytes,pss_bytes,uss_bytes,swap_pss_bytes,marker"
      ))
  }

  @Test("absent values are empty fields, integers are bytes, times have fractions")
  func row() {
    var out: [UInt8] = []
    let sample = MemorySample(timeUnix: 1_764_000_000.1234, elapsed: 12.5, pid: 42, rss: 1_048_576, anon: 0, heap: nil)
    CSVRowEncoder().append(sample, to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "1764000000.123,12.500,42,1048576,0,,,,,,,,,,,,,,,,,,,,,,,,\n")
  }

  @Test(
    "fractions keep their leading zeros and round to milliseconds",
    arguments: [
      (3.007, "3.007"), (0.05, "0.050"), (0.0004, "0.000"), (0.0996, "0.100"), (59.9999, "60.000"), (1.0, "1.000"),
    ])
  func fraction(_ elapsed: Double, _ text: String) {
    var out: [UInt8] = []
    CSVRowEncoder().append(MemorySample(timeUnix: 0, elapsed: elapsed, pid: 1), to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "0.000,\(text),1,,,,,,,,,,,,,,,,,,,,,,,,,,\n")
  }

  @Test(
    "spreadsheet formulas and control characters are neutralised",
    arguments: [
      ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
      ("+1", "'+1"),
      ("-2", "'-2"),
      ("@SUM(A1)", "'@SUM(A1)"),
      ("a,b", "\"a,b\""),
      ("line\nbreak\u{1B}[31m", "line break [31m"),
      ("plain", "plain"),
    ])
  func markerSafety(_ marker: String, _ expected: String) {
    var out: [UInt8] = []
    CSVRowEncoder().append(MemorySample(timeUnix: 1, elapsed: 0, pid: 1, marker: marker), to: &out)
    let line = String(decoding: out, as: UTF8.self)
    #expect(line.hasSuffix("," + expected + ",,,,,,,,,,,,,,\n"))
  }

  @Test("a tree member's command line is its own column, neutralised and quoted; read back")
  func commandColumn() throws {
    var sample = MemorySample(timeUnix: 1, elapsed: 0, pid: 7, rss: 4096)
    sample.command = "=cmd \"a,b\"\u{1B}[2J"
    var out: [UInt8] = Array(CSVFormat.headerLine.utf8)
    CSVRowEncoder().append(sample, to: &out)
    let text = String(decoding: out, as: UTF8.self)
    #expect(text.hasSuffix(",,,\"'=cmd \"\"a,b\"\" [2J\",,,,,,,,,,,\n"))
    let back = try RecordingReader(path: "x.csv").read(text)
    #expect(back.first?.command == "'=cmd \"a,b\" [2J")
  }

  @Test("memory by kind and the counts go after the command, and read back")
  func regionColumns() throws {
    var sample = MemorySample(timeUnix: 1, elapsed: 0, pid: 7, rss: 4096)
    sample.regionMallocArenas = 65_536
    sample.regionFile = 8192
    sample.threads = 9
    sample.fds = 12
    sample.arenas = 3
    var out: [UInt8] = []
    #expect(
      CSVFormat.headerLine.hasSuffix(
        ",command,region_brk_heap_bytes,region_malloc_arenas_bytes,region_thread_stacks_bytes,region_other_anon_bytes,region_shmem_bytes,region_file_bytes,threads,fds,arenas,observer_bytes,detail_age_ms\n"
      ))
    sample.observer = 4096
    out = Array(CSVFormat.headerLine.utf8)
    CSVRowEncoder().append(sample, to: &out)
    let text = String(decoding: out, as: UTF8.self)
    #expect(text.hasSuffix(",,,65536,,,,8192,9,12,3,4096,\n"))
    let back = try #require(try RecordingReader(path: "x.csv").read(text).first)
    #expect(back == sample)
  }

  @Test("write then read gives the samples back")
  func roundTrip() throws {
    var samples: [MemorySample] = []
    for i in 0..<500 {
      let t = Double(i) * 0.1
      var s = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 7)
      s.rss = UInt64(1000 + i) * 4096
      s.anon = UInt64(i) * 4096
      s.heap = i % 3 == 0 ? nil : UInt64(i)
      s.peakRSS = RecordingRowParser.maxBytes  // the largest size a recording may hold (1 EiB)
      s.pss = i % 2 == 0 ? 5 : nil
      s.marker = i == 7 ? "load, \"big\" model" : nil
      s.startTicks = i < 250 ? 909_310 : nil
      s.processes = i % 5 == 0 ? i / 5 : nil
      samples.append(s)
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-\(UUID()).csv").path
    let writer = try CSVFileWriter(path: path)
    samples.forEach(writer.append)
    try writer.finish()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let back = try RecordingReader(path: path).read(text)
    #expect(back.count == samples.count)
    for (a, b) in zip(samples, back) {
      #expect(abs(a.elapsed - b.elapsed) < 0.0005)
      for metric in Metric.allCases {
        #expect(a[metric] == b[metric], "\(metric) at \(a.elapsed)")
      }
      #expect(a.marker == b.marker)
      #expect(a.startTicks == b.startTicks)
      #expect(a.processes == b.processes)
    }
  }

  @Test("a process tree's main series is its total rows; a plain recording is all rows")
  func mainSeries() {
    var total = MemorySample(timeUnix: 1, elapsed: 0, pid: 10, rss: 300)
    total.processes = 2
    let members = [
      MemorySample(timeUnix: 1, elapsed: 0, pid: 10, rss: 100),
      MemorySample(timeUnix: 1, elapsed: 0, pid: 11, rss: 200),
    ]
    #expect(RecordingReader.mainSeries([total] + members) == [total])
    #expect(RecordingReader.mainSeries(members) == members)
  }

  @Test(
    "malformed recordings name the line",
    arguments: [
      ("", 0, "empty"),
      ("a,b,c\n1,2,3\n", 1, "elapsed_s"),
      ("elapsed_s,pid,rss_bytes\n0.1,1,100\n0.2,1,12x\n", 3, "rss_bytes is '12x'"),
      ("elapsed_s,pid,rss_bytes\n0.1,1,100\n0.2,1\n", 3, "2 fields"),
      ("elapsed_s,pid,rss_bytes\n0.1,1,\"100\n", 2, "never closed"),
      ("elapsed_s,pid,rss_bytes\nx,1,5\n", 2, "elapsed_s is 'x'"),
      ("elapsed_s,pid,rss_bytes\n1,1,-5\n", 2, "not a whole number"),
    ])
  func malformed(_ text: String, _ line: Int, _ fragment: String) {
    do {
      _ = try RecordingReader(path: "rec.csv").read(text)
      Issue.record("expected an error")
    } catch {
      #expect(error.line == line)
      #expect(error.description.contains(fragment))
      #expect(error.description.hasPrefix(line > 0 ? "rec.csv:\(line): " : "rec.csv: "))
    }
  }

  @Test("CRLF line endings and quoted line breaks parse")
  func rfc4180() throws {
    let text = "elapsed_s,rss_bytes,marker\r\n0.5,10,\"two\nlines\"\r\n1.0,20,\r\n"
    let samples = try RecordingReader(path: "x").read(text)
    #expect(samples.map(\.rss) == [10, 20])
    #expect(samples[0].marker == "two\nlines")
  }
}
