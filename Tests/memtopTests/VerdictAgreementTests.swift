import Foundation
import MemtopCore
import MemtopTestSupport
import Testing

@testable import MemtopTUI

#if canImport(Glibc)
import Glibc
import MemtopSampling
#endif

/// The verdict has one source, the watch session: every surface renders it and none judges
/// on its own.
@Suite("One verdict on every surface")
struct VerdictAgreementTests {
  /// A master forking a worker that leaks `leakKiB` KiB every 0.1 s (about 300 KB/s by
  /// default) and a steady one; each writes its pid to a file in `dir` (`leaker`, `steady`,
  /// `master`).
  static func treeScript(in dir: String, leakKiB: Int = 30) -> String {
    """
    import os, time
    def leak():
        held = []
        while True:
            held.append(bytearray(b'\\x01') * (\(leakKiB) << 10))
            time.sleep(0.1)
    def steady():
        b = bytearray(b'\\x01') * (20 << 20)
        while True:
            time.sleep(1)
    pids = []
    for work, name in ((leak, 'leaker'), (steady, 'steady')):
        pid = os.fork()
        if pid == 0:
            work()
        open('\(dir)/' + name, 'w').write(str(pid))
        pids.append(pid)
    open('\(dir)/master', 'w').write(str(os.getpid()))
    for pid in pids:
        os.waitpid(pid, 0)
    """
  }

  static func pid(in path: String) -> Int32? {
    (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0) }
  }

  @Test(
    "a tree with one leaking worker: the live banner (app loop, test backend), record's closing line, the Prometheus text and plot all say leak and name the worker",
    .timeLimit(.minutes(7)))
  func leakingWorkerOnEverySurface() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let tree = try MemtopRunner.spawn(["python3", "-c", Self.treeScript(in: dir)])
    #expect(
      MemtopRunner.waitUntil(timeout: 30) { Self.pid(in: dir + "/master") != nil }, "the tree never started")
    let master = try #require(Self.pid(in: dir + "/master"))
    let leaker = try #require(Self.pid(in: dir + "/leaker"))
    let steady = try #require(Self.pid(in: dir + "/steady"))
    defer {
      for pid in [leaker, steady, master] { kill(pid, SIGKILL) }
      tree.wait(timeout: 10)
    }
    let worker = "worker \(leaker) ("

    // record, serving the metrics and keeping the textfile, runs beside the live view.
    let csv = dir + "/tree.csv"
    let prom = dir + "/tree.prom"
    let record = try MemtopRunner.start([
      "record", "--pid", String(master), "--children", "--per-process", "-i", "0.1", "--duration", "40", "-o", csv,
      "--metrics-listen", "127.0.0.1:0", "--prom-textfile", prom,
    ])
    defer { record.signal(SIGINT) }

    // (a) The real app loop over the session, drawn on the test backend: the banner.
    var config = MonitorConfiguration(target: .attach(master), interval: 0.1)
    config.children = true
    let watch = try MonitorApp.startWatch(config)
    let terminal = TestTerminal(width: 160, height: 40)
    let context = AppContext(
      clock: SystemClock(), mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let screen = ChartScreen(
      live: WatchSource(watch), session: MonitorApp.session(for: watch, interval: 0.1), config: config)
    let app = AppLoop(root: screen, backend: terminal, context: context)
    // (c) Meanwhile the endpoint: the combined verdict and the member gauge, scraped once a
    // second until they say leak.
    var scraped = ""
    let member = "memtop_member_leak_suspected{pid=\"\(leaker)\",command=\"python3 -c "
    let leakGauge = "memtop_verdict{"
    func scrapedLeak() -> Bool {
      Self.value(of: member, in: scraped) == "1"
        && Self.value(of: leakGauge, labelled: "verdict=\"leak\"", in: scraped) == "1"
    }
    var lastScrape = Date.distantPast
    // The banner says LEAK once the worker's growth has lasted VerdictPolicy.Live.confirmSeconds
    // (amber "a leak, or a cache still filling" before that).
    let deadline = Date().addingTimeInterval(VerdictPolicy.Live.confirmSeconds + 120)
    var banner = ""
    var verdict: SessionVerdict?
    while Date() < deadline {
      if !(banner.contains("LEAK") && banner.contains(worker)) {
        app.pump()
        app.draw()
        // The banner (as many rows as it needs) and the status bar.
        banner = terminal.lines.suffix(1 + VerdictBanner.maximumRows).joined(separator: "\n")
        verdict = watch.latestVerdict
      }
      if !scrapedLeak(), Date().timeIntervalSince(lastScrape) >= 1, let address = PrometheusTests.servedAddress(record)
      {
        lastScrape = Date()
        scraped = try PrometheusTests.fetch("http://\(address)/metrics")
      }
      if banner.contains("LEAK") && banner.contains(worker) && scrapedLeak() { break }
      usleep(50_000)
    }
    app.send(.key(.character("q")))
    _ = app.finish()
    #expect(banner.contains("LEAK") && banner.contains(worker), "the banner: \(banner)")
    #expect(!banner.contains("worker \(steady) ("))
    #expect(verdict?.verdict == .leak)
    #expect(verdict?.members.first { $0.pid == leaker }?.alertRaised == true)
    #expect(scrapedLeak(), "the endpoint said: \(scraped)")
    #expect(Self.value(of: "memtop_member_leak_suspected{pid=\"\(steady)\"", in: scraped) == "0")

    // (b) record's closing line.
    #expect(record.wait(timeout: 120) == 0, "\(record.stderr)")
    let closing =
      record.stderr.split(separator: "\n").first { $0.hasPrefix("memtop: verdict: ") }.map(String.init) ?? ""
    #expect(closing.hasPrefix("memtop: verdict: leak") && closing.contains(worker), "record said: \(record.stderr)")
    #expect(!closing.contains("worker \(steady) ("))

    // (c) The textfile holds the final verdict.
    let text = (try? String(contentsOfFile: prom, encoding: .utf8)) ?? ""
    #expect(Self.value(of: member, in: text) == "1", "the textfile: \(text); record said: \(record.stderr)")
    #expect(Self.value(of: "memtop_verdict{", labelled: "verdict=\"leak\"", in: text) == "1")

    // (d) plot of the --per-process file judges it through the same policy.
    let svg = dir + "/tree.svg"
    let plot = try MemtopRunner.run(["plot", csv, "-o", svg])
    #expect(plot.status == 0, "\(plot.stderr)")
    #expect(plot.stderr.contains("(verdict: leak") && plot.stderr.contains(worker), "plot said: \(plot.stderr)")
    let drawn = (try? String(contentsOfFile: svg, encoding: .utf8)) ?? ""
    let heading = drawn.split(separator: "\n").first { $0.contains("id=\"verdict\"") }.map(String.init) ?? ""
    #expect(heading.contains("verdict: leak") && heading.contains(worker), "the SVG's heading: \(heading)")
  }

  /// The value of the first exposition line that starts with `prefix` (and holds `label`).
  static func value(of prefix: String, labelled label: String = "", in text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix(prefix) && (label.isEmpty || $0.contains(label)) }?.split(
      separator: " "
    ).last.map(
      String.init)
  }
}
