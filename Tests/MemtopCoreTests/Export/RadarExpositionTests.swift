import Foundation
import MemtopSystem
import Testing

@testable import MemtopExport

#if canImport(Glibc)
import Glibc
#endif

/// The radar's exposition: bounded series over a synthetic host, the ranking, escaping.
@Suite("radar exposition: bounded cardinality")
struct RadarExpositionTests {
  static let host = RadarExposition.Host(
    processesJudged: 500, processesLeakSuspected: 20, selfCPUSeconds: 12.5, selfResidentBytes: 30 << 20,
    scrapeDurationSeconds: 0.04)

  /// 500 processes: 20 leaking (1 to 30 MB/min), 480 benign with rates around zero, every
  /// one with the full detail (interval, time to limit when growing, kind for the leakers).
  static func syntheticHost() -> [RadarExposition.Process] {
    var processes: [RadarExposition.Process] = []
    for i in 0..<500 {
      let leaking = i % 25 == 7
      let rate = leaking ? Double(1 + i % 30) * 1_000_000 / 60 : Double((i * 7919) % 2001 - 1000)
      processes.append(
        RadarExposition.Process(
          pid: Int32(1000 + i), command: "worker --id \(i)", user: i % 3 == 0 ? "root" : "app",
          cgroup: CgroupLabels.labels(path: "/system.slice/svc\(i % 40).service"), leakSuspected: leaking,
          rssBytes: UInt64(100 + i) << 20, growthBytesPerSecond: rate, growthInterval: (rate - 500)...(rate + 500),
          timeToLimit: rate > 0 ? (1e9 / rate, "MemAvailable") : nil, growthKind: leaking ? "brk_heap" : nil))
    }
    return processes
  }

  /// The sample lines of `text` (neither comments nor blank).
  static func sampleLines(_ text: String) -> [Substring] {
    text.split(separator: "\n").filter { !$0.hasPrefix("#") }
  }

  @Test("500 processes, 20 leaking, --top 50: at most 250 series, every leaker exported, the rest by growth")
  func boundedAt500() {
    let processes = Self.syntheticHost()
    let exposition = RadarExposition()
    #expect(exposition.top == 50 && exposition.maxSeries == 250)
    let (text, series) = exposition.render(host: Self.host, processes: processes)
    let lines = Self.sampleLines(text)
    #expect(lines.count == series)
    #expect(series <= 250, "\(series) series")
    // Every leaker is there, flagged.
    for process in processes where process.leakSuspected {
      #expect(text.contains("memtop_process_leak_suspected{pid=\"\(process.pid)\","), "pid \(process.pid)")
    }
    #expect(lines.count { $0.hasPrefix("memtop_process_leak_suspected{") && $0.hasSuffix(" 1") } == 20)
    // The others exported are the fastest growing of the benign ones: none left out grows faster.
    let chosen = exposition.selected(processes)
    let benignChosen = chosen.filter { !$0.leakSuspected }
    let slowestChosen = benignChosen.compactMap(\.growthBytesPerSecond).min() ?? .infinity
    let fastestLeftOut =
      processes.filter { p in !p.leakSuspected && !chosen.contains { $0.pid == p.pid } }
      .compactMap(\.growthBytesPerSecond).max() ?? -.infinity
    #expect(slowestChosen >= fastestLeftOut)
    #expect(!benignChosen.isEmpty)
    #expect(text.contains("memtop_processes_exported \(chosen.count)\n"))
    #expect(text.contains("memtop_processes_judged 500\n") && text.contains("memtop_processes_leak_suspected 20\n"))
    // Each series is one family's, declared once.
    for family in [
      "memtop_process_rss_bytes", "memtop_process_growth_bytes_per_second",
      "memtop_process_growth_bytes_per_second_lower", "memtop_process_growth_bytes_per_second_upper",
      "memtop_process_time_to_limit_seconds", "memtop_process_growth_kind",
    ] {
      #expect(text.components(separatedBy: "# TYPE \(family) gauge\n").count == 2, "\(family)")
    }
  }

  @Test(
    "the formula: 6 host series + 7 per process with every detail, + 2 for one not yet judged",
    arguments: [1, 10, 30])
  func formula(_ top: Int) {
    let processes =
      Self.syntheticHost().filter(\.leakSuspected)
      + Self.syntheticHost().prefix(100).map {
        var full = $0
        full.growthKind = "other_anon"
        full.growthBytesPerSecond = 1000
        full.timeToLimit = (100, "memory.max")
        return full
      }
    let exposition = RadarExposition(top: top, maxSeries: 10_000)
    #expect(exposition.render(host: Self.host, processes: processes).series == 6 + 7 * top)
    let young = RadarExposition.Process(
      pid: 1, command: "new", user: "root", cgroup: nil, leakSuspected: false, rssBytes: 1, growthBytesPerSecond: nil)
    #expect(young.seriesCount == 2)
    #expect(RadarExposition(top: 1).render(host: Self.host, processes: [young]).series == 6 + 2)
  }

  @Test("the cap holds whatever --top says: processes are kept whole, in rank order")
  func capWins() {
    let exposition = RadarExposition(top: 500, maxSeries: 100)
    let (text, series) = exposition.render(host: Self.host, processes: Self.syntheticHost())
    #expect(series <= 100 && series > 100 - 7)
    // Whole processes: each exported pid has its rss and leak lines both.
    let pids = Self.sampleLines(text).filter { $0.hasPrefix("memtop_process_rss_bytes{") }.count
    let flags = Self.sampleLines(text).filter { $0.hasPrefix("memtop_process_leak_suspected{") }.count
    #expect(pids == flags && pids > 0)
  }

  @Test("untrusted labels: quotes, backslashes, newlines and escapes cannot break a line; the command is capped")
  func escaping() throws {
    let nasty = "evil\"} 1\nmemtop_fake 1 \\ \u{1B}[31m" + String(repeating: "x", count: 200)
    let process = RadarExposition.Process(
      pid: 7, command: nasty, user: "a\"b", cgroup: CgroupLabels.labels(path: "/system.slice/x\ny.service"),
      leakSuspected: true, rssBytes: 5, growthBytesPerSecond: 10)
    let (text, series) = RadarExposition(top: 5).render(host: Self.host, processes: [process])
    let lines = Self.sampleLines(text)
    #expect(lines.count == series)
    #expect(!text.contains("\u{1B}"))
    #expect(!lines.contains { $0.hasPrefix("memtop_fake") })
    let line = try #require(lines.first { $0.hasPrefix("memtop_process_rss_bytes{") })
    // Unescape the command label: at most 64 characters of the original, then the ellipsis.
    let start = try #require(line.range(of: "command=\""))
    var value = ""
    var escaped = false
    for character in line[start.upperBound...] {
      if escaped {
        value.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == "\"" {
        break
      } else {
        value.append(character)
      }
    }
    #expect(value.hasSuffix("…"))
    #expect(value.count <= 64 + 1 + 16, "\(value)")  // escapes such as \n and \e add a character each
    #expect(line.contains("user=\"a\\\"b\""))
    #expect(line.hasSuffix("} 5"))
  }

  static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  @Test(
    "promtool check metrics accepts the 500-process scrape",
    .enabled(if: promtool != nil, "promtool is not installed (scripts/bootstrap installs Debian's prometheus package)"))
  func promtoolAccepts() throws {
    let (text, _) = RadarExposition().render(host: Self.host, processes: Self.syntheticHost())
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("radar-\(UUID()).prom")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Self.promtool))
    process.arguments = ["check", "metrics"]
    process.standardInput = try FileHandle(forReadingFrom: file)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    process.waitUntilExit()
    let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0, "\(said)")
  }
}
