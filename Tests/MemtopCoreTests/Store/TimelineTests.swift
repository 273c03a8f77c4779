import MemtopAnalysis
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopTrend
import Testing

@testable import MemtopCore

@Suite("timeline")
struct TimelineTests {
  @Test("absent values become NaN gaps in a series, never zeros")
  func gaps() {
    var t = Timeline()
    t.append(MemorySample(timeUnix: 0, elapsed: 0, pid: 1, rss: 10, heap: 5))
    t.append(MemorySample(timeUnix: 1, elapsed: 1, pid: 1, rss: 12, heap: nil))
    t.append(MemorySample(timeUnix: 2, elapsed: 2, pid: 1, rss: 0, heap: 7))
    let heap = t.series(.heap)
    #expect(heap.times == [0, 1, 2])
    #expect(heap.values[0] == 5 && heap.values[1].isNaN && heap.values[2] == 7)
    #expect(t.series(.rss).values == [10, 12, 0])
    #expect(t[1].heap == nil && t[2].rss == 0)
    #expect(t.maximum(.heap) == 7)
  }

  /// A launch through a pyenv shim: the shim's row, then the interpreter's under the same pid,
  /// then flat; an exec at `lateExec` seconds names another command line.
  static func launched(lateExec: Double? = nil) -> [MemorySample] {
    (0..<100).map { i in
      let t = Double(i) * 0.5
      var sample = MemorySample(timeUnix: t, elapsed: t, pid: 9, rss: i == 0 ? 1_748_992 : 14_000_128)
      sample.startTicks = 77
      if i == 0 { sample.command = "bash /root/.pyenv/libexec/pyenv-exec python3 app.py" }
      if i == 1 { sample.command = "python3 app.py" }
      if let lateExec, t == lateExec { sample.command = "python3 other.py" }
      return sample
    }
  }

  @Test("a launcher's exec into the program in the first seconds: the series judged starts at the program's exec")
  func startupExec() throws {
    let timeline = Timeline(Self.launched())
    let (rows, others) = timeline.lastLifetime()
    #expect(rows?.first == 1 && rows?.count == 99 && others == 0)
    let analysis = RecordingAnalysis(timeline: timeline, limit: nil)
    #expect(analysis.samples == 99 && analysis.skippedLifetimes == 0)
    #expect(analysis.verdict != .leak && analysis.results[.rss]?.steps.isEmpty == true)
    // record's store judges the same rows.
    var digest = RecordingDigest()
    for sample in Self.launched() { digest.append(sample) }
    // The digest keeps every row (the summary counts them) and judges from the exec on.
    #expect(digest.count == 100 && digest.judgedCount == 99 && digest.skippedLifetimes == 0)
    #expect(digest.programStart?.elapsed == 0.5)
    let live = RecordingAnalysis(digest: digest, limit: nil)
    #expect(live.samples == analysis.samples && live.verdict == analysis.verdict)
    // An exec later on is the program's own business: nothing more is left out.
    let late = Timeline(Self.launched(lateExec: 30)).lastLifetime()
    #expect(late.rows?.first == 1)
    // A tree's member rows name their command line on every row: no exec, nothing left out.
    let member = Self.launched().dropFirst().map { sample -> MemorySample in
      var row = sample
      row.command = "python3 worker.py"
      return row
    }
    #expect(Timeline(member).lastLifetime().rows == nil)
    var memberDigest = RecordingDigest()
    for row in member { memberDigest.append(row) }
    #expect(memberDigest.count == member.count)
  }

  @Test("markers stay with their sample")
  func markers() {
    var t = Timeline()
    t.append(MemorySample(timeUnix: 0, elapsed: 0, pid: 1, rss: 1))
    t.markLatest("warm-up done")
    t.append(MemorySample(timeUnix: 1, elapsed: 1, pid: 1, rss: 2))
    #expect(t[0].marker == "warm-up done" && t[1].marker == nil)
  }
}

@Suite("formatting")
struct FormatTests {
  static let byteCases: [(Double, String)] = [
    (0, "0 B"), (512, "512 B"), (1536, "1.50 KiB"), (1_048_576, "1.00 MiB"), (1_288_490_189, "1.20 GiB"),
    (130 * 1_048_576, "130 MiB"),
  ]

  @Test("bytes in binary units", arguments: byteCases)
  func bytes(_ value: Double, _ text: String) {
    #expect(ByteFormat.bytes(value) == text)
  }

  static let sizeCases: [(String, UInt64)] = [
    ("2G", 2 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29), ("100k", 102_400), ("4096", 4096), ("2gb", 2 << 30),
  ]

  @Test("sizes parse with binary suffixes", arguments: sizeCases)
  func parse(_ text: String, _ bytes: UInt64) {
    #expect(ByteFormat.parseSize(text) == bytes)
  }

  @Test("bad sizes are rejected", arguments: ["", "G", "-1G", "1X", "lots"])
  func badSize(_ text: String) {
    #expect(ByteFormat.parseSize(text) == nil)
  }

  @Test(
    "durations",
    arguments: [
      (0.25, "250 ms"), (12.34, "12.3 s"), (245.0, "4 m 05 s"), (18600.0, "5 h 10 m"), (273_600.0, "3 d 04 h"),
    ])
  func durations(_ seconds: Double, _ text: String) {
    #expect(ByteFormat.duration(seconds) == text)
  }

  @Test(
    "control characters are shown, never sent to the terminal",
    arguments: [
      ("py\u{1B}]0;pwned\u{07}", "py\\e]0;pwned\\a"),
      ("a\nb\tc", "a\\nb\\tc"),
      ("\u{9B}31m", "\\x9b31m"),
      ("naïve ✓", "naïve ✓"),
    ])
  func sanitize(_ raw: String, _ shown: String) {
    #expect(Sanitizer.terminalSafe(raw) == shown)
  }

  @Test("very long names are cut")
  func longName() {
    let shown = Sanitizer.terminalSafe(String(repeating: "x", count: 4096))
    #expect(shown.count == 257 && shown.hasSuffix("…"))
  }
}

@Suite("rate formatting")
struct RateFormatTests {
  @Test(
    "an interval's bounds use the estimate's time unit",
    arguments: [
      (58_600.0, 57_000.0, 60_000.0, "+3.35 MiB/min (95 % +3.26 MiB/min to +3.43 MiB/min)"),
      // The low bound alone would be printed per hour; it keeps the estimate's unit.
      (20_000.0, 15_000.0, 25_000.0, "+1.14 MiB/min (95 % +879 KiB/min to +1.43 MiB/min)"),
      (1_000.0, 900.0, 1_100.0, "+3.43 MiB/h (95 % +3.09 MiB/h to +3.78 MiB/h)"),
    ])
  func interval(_ slope: Double, _ low: Double, _ high: Double, _ text: String) {
    var result = TrendAnalyzer().analyze(MetricSeries(times: [0], values: [1]))
    result.slopeBytesPerSecond = slope
    result.slopeCI = SlopeInterval(low: low, high: high)
    #expect(result.rateWithInterval == text)
  }
}

@Suite("A bounded timeline (the live view's)")
struct BoundedTimelineTests {
  @Test("past its capacity it thins evenly: bounded, uniform spacing, the latest sample exact, markers kept")
  func thinsEvenly() {
    var timeline = Timeline(capacity: 100)
    for i in 0..<10_000 {
      var sample = MemorySample(timeUnix: 1_000 + Double(i), elapsed: Double(i), pid: 7, rss: UInt64(i) * 4096)
      if i == 10 { sample.marker = "early" }
      if i == 9_999 { sample.marker = "late" }
      timeline.append(sample)
      #expect(timeline.count <= 100)
    }
    #expect(timeline.stride == 128)
    #expect(timeline.elapsed.last == 9_999)
    #expect(timeline.value(.rss, at: timeline.count - 1) == 9_999 * 4096)
    let steps = Set(zip(timeline.elapsed.dropFirst(), timeline.elapsed).dropLast().map { $0 - $1 })
    #expect(steps == [128], "uneven spacing: \(steps.sorted())")
    let markers = Set(timeline.markers.values)
    #expect(markers.contains("early") && markers.contains("late"))
  }

  @Test("a lifetime's command line survives the thinning, and each lifetime keeps its own")
  func commandsKept() {
    var timeline = Timeline(capacity: 64)
    for i in 0..<1_000 {
      var sample = MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: i < 500 ? 1 : 2, rss: 4096)
      if i == 0 { sample.command = "python3 first.py" }
      if i == 500 { sample.command = "python3 second.py" }
      timeline.append(sample)
    }
    #expect(Set(timeline.commands.values) == ["python3 first.py", "python3 second.py"])
    #expect(timeline.lastCommand == "python3 second.py")
  }

  @Test("a new lifetime is never merged into the one before it")
  func lifetimesKept() {
    var timeline = Timeline(capacity: 64)
    for i in 0..<1_000 {
      timeline.append(MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: i < 500 ? 1 : 2, rss: 4096))
    }
    let boundaries = (1..<timeline.count).filter { timeline.startsLifetime($0) }
    #expect(boundaries.count == 1)
    let first = boundaries[0]
    #expect(timeline.pids[first - 1] == 1 && timeline.pids[first] == 2)
  }

  @Test("its storage stays near its capacity: the row that triggers thinning does not double it")
  func storageBounded() {
    var timeline = Timeline(capacity: 8192)
    for i in 0..<20_000 {
      timeline.append(
        MemorySample(
          timeUnix: Double(i), elapsed: Double(i), pid: 7, rss: 4096, anon: 4096, heap: i % 4 == 0 ? 4096 : nil))
    }
    #expect(timeline.stride > 1)
    // Room for the capacity and the one row past it (the allocator may round up a little),
    // never the twice-the-capacity a doubling append gives.
    #expect(timeline.elapsed.capacity < 8192 + 64, "\(timeline.elapsed.capacity)")
    #expect(timeline.pids.capacity < 8192 + 64, "\(timeline.pids.capacity)")
  }

  @Test("without a capacity every sample is kept, as for a file read back")
  func unbounded() {
    let timeline = Timeline((0..<5_000).map { MemorySample(timeUnix: 0, elapsed: Double($0), pid: 1) })
    #expect(timeline.count == 5_000 && timeline.stride == 1)
  }
}
