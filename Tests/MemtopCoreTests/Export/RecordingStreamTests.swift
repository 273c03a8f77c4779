import Foundation
import MemtopFormat
import MemtopSampling
import MemtopStore
import Testing

@testable import MemtopCore
@testable import MemtopExport

/// The streaming reader: the same samples whatever the chunking, whole-valued decimals,
/// bounded numbers, and conversions of derived figures that never trap.
@Suite("Recording reader, streaming")
struct RecordingStreamTests {
  /// A recording of `count` rows with a quoted marker (with a line break) every 1000 rows.
  static func recording(_ count: Int) -> String {
    var text = CSVFormat.headerLine
    for i in 0..<count {
      let rss = 100 << 20 + i * 4096
      let marker = i % 1000 == 999 ? "\"step \(i),\nsecond \"\"line\"\"\"" : ""
      // Empty fields after start_ticks (the 16th column) for every later column.
      let rest = String(repeating: ",", count: CSVFormat.columns.count - 16)
      text += "\(1_764_000_000 + i).250,\(i).250,42,\(rss),\(rss / 2),,4096,0,0,,\(rss),,,,\(marker),909310\(rest)\n"
    }
    return text
  }

  @Test("streaming a file in 1 MiB chunks gives exactly the samples of a whole-buffer read")
  func chunkBoundaries() throws {
    let text = Self.recording(40_000)  // about 3.5 MB: rows and a quoted marker cross chunk ends
    #expect(text.utf8.count > 3 * RecordingReader.chunkBytes)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-stream-\(UUID()).csv").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let whole = try RecordingReader(path: "r").read(text)
    let (streamed, notes) = try RecordingReader(path: "r").readAll(file: path)
    #expect(notes.isEmpty)
    #expect(streamed.count == 40_000)
    #expect(streamed == whole)
    #expect(streamed[999].marker == "step 999,\nsecond \"line\"")
    #expect(streamed[39_999].elapsed == 39_999.25)
    let (timeline, _) = try RecordingReader(path: "r").readMainSeries(file: path, keeping: [.rss])
    #expect(timeline.count == 40_000)
    #expect(timeline.value(.rss, at: 5) == UInt64(100 << 20 + 5 * 4096))
    #expect(timeline.value(.anon, at: 5) == nil, "metrics not kept are dropped")
    #expect(timeline.markers[999] == "step 999,\nsecond \"line\"")
  }

  @Test(
    "whole-valued decimals and exponents are whole numbers; fractions and negatives are not",
    arguments: [
      ("5681152.0", UInt64(5_681_152) as UInt64?), ("5681152.", 5_681_152), ("5681152.000", 5_681_152),
      ("5.681152e6", 5_681_152),
      ("0", 0), ("18446744073709551615", .max), ("5681152.5", nil), ("-5", nil), ("1e9x", nil), ("nan", nil),
      ("inf", nil),
      ("18446744073709551616", nil), ("1e20", nil), (".", nil), ("", nil),
    ])
  func whole(_ text: String, _ expected: UInt64?) {
    var bytes = Array(text.utf8)
    let value = bytes.withUnsafeMutableBufferPointer { RecordingRowParser.whole(UnsafeBufferPointer($0)) }
    #expect(value == expected)
  }

  @Test(
    "times parse exactly as Double(String) does",
    arguments: [
      "0", "0.000", "1764000000.123", "12.5", "1e3", "0.1", "7.", "99999999999.999", "0.30000000000000004",
      "1764000000.123456789",
    ])
  func times(_ text: String) throws {
    let samples = try RecordingReader(path: "t").read("elapsed_s,time_unix_s,rss_bytes\n1,\(text),5\n")
    #expect(samples.first?.timeUnix == Double(text))
  }

  @Test(
    "refusals name the line and the fix",
    arguments: [
      ("elapsed_s,rss_bytes\n0,1152921504606846977\n", 2, "larger than any memory"),
      ("elapsed_s,rss_bytes,start_ticks\n0,5,18446744073709551615\n", 2, "start_ticks is"),
      ("elapsed_s,rss_bytes,pid\n0,5,2147483648\n", 2, "pid is '2147483648'"),
      ("elapsed_s,rss_bytes\n0,5\n1,5\n0.5,5\n", 4, "before line 3's"),
      ("elapsed_s,rss_bytes\n0,5\n0,6\n", 3, "repeats the time of line 2"),
      ("elapsed_s,rss_bytes\n1e10000,5\n", 2, "not a number"),
      ("a\u{0}b,c\n", 1, "binary data"),
      // Found by the fuzzer: a broken header or middle row in a file without a final line ending
      // was taken for a cut last line, and everything from it on was dropped.
      ("elaps\"d,rss_bytes\n0,1", 1, "a quote inside an unquoted field"),
      ("elapsed_s,rss_bytes\n0,1\n1,2\"x\n2,3", 3, "a quote inside an unquoted field"),
    ])
  func refusals(_ text: String, _ line: Int, _ fragment: String) {
    do {
      _ = try RecordingReader(path: "rec.csv").read(text)
      Issue.record("expected an error")
    } catch {
      #expect(error.line == line)
      #expect(error.description.contains(fragment), "\(error.description)")
    }
  }

  @Test("a last line cut inside a quoted marker is left out with a note, whatever the chunking")
  func cutInsideQuotes() throws {
    let text = "elapsed_s,rss_bytes,marker\n0,1,\n1,2,\"half a mar"
    var parser = RecordingRowParser(path: "t")
    var rows: [MemorySample] = []
    var bytes = Array(text.utf8)
    let used = try bytes.withUnsafeBufferPointer { piece throws(CSVReadError) in
      try parser.parse(UnsafeBufferPointer(rebasing: piece[..<36]), atEnd: false) { rows.append($0) }
    }
    bytes.removeFirst(used)
    _ = try bytes.withUnsafeBufferPointer { piece throws(CSVReadError) in
      try parser.parse(piece, atEnd: true) { rows.append($0) }
    }
    #expect(rows.map(\.rss) == [1])
    #expect(parser.notes.count == 1)
    #expect(parser.notes.first?.hasPrefix("t:3: the last line has no line ending") == true)
  }

  @Test("rows of other processes, and a tree's total and per-process rows, may share times")
  func interleavedTimes() throws {
    let text = "elapsed_s,pid,rss_bytes,processes\n0,1,5,2\n0,1,3,\n0,2,2,\n1,1,6,2\n1,1,3,\n1,2,3,\n"
    let samples = try RecordingReader(path: "t").read(text)
    #expect(samples.count == 6)
    #expect(RecordingReader.mainSeries(samples).map(\.rss) == [5, 6])
  }

  @Test("a lifetime is (pid, start), wherever its rows are")
  func lastLifetime() {
    var timeline = Timeline()
    for i in 0..<10 {
      var a = MemorySample(timeUnix: .nan, elapsed: Double(i), pid: 7, rss: 1)
      a.startTicks = 100
      var b = MemorySample(timeUnix: .nan, elapsed: Double(i), pid: 8, rss: 2)
      b.startTicks = 200
      timeline.append(a)
      timeline.append(b)
    }
    let (rows, others) = timeline.lastLifetime()
    #expect(others == 1)
    #expect(rows == Array(stride(from: 1, to: 20, by: 2)))
    let single = Timeline((0..<5).map { MemorySample(timeUnix: .nan, elapsed: Double($0), pid: 3, rss: 1) })
    #expect(single.lastLifetime().rows == nil)
    #expect(single.lastLifetime().others == 0)
  }

  @Test("figures derived from extreme inputs format without trapping")
  func saturating() {
    #expect(ByteFormat.duration(1e19) == "over a million years")
    #expect(ByteFormat.duration(-1e19) == "-over a million years")
    #expect(ByteFormat.duration(-0.25) == "-250 ms")
    #expect(ByteFormat.bytes(1e40).hasSuffix(" PiB"))
    #expect(ByteFormat.rate(bytesPerSecond: 1e300).hasSuffix("/s"))
    #expect(AxisTicks.clock(1e30).isEmpty == false)
    #expect(AxisTicks.byteLabel(1e40).isEmpty == false)
    #expect(Int(saturating: .nan) == 0)
    #expect(Int(saturating: 1e300) == .max)
    #expect(Int(saturating: -1e300) == .min)
    #expect(UInt64(saturating: 1.8446744073709552e19) == .max)
    #expect(UInt64(saturating: -1) == 0)
  }

  @Test("bidirectional and zero-width characters are escaped")
  func bidi() {
    #expect(
      Sanitizer.terminalSafe("a\u{202E}b\u{200B}c\u{2066}d\u{FEFF}") == "a\\u{202e}b\\u{200b}c\\u{2066}d\\u{feff}")
    #expect(Sanitizer.terminalSafe("naïve café ✓") == "naïve café ✓")
  }
}
