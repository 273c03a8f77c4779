import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop serve`: its arguments, its textfile, the shipped alerting rules under promtool, and
/// a real Prometheus scraping it with those rules while a leaking child and benign ones run.
@Suite("memtop serve")
struct ServeTests {
  static let rulesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy/prometheus").path

  @Test(
    "argument errors are one line, quoting the value and the fix",
    arguments: [
      ([String](), "needs somewhere to put the metrics", Int32(64)),
      (["--metrics-listen", "10.1.2.3:9464"], "is not a loopback address", 64),
      (["--metrics-listen", "nonsense"], "is not an address", 64),
      (["--prom-textfile", "/tmp/x.prom", "--metrics-allow-remote"], "only applies with --metrics-listen", 64),
      (["--metrics-listen", "0", "--top", "0"], "--top 0 is out of range", 64),
      (["--metrics-listen", "0", "--max-series", "3"], "--max-series 3 is too small", 64),
      (["--metrics-listen", "0", "--interval", "0"], "--interval 0.0 is out of range", 64),
      (["--metrics-listen", "0", "--proc-root", "/etc"], "--proc-root '/etc' is not a proc filesystem", 64),
      (["--metrics-listen", "0", "--confirm-after", "-1"], "--confirm-after -1.0 is out of range", 64),
      (["--prom-textfile", "/nonexistent-dir/x.prom"], "cannot write '/nonexistent-dir/x.prom'", 1),
      (["--metrics-listen", "0", "--state-file", "/nonexistent-dir/s"], "cannot write '/nonexistent-dir/s'", 1),
    ])
  func errors(_ arguments: [String], _ message: String, _ status: Int32) throws {
    let result = try MemtopRunner.run(["serve"] + arguments + ["--duration", "1"])
    #expect(result.status == status, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
  }

  @Test(
    "--prom-textfile: every process of this host judged, the host gauges, promtool check metrics passes",
    .enabled(if: PrometheusTests.havePromtool, "promtool is not installed (scripts/bootstrap installs it)"))
  func textfile() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let textfile = dir + "/radar.prom"
    let result = try MemtopRunner.run([
      "serve", "--prom-textfile", textfile, "--interval", "0.5", "--duration", "4", "--top", "5",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let text = try String(contentsOfFile: textfile, encoding: .utf8)
    let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }.count
    let judged = try #require(
      text.split(separator: "\n").first { $0.hasPrefix("memtop_processes_judged ") }.flatMap {
        Int($0.split(separator: " ")[1])
      })
    // Every process with user memory: kernel threads are left out, so fewer than /proc lists.
    #expect(judged > 3 && judged <= processes + 50, "judged \(judged) of \(processes)")
    for gauge in [
      "memtop_processes_leak_suspected ", "memtop_processes_exported ", "memtop_self_cpu_seconds_total ",
      "memtop_self_resident_bytes ", "memtop_scrape_duration_seconds ",
    ] {
      #expect(text.contains("\n" + gauge), "\(gauge)")
    }
    let exported = text.split(separator: "\n").filter { $0.hasPrefix("memtop_process_rss_bytes{") }
    #expect(exported.count <= 5)
    let check = try MemtopRunner.spawn(["promtool", "check", "metrics"], stdin: textfile)
    #expect(check.wait(timeout: 60) == 0, "\(check.stdout) \(check.stderr)")
  }

  @Test(
    "--state-file: written 0600 with each lifetime's readings, resumed by the next run, a foreign file never replaced")
  func stateFile() throws {
    let dir = try Scratch.directory()
    let state = dir + "/radar.state"
    let sleeper = try MemtopRunner.spawn(["sleep", "120"])
    defer { sleeper.stop() }
    let first = try MemtopRunner.run([
      "serve", "--prom-textfile", dir + "/radar.prom", "--state-file", state, "--interval", "0.2", "--duration", "4",
    ])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(!first.stderr.contains("resumed"), "\(first.stderr)")
    var info = stat()
    #expect(stat(state, &info) == 0 && info.st_mode & 0o777 == 0o600)
    let text = try String(contentsOfFile: state, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.first == "memtop serve state 1")
    #expect(lines.last?.hasPrefix("end ") == true)
    #expect(lines.contains { $0.hasPrefix("p \(sleeper.pid) ") && $0.split(separator: " ").count > 3 }, "\(text)")
    let second = try MemtopRunner.run([
      "serve", "--prom-textfile", dir + "/radar.prom", "--state-file", state, "--interval", "0.2", "--duration", "1",
    ])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("resumed the judged history of "), "\(second.stderr)")
    // A file that is not a state file is refused, in one line, and left as it was.
    let foreign = dir + "/notes.txt"
    try "my notes\n".write(toFile: foreign, atomically: true, encoding: .utf8)
    let refused = try MemtopRunner.run([
      "serve", "--prom-textfile", dir + "/radar.prom", "--state-file", foreign, "--duration", "1",
    ])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("is not a memtop serve state file"), "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "my notes\n")
    // A FIFO would block a reader: refused at once, not read.
    let fifo = dir + "/state.fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let blocked = try MemtopRunner.run(
      ["serve", "--prom-textfile", dir + "/radar.prom", "--state-file", fifo, "--duration", "1"], timeout: 60)
    #expect(blocked.status == 1)
    #expect(blocked.stderr.contains("is not a regular file"), "\(blocked.stderr)")
  }

  @Test(
    "promtool check rules and promtool test rules pass on the shipped rules",
    .enabled(if: PrometheusTests.havePromtool, "promtool is not installed (scripts/bootstrap installs it)"))
  func rules() throws {
    let out = try Scratch.directory(anyoneMayWrite: true) + "/promtool"
    let check = try MemtopRunner.runTool(
      ["promtool", "check", "rules", Self.rulesDirectory + "/memtop.rules.yml"], output: out)
    #expect(check == 0, "\((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
    let test = try MemtopRunner.runTool(
      ["promtool", "test", "rules", Self.rulesDirectory + "/memtop.rules.test.yml"], output: out)
    let said = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    #expect(test == 0 && said.contains("SUCCESS"), "\(said)")
  }

  // MARK: - End to end

  /// One script, four behaviours: a leak (about 20 MB/min, for ever), idle, a warm-up that
  /// levels off, and a sawtooth that fills and releases a mapping.
  static let childScript = """
    import mmap, sys, time
    mode = sys.argv[1]
    if mode == 'leak':
        kept = []
        while True:
            kept.append(b'x' * 65536)
            time.sleep(0.2)
    elif mode == 'idle':
        b = bytearray(b'\\x01') * (40 << 20)
        while True:
            time.sleep(1)
    elif mode == 'warmup':
        kept = []
        for _ in range(60):
            kept.append(bytearray(b'\\x01') * (1 << 20))
            time.sleep(0.25)
        while True:
            time.sleep(1)
    elif mode == 'sawtooth':
        while True:
            m = mmap.mmap(-1, 40 << 20)
            for i in range(10):
                m[i << 22:(i + 1) << 22] = b'\\x01' * (4 << 20)
                time.sleep(0.5)
            m.close()
            time.sleep(1)
    """

  /// Starts Prometheus on a free-looking loopback port with `config`; nil when it would not start.
  static func startPrometheus(config: String, dir: String) throws -> (TestProcess, Int)? {
    for attempt in 0..<5 {
      let port = Int.random(in: 20000...60000)
      let started = try MemtopRunner.spawn([
        "prometheus", "--config.file=\(config)", "--storage.tsdb.path=\(dir)/data-\(attempt)",
        "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
      ])
      let ready = try PrometheusTests.waitFor(90) {
        try started.wait(timeout: 0) != nil
          || PrometheusTests.fetch("http://127.0.0.1:\(port)/-/ready").contains("Ready")
      }
      if ready && started.wait(timeout: 0) == nil { return (started, port) }
      started.signal(SIGTERM)
      started.wait(timeout: 30)
    }
    return nil
  }

  /// The `result` of a Prometheus instant query: each series' labels and value.
  static func query(_ port: Int, _ promql: String) throws -> [(labels: [String: String], value: Double)] {
    let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    let body = try PrometheusTests.fetch("http://127.0.0.1:\(port)/api/v1/query?query=\(encoded)")
    guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
      let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
    else { return [] }
    return result.compactMap { entry in
      guard let labels = entry["metric"] as? [String: String], let pair = entry["value"] as? [Any],
        let text = pair.last as? String, let value = Double(text)
      else { return nil }
      return (labels, value)
    }
  }

  @Test(
    "a real Prometheus with the shipped rules alerts MemtopProcessLeak for a leaking child, never for idle, warm-up or sawtooth ones",
    .enabled(
      if: PrometheusTests.havePrometheus,
      "prometheus is not installed (scripts/bootstrap installs Debian's prometheus package)"),
    .timeLimit(.minutes(25)))
  func alertEndToEnd() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let script = dir + "/child.py"
    try Self.childScript.write(toFile: script, atomically: true, encoding: .utf8)
    var children: [String: TestProcess] = [:]
    defer {
      for child in children.values {
        child.signal(SIGKILL)
        child.wait(timeout: 10)
      }
    }
    for mode in ["leak", "idle", "warmup", "sawtooth"] {
      children[mode] = try MemtopRunner.spawn(["python3", script, mode])
    }
    let pid = { (mode: String) in children[mode].map { String($0.pid) } ?? "" }

    // Every process exported (this test's children must be among them to be judged).
    let memtop = try MemtopRunner.start([
      "serve", "--metrics-listen", "127.0.0.1:0", "--top", "1000", "--max-series", "20000", "--confirm-after", "60",
    ])
    defer {
      memtop.signal(SIGTERM)
      memtop.wait(timeout: 30)
    }
    #expect(
      PrometheusTests.waitFor(60) { PrometheusTests.servedAddress(memtop) != nil }, "memtop: \(memtop.stderr)")
    let address = try #require(PrometheusTests.servedAddress(memtop))

    let config = dir + "/prometheus.yml"
    try """
    global:
      scrape_interval: 1s
      evaluation_interval: 1s
    rule_files:
      - \(Self.rulesDirectory)/memtop.rules.yml
    scrape_configs:
      - job_name: memtop
        static_configs:
          - targets: ['\(address)']
    """.write(toFile: config, atomically: true, encoding: .utf8)
    let (prometheus, port) = try #require(
      try Self.startPrometheus(config: config, dir: dir), "prometheus did not start")
    defer {
      prometheus.signal(SIGTERM)
      prometheus.wait(timeout: 30)
    }

    // The analysis needs a few dozen readings, its alert two leak verdicts in a row and growth
    // that lasted a minute (--confirm-after 60), and the rule two minutes on top: wait up to
    // 12 minutes for the leaker's alert to fire.
    var firing: [(labels: [String: String], value: Double)] = []
    let fired = try PrometheusTests.waitFor(720) {
      firing = try Self.query(
        port, "ALERTS{alertname=\"MemtopProcessLeak\",alertstate=\"firing\",pid=\"\(pid("leak"))\"}")
      return !firing.isEmpty
    }
    let suspected = try Self.query(port, "memtop_process_leak_suspected")
      .filter { $0.value == 1 }.map { "\($0.labels["pid"] ?? "") \($0.labels["command"] ?? "")" }
    #expect(
      fired,
      "no firing alert for the leaker (pid \(pid("leak"))); leak-suspected now: \(suspected); memtop: \(memtop.stderr)")
    let alert = try #require(firing.first?.labels)
    #expect(alert["command"] == "python3 child.py leak", "\(alert)")
    #expect(alert["user"] == String(cString: getpwuid(getuid()).pointee.pw_name), "\(alert)")
    #expect(alert["cgroup"]?.hasPrefix("/") == true, "\(alert)")
    #expect(alert["severity"] == "warning" && alert["job"] == "memtop", "\(alert)")

    // Where it grows: the detailed reads given to leak-suspected processes (64 KiB bytes
    // objects come from glibc's main arena, the brk heap).
    // They run under a small CPU budget, so the kind may come a few minutes after the alert.
    var kind: [(labels: [String: String], value: Double)] = []
    _ = try PrometheusTests.waitFor(420) {
      kind = try Self.query(port, "memtop_process_growth_kind{pid=\"\(pid("leak"))\"}")
      return !kind.isEmpty
    }
    #expect(kind.first?.labels["kind"] == "brk_heap", "\(kind)")

    // The benign children were scraped and judged all along (so their silence means something)…
    for mode in ["idle", "warmup", "sawtooth"] {
      let rss = try Self.query(port, "memtop_process_rss_bytes{pid=\"\(pid(mode))\"}")
      // The sawtooth may be caught just after it released its mapping: above the interpreter alone.
      #expect(rss.count == 1 && (rss.first?.value ?? 0) > 5_000_000, "\(mode): \(rss)")
      let judged = try Self.query(port, "memtop_process_growth_bytes_per_second{pid=\"\(pid(mode))\"}")
      #expect(judged.count == 1, "\(mode) was never judged: \(judged)")
    }
    // …and none of them ever had the alert, pending or firing, over the whole run.
    let benign = ["idle", "warmup", "sawtooth"].map(pid).joined(separator: "|")
    let everAlerted = try Self.query(
      port, "max_over_time(ALERTS{alertname=\"MemtopProcessLeak\",pid=~\"\(benign)\"}[30m])")
    #expect(everAlerted.isEmpty, "benign children alerted: \(everAlerted.map(\.labels))")
    for (mode, child) in children { #expect(child.wait(timeout: 0) == nil, "\(mode) child died early") }
  }
}
