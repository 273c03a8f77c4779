import MemtopAnalysis
import MemtopExport
import MemtopSampling
import MemtopStore
import MemtopSystem
import Testing

@testable import MemtopCore

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
  @Test(
    "label values escape backslash, quote and newline; other control characters are shown",
    arguments: [
      ("python3", "python3"),
      ("a\"b", "a\\\"b"),
      ("a\\b", "a\\\\b"),
      ("a\nb", "a\\\\nb"),
      ("\u{1B}[31m", "\\\\e[31m"),
    ])
  func escaping(_ raw: String, _ expected: String) {
    #expect(PrometheusExposition.escapeLabelValue(raw) == expected)
  }

  @Test("metrics never read are left out; HELP and TYPE precede each family; values are whole bytes")
  func gauges() {
    var exposition = PrometheusExposition(pid: 7, comm: "svc\"x")
    exposition.update(with: MemorySample(timeUnix: 1_764_000_000.5, elapsed: 0, pid: 7, rss: 1_000_000, anon: 600_000))
    exposition.update(with: MemorySample(timeUnix: 1_764_000_001, elapsed: 0.5, pid: 7, rss: 1_100_000, heap: 500_000))
    let text = exposition.text
    #expect(
      text.contains("# HELP memtop_rss_bytes ")
        && text.contains("# TYPE memtop_rss_bytes gauge\nmemtop_rss_bytes{pid=\"7\",comm=\"svc\\\"x\"} 1100000\n"))
    // anon keeps its last reading; heap appears once read.
    #expect(text.contains("memtop_anon_bytes{pid=\"7\",comm=\"svc\\\"x\"} 600000\n"))
    #expect(text.contains("memtop_heap_bytes{pid=\"7\",comm=\"svc\\\"x\"} 500000\n"))
    #expect(!text.contains("memtop_pss_bytes"))
    #expect(text.contains("memtop_last_sample_timestamp_seconds{pid=\"7\",comm=\"svc\\\"x\"} 1764000001\n"))
    // No analysis yet: no verdict series.
    #expect(!text.contains("memtop_leak_suspected"))
  }

  @Test("a leak sets memtop_leak_suspected, per-metric growth rates and the time to limit")
  func leak() {
    var timeline = Timeline()
    for i in 0..<600 {
      let t = Double(i) * 0.5
      let rss = UInt64(200e6 + 1e6 * t) + UInt64(i % 5) * 4096
      timeline.append(
        MemorySample(
          timeUnix: 1_764_000_000 + t, elapsed: t, pid: 9, rss: rss, anon: rss - 50_000_000, heap: rss - 60_000_000))
    }
    var exposition = PrometheusExposition(pid: 9, comm: "leaky")
    exposition.update(with: timeline[timeline.count - 1])
    exposition.analysis = RecordingAnalysis(timeline: timeline, limit: MemoryLimit(bytes: 4 << 30, source: .user))
    let text = exposition.text
    #expect(text.contains("memtop_leak_suspected{pid=\"9\",comm=\"leaky\"} 1\n"))
    let rate = text.split(separator: "\n").first {
      $0.hasPrefix("memtop_growth_bytes_per_second{pid=\"9\",comm=\"leaky\",metric=\"rss\"} ")
    }
    let value = rate.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    #expect(abs(value - 1e6) < 5e4, "\(rate ?? "none")")
    #expect(
      text.contains(
        "# TYPE memtop_time_to_limit_seconds gauge\nmemtop_time_to_limit_seconds{pid=\"9\",comm=\"leaky\"} "))
    // The rate's interval and the verdict, as analyze states them.
    let ci = exposition.analysis?.results[.rss]?.slopeCI
    func gauge(_ name: String) -> Double? {
      text.split(separator: "\n").first { $0.hasPrefix("\(name){pid=\"9\",comm=\"leaky\",metric=\"rss\"} ") }
        .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
    #expect(gauge("memtop_growth_low_bytes_per_second") == ci?.low)
    #expect(gauge("memtop_growth_high_bytes_per_second") == ci?.high)
    #expect(text.contains("memtop_verdict{pid=\"9\",comm=\"leaky\",verdict=\"leak\"} 1\n"))
    #expect(text.contains("memtop_verdict{pid=\"9\",comm=\"leaky\",verdict=\"inconclusive\"} 0\n"))

    // Flat: not suspected, and no time to limit.
    var flat = Timeline()
    for i in 0..<600 {
      flat.append(
        MemorySample(timeUnix: Double(i), elapsed: Double(i), pid: 9, rss: 300_000_000 + UInt64(i % 3) * 4096))
    }
    exposition.analysis = RecordingAnalysis(timeline: flat, limit: MemoryLimit(bytes: 4 << 30, source: .user))
    #expect(exposition.text.contains("memtop_leak_suspected{pid=\"9\",comm=\"leaky\"} 0\n"))
    #expect(!exposition.text.contains("memtop_time_to_limit_seconds"))
  }
}
