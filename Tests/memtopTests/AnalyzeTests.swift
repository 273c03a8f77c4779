import Foundation
import MemtopTestSupport
import Testing

/// `memtop analyze` on recordings: errors, the JSON contract, and `--fail-on-leak`.
@Suite("memtop analyze")
struct AnalyzeTests {
  /// Writes a recording whose RSS follows `rss(t)` at 0.5 s for `seconds`.
  static func recording(seconds: Double = 120, _ rss: (Double) -> Double) throws -> String {
    var text =
      "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,heap_bytes,file_bytes,shmem_bytes,swap_bytes,brk_heap_bytes,peak_rss_bytes,pss_bytes,uss_bytes,swap_pss_bytes,marker\n"
    var t = 0.0
    var noise: UInt64 = 12345
    while t <= seconds {
      noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let jitter = Double(noise >> 40) / Double(1 << 24) * 2e6  // 0…2 MB of noise
      let value = UInt64(rss(t) + jitter) / 4096 * 4096
      text += "\(1_764_000_000 + t),\(t),4242,\(value),\(value - 50_000_000),\(value - 60_000_000),,,,,,,,,\n"
      t += 0.5
    }
    let path = try Scratch.directory(anyoneMayWrite: true) + "/rec.csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("JSON: stable key names, a leak verdict, rates in bytes per second")
  func jsonLeak() throws {
    let path = try Self.recording { 300e6 + 1e6 * $0 }  // 1 MB/s
    let result = try MemtopRunner.run(["analyze", path, "--json", "--limit", "2G"])
    #expect(result.status == 0)
    let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["verdict"] as? String == "leak")
    // The verdict rests on RSS, the first series judged: nothing more to say why.
    #expect(object["judged_on"] as? String == "rss")
    #expect(object["basis"] is NSNull)
    let metrics = try #require(object["metrics"] as? [String: [String: Any]])
    #expect(Set(metrics.keys) == ["rss", "anon", "heap"])
    for (name, metric) in metrics {
      for key in [
        "verdict", "slope_bytes_per_s", "slope_ci_bytes_per_s", "p_value", "confidence", "explanation",
        "time_to_limit_s",
        "steps", "plateau", "leak_threshold_bytes_per_s", "more_seconds_needed", "onset_s",
      ] {
        #expect(metric.keys.contains(key), "\(name) lacks \(key)")
      }
    }
    let rss = try #require(metrics["rss"])
    #expect(rss["verdict"] as? String == "leak")
    let slope = try #require(rss["slope_bytes_per_s"] as? Double)
    #expect(abs(slope - 1e6) / 1e6 < 0.1)
    let ci = try #require(rss["slope_ci_bytes_per_s"] as? [Double])
    #expect(ci.count == 2 && ci[0] <= slope && slope <= ci[1])
    // 2 GiB minus ~420 MB at 1 MB/s: roughly half an hour.
    let ttl = try #require(rss["time_to_limit_s"] as? Double)
    #expect(ttl > 1200 && ttl < 2400)
  }

  @Test("a flat recording is not a leak, and --fail-on-leak leaves the status at 0")
  func flat() throws {
    let path = try Self.recording { _ in 500e6 }
    let result = try MemtopRunner.run(["analyze", path, "--json", "--fail-on-leak"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("\"verdict\":\"stable\""))
  }

  @Test("a short noisy recording is inconclusive, saying what could hide and how long to watch")
  func inconclusive() throws {
    let path = try Self.recording(seconds: 30) { 200e6 + 15e6 * sin($0 * 2.3) * cos($0 * 0.37) }
    let result = try MemtopRunner.run(["analyze", path, "--json", "--fail-on-leak"])
    #expect(result.status == 0)
    let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["verdict"] as? String == "inconclusive", "\(result.stdout)")
    let metrics = try #require(object["metrics"] as? [String: [String: Any]])
    let rss = try #require(metrics["rss"])
    #expect(rss["verdict"] as? String == "inconclusive")
    let ci = try #require(rss["slope_ci_bytes_per_s"] as? [Double])
    let threshold = try #require(rss["leak_threshold_bytes_per_s"] as? Double)
    #expect(ci[1] >= threshold)
    #expect((rss["more_seconds_needed"] as? Double ?? 0) > 0)
    let explanation = rss["explanation"] as? String ?? ""
    #expect(
      explanation.contains("could hide a trend up to") || explanation.contains("cannot yet rule out a trend up to"),
      "\(explanation)")
    let text = try MemtopRunner.run(["analyze", path]).stdout
    #expect(text.contains("verdict: INCONCLUSIVE") && !text.contains("confidence"), "\(text)")
  }

  @Test("--fail-on-leak exits 10 on a leak; the human report names the verdict")
  func failOnLeak() throws {
    let path = try Self.recording { 300e6 + 1e6 * $0 }
    let result = try MemtopRunner.run(["analyze", path, "--fail-on-leak"])
    #expect(result.status == 10)
    #expect(result.stdout.contains("verdict: LEAK"))
    #expect(result.stdout.contains("consistent with a leak"))
  }

  struct BadInput: CustomTestStringConvertible, Sendable {
    var id: String
    var content: String?
    var extra: [String] = []
    var status: Int32
    var message: String
    var testDescription: String { id }
  }

  static let badInputs: [BadInput] = [
    BadInput(
      id: "missing file", content: nil, status: 1,
      message: "memtop: cannot read 'FILE': no such file; give the path of a CSV written by memtop record"),
    BadInput(
      id: "empty file", content: "", status: 1,
      message: "memtop: FILE: the file is empty; expected a header starting with time_unix_s,elapsed_s,pid"),
    BadInput(
      id: "header only", content: "elapsed_s,rss_bytes\n", status: 1,
      message: "memtop: FILE:2: no samples after the header; record for longer"),
    BadInput(
      id: "not a recording", content: "name,age\nbob,3\n", status: 1,
      message:
        "memtop: FILE:1: no elapsed_s or time_unix_s column; is this a memtop recording? (header starts 'name,age')"),
    BadInput(
      id: "garbage value", content: "elapsed_s,rss_bytes\n0,100\n0.5,1e9x\n", status: 1,
      message: "memtop: FILE:3: rss_bytes is '1e9x', not a whole number of bytes"),
    BadInput(
      id: "short row", content: "elapsed_s,pid,rss_bytes\n0,1,100\n0.5,1\n", status: 1,
      message: "memtop: FILE:3: 2 fields where the header has 3 (truncated or mixed-up row)"),
    BadInput(
      id: "bad limit", content: "elapsed_s,rss_bytes\n0,1\n", extra: ["--limit", "lots"], status: 64,
      message:
        "memtop: --limit 'lots' is not a size; give bytes with an optional K, M, G or T suffix, e.g. --limit 2G (see 'memtop analyze --help')"
    ),
  ]

  @Test("bad input: one line with file:line, non-zero status", arguments: badInputs)
  func badInput(_ c: BadInput) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let path = dir + "/in.csv"
    if let content = c.content { try content.write(toFile: path, atomically: true, encoding: .utf8) }
    let result = try MemtopRunner.run(["analyze", path] + c.extra)
    #expect(result.status == c.status)
    #expect(result.stderr == c.message.replacingOccurrences(of: "FILE", with: path) + "\n")
    #expect(result.stdout.isEmpty)
  }
}
