import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record --metrics-listen` scraped by a real Prometheus server on loopback, and
/// `--prom-textfile` checked by Prometheus's own linter.
@Suite("Prometheus export")
struct PrometheusTests {
  static let havePrometheus = FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
  static let havePromtool = FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")

  /// Fetches `url` with Python's urllib (no shell); returns the body, or "" on failure.
  static func fetch(_ url: String) throws -> String {
    let script = """
      import sys, urllib.request
      try:
          print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
      except Exception as e:
          print('fetch failed:', e)
      """
    let out = try Scratch.directory(anyoneMayWrite: true) + "/fetch"
    _ = try MemtopRunner.runTool(["python3", "-c", script, url], output: out)
    return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
  }

  /// Waits up to `timeout` seconds for `condition`, polling every half second.
  static func waitFor(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return true }
      usleep(500_000)
    }
    return try condition()
  }

  /// The `HOST:PORT` memtop printed it serves metrics on.
  static func servedAddress(_ memtop: TestProcess) -> String? {
    guard let range = memtop.stderr.range(of: "serving metrics on http://") else { return nil }
    let rest = memtop.stderr[range.upperBound...]
    guard let end = rest.range(of: "/metrics") else { return nil }
    return String(rest[..<end.lowerBound])
  }

  @Test(
    "Prometheus on loopback scrapes memtop and its API returns memtop_rss_bytes close to VmRSS",
    .enabled(if: havePrometheus, "prometheus is not installed (scripts/bootstrap installs Debian's prometheus package)")
  )
  func scrapedByPrometheus() throws {
    let target = try IdleTarget(megabytes: 60)
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let memtop = try MemtopRunner.start([
      "record", "--pid", "\(target.pid)", "--interval", "0.5", "--output", dir + "/rec.csv",
      "--metrics-listen", "127.0.0.1:0",
    ])
    defer { memtop.signal(SIGINT) }
    #expect(
      Self.waitFor(60) { Self.servedAddress(memtop) != nil }, "memtop never said where it serves: \(memtop.stderr)")
    let address = try #require(Self.servedAddress(memtop))
    #expect(address.hasPrefix("127.0.0.1:"))

    // Prometheus with a private config and data folder, on a random free-looking port,
    // retried if that port turns out to be taken.
    let config = dir + "/prometheus.yml"
    try """
    global:
      scrape_interval: 1s
      evaluation_interval: 1s
    scrape_configs:
      - job_name: memtop
        static_configs:
          - targets: ['\(address)']
    """.write(toFile: config, atomically: true, encoding: .utf8)
    var prometheus: TestProcess?
    var apiPort = 0
    for attempt in 0..<5 {
      apiPort = Int.random(in: 20000...60000)
      let started = try MemtopRunner.spawn([
        "prometheus", "--config.file=\(config)", "--storage.tsdb.path=\(dir)/data-\(attempt)",
        "--web.listen-address=127.0.0.1:\(apiPort)", "--log.level=warn",
      ])
      let ready = try Self.waitFor(60) {
        try started.wait(timeout: 0) != nil || (Self.fetch("http://127.0.0.1:\(apiPort)/-/ready")).contains("Ready")
      }
      if ready && started.wait(timeout: 0) == nil {
        prometheus = started
        break
      }
      started.signal(SIGTERM)
      started.wait(timeout: 30)
    }
    let server = try #require(prometheus, "prometheus did not start on loopback")
    defer {
      server.signal(SIGTERM)
      server.wait(timeout: 30)
    }

    // Wait generously for a scrape to land, then compare with the kernel's own figure.
    let query = "http://127.0.0.1:\(apiPort)/api/v1/query?query=memtop_rss_bytes"
    var body = ""
    let scraped = try Self.waitFor(120) {
      body = try Self.fetch(query)
      return body.contains("\"result\":[{")
    }
    #expect(scraped, "no memtop_rss_bytes in Prometheus: \(body.prefix(500)); memtop: \(memtop.stderr)")
    let object = try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    let data = try #require(object["data"] as? [String: Any])
    let result = try #require((data["result"] as? [[String: Any]])?.first)
    let labels = try #require(result["metric"] as? [String: String])
    #expect(labels["pid"] == "\(target.pid)")
    #expect(labels["comm"] == "python3")
    #expect(labels["job"] == "memtop")
    let value = try #require((result["value"] as? [Any])?.last as? String).flatMap(Double.init)
    let rss = try #require(target.vmRSS())
    let scrapedRSS = try #require(value)
    #expect(abs(scrapedRSS - rss) / rss < 0.1, "Prometheus has \(scrapedRSS), VmRSS is \(rss)")

    // The analyzer's series arrive too.
    let leak = try Self.fetch("http://127.0.0.1:\(apiPort)/api/v1/query?query=memtop_leak_suspected")
    #expect(leak.contains("\"result\":[{"), "\(leak.prefix(300))")
  }

  @Test(
    "--prom-textfile is replaced atomically, passes promtool check metrics, escapes comm",
    .enabled(if: havePromtool, "promtool is not installed"))
  func textfile() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    // A command whose name (comm) needs escaping: Python under a name with a quote and a
    // backslash, through a symbolic link to the real interpreter.
    let located = dir + "/python"
    _ = try MemtopRunner.runTool(
      ["python3", "-c", "import os, sys; print(os.path.realpath(sys.executable), end='')"], output: located)
    let python = try String(contentsOfFile: located, encoding: .utf8)
    try FileManager.default.removeItem(atPath: located)
    let script = dir + "/we\"ird\\name"
    try FileManager.default.createSymbolicLink(atPath: script, withDestinationPath: python)
    let textfile = dir + "/memtop.prom"
    let result = try MemtopRunner.run([
      "record", "--interval", "0.2", "--duration", "3", "--output", dir + "/rec.csv", "--prom-textfile", textfile, "--",
      script, "-c", "import time; b = bytearray(20 << 20); time.sleep(60)",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let text = try String(contentsOfFile: textfile, encoding: .utf8)
    #expect(text.contains("# TYPE memtop_rss_bytes gauge"))
    // The name as /proc/PID/status gives it (the kernel writes a backslash as \\), then
    // escaped for the label: the quote as \" and each backslash as \\.
    #expect(text.contains("comm=\"we\\\"ird\\\\\\\\name\""), "\(text.prefix(400))")
    #expect(text.contains("memtop_leak_suspected{"))
    // Only the file itself is left: no temporary files beside it.
    #expect(
      Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == ["memtop.prom", "rec.csv", "we\"ird\\name"])
    // promtool reads the exposition on standard input.
    let check = try MemtopRunner.spawn(["promtool", "check", "metrics"], stdin: textfile)
    #expect(check.wait(timeout: 60) == 0, "\(check.stdout) \(check.stderr)")
  }

  @Test(
    "export errors are one line",
    arguments: [
      (["--metrics-listen", "10.1.2.3:9464"], "is not a loopback address", Int32(64)),
      (["--metrics-listen", "nonsense"], "is not an address", Int32(64)),
      (["--metrics-allow-remote"], "only applies with --metrics-listen", Int32(64)),
      (["--prom-textfile", "/nonexistent-dir/x.prom"], "cannot write '/nonexistent-dir/x.prom'", Int32(1)),
    ])
  func errors(_ extra: [String], _ message: String, _ status: Int32) throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(
      ["record", "--pid", "\(getpid())", "--duration", "1", "--output", dir + "/x.csv"] + extra)
    #expect(result.status == status)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
  }

  static let haveIPv6Loopback =
    (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8))?.contains(" lo") ?? false

  @Test(
    "a bare port binds 127.0.0.1; a bracketed IPv6 loopback address binds ::1",
    arguments: [
      ("0", "http://127.0.0.1:"),
      ("localhost:0", "http://127.0.0.1:"),
      ("[::1]:0", "http://[::1]:"),
    ])
  func addresses(_ listen: String, _ served: String) throws {
    if listen.hasPrefix("[") && !Self.haveIPv6Loopback { return }  // no IPv6 on this host
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run([
      "record", "--pid", "\(getpid())", "--duration", "1", "--output", dir + "/x.csv", "--metrics-listen", listen,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("memtop: serving metrics on \(served)"), "\(result.stderr)")
  }

  @Test("a taken port is one clear error before anything is recorded")
  func portTaken() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let first = try MemtopRunner.start([
      "record", "--pid", "\(getpid())", "--output", dir + "/a.csv", "--metrics-listen", "127.0.0.1:0",
    ])
    defer {
      first.signal(SIGINT)
      first.wait(timeout: 30)
    }
    #expect(Self.waitFor(60) { Self.servedAddress(first) != nil })
    let address = try #require(Self.servedAddress(first))
    let second = try MemtopRunner.run([
      "record", "--pid", "\(getpid())", "--output", dir + "/b.csv", "--metrics-listen", address,
    ])
    #expect(second.status == 1)
    #expect(
      second.stderr
        == "memtop: cannot serve metrics on \(address): Address already in use; choose another port (or 0 for any free one)\n",
      "\(second.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/b.csv"))
  }
}
