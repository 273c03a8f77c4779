import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record --children` end to end, against a real multiprocessing pool.
@Suite("memtop record --children", .serialized)
struct TreeTests {
  /// A pool of 4 workers, each holding 50 MB of touched memory until the recording ends (the
  /// test kills them then); each worker creates `DIR/ready-PID` once its memory is in place.
  /// Whether `row`'s detailed figures were read (not carried from a reading) after `time`,
  /// Unix seconds.
  static func readAfter(_ time: Double, _ row: MemorySample) -> Bool {
    row.timeUnix - Double(row.detailAge ?? 0) / 1000 > time + 0.05
  }

  static func poolScript(readyDir: String) -> String {
    """
    import multiprocessing as mp, os, time
    def hold(_):
        block = bytearray(b'\\x01') * (50 << 20)
        open(os.path.join('\(readyDir)', 'ready-%d' % os.getpid()), 'w').close()
        time.sleep(60)
        return len(block)
    if __name__ == '__main__':
        with mp.Pool(4) as pool:
            print(sum(pool.map(hold, range(4), chunksize=1)), flush=True)
    """
  }

  /// `Pss` of one process from its `smaps_rollup`, bytes, read here rather than by memtop.
  static func pss(of pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
      let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
    else { return nil }
    return kib * 1024
  }

  /// The total rows of the recording so far (whole lines only: it is still being written).
  static func totals(in path: String) -> [MemorySample] {
    guard var text = try? String(contentsOfFile: path, encoding: .utf8), let end = text.lastIndex(of: "\n") else {
      return []
    }
    text = String(text[...end])
    return (try? RecordingReader.mainSeries(RecordingReader(path: path).read(text))) ?? []
  }

  /// This test is about how a tree's PSS is summed, not about when PSS is read: the CPU
  /// budget and the stall cap pace the `smaps_rollup` sweeps by their measured wall time,
  /// which a loaded machine stretches (a sweep preempted for 50 ms waits 10 s for the next),
  /// so with the defaults a fixed 10 s recording could end with no sweep after the workers
  /// were ready. The pacing has its own tests (`DetailScheduleTests`); here every tick may
  /// sweep, and the recording runs until a total with PSS has arrived.
  @Test("a pool of 4 × 50 MB: the tree's PSS total is within 10 % of the workers' PSS; summed RSS over-counts")
  func poolPSS() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/t.csv"
    let running = try MemtopRunner.start(
      [
        // Detailed reads on every sweep the budget allows (`--detail-max-age 0`): by default a
        // tree whose sizes hold is read again only after 60 s, and the workers may finish
        // filling just after a read.
        "record", "--children", "--per-process", "--interval", "0.2", "--budget", "100", "--max-stall", "0",
        "--detail-max-age", "0", "--output", out, "--",
        "python3", "-c", Self.poolScript(readyDir: dir),
      ])
    // Wait for the 4 workers to hold their memory, then read their PSS ourselves.
    var workers: [Int32] = []
    let deadline = Date().addingTimeInterval(60)
    while workers.count < 4 && Date() < deadline {
      workers = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        .compactMap { $0.hasPrefix("ready-") ? Int32($0.dropFirst(6)) : nil }
      usleep(50_000)
    }
    defer { for worker in workers { kill(worker, SIGKILL) } }
    try #require(workers.count == 4, "the pool's workers did not start: \(running.stderr)")
    // Every worker holds its memory from its ready file's time to the end of the recording.
    let readyAt =
      workers.compactMap { pid -> Double? in
        let attributes = try? FileManager.default.attributesOfItem(atPath: dir + "/ready-\(pid)")
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
      }.max() ?? Date().timeIntervalSince1970
    usleep(300_000)
    let workerPSS = workers.compactMap(Self.pss(of:)).reduce(0, +)
    try #require(workerPSS > 4 * 45e6, "workers' PSS \(workerPSS)")
    // Until a total with PSS read after the workers were ready is on disk (a generous deadline:
    // the workers hold their memory for 60 s), then stop the recording.
    let swept = MemtopRunner.waitUntil(timeout: 50) {
      Self.totals(in: out).contains { ($0.processes ?? 0) >= 5 && $0.pss != nil && Self.readAfter(readyAt, $0) }
    }
    #expect(swept, "no PSS total after the workers were ready: \(running.stderr)")
    running.signal(SIGINT)
    #expect(running.wait(timeout: 120) == 0, "memtop: \(running.stderr)")
    let rows = try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8))
    let totals = RecordingReader.mainSeries(rows)
    // A PSS total read while all four workers held their memory (the sweeps are spaced by the
    // CPU budget, so not every row has one; a row whose sizes had not moved carries the last
    // reading, so its age counts).
    let held = totals.filter { ($0.processes ?? 0) >= 5 && $0.pss != nil && Self.readAfter(readyAt, $0) }
    let total = try #require(
      held.first, "no PSS total while the workers held their memory: \(totals.filter { $0.pss != nil }.map(\.elapsed))")
    let treePSS = Double(try #require(total.pss))
    #expect(abs(treePSS - workerPSS) / workerPSS < 0.10, "tree PSS \(treePSS) against the workers' \(workerPSS)")
    // Summed RSS counts the pages the workers share with their parent once per worker.
    let summedRSS = Double(try #require(total.rss))
    #expect(summedRSS > treePSS + 8e6, "summed RSS \(summedRSS) against PSS \(treePSS)")

    // One total row per sample, marked by its process count; with --per-process, the members'
    // rows follow it, told apart by pid, and include every worker.
    let rootPIDs = Set(totals.map(\.pid))
    #expect(rootPIDs.count == 1 && rootPIDs.isDisjoint(with: workers), "total rows carry the launched command's pid")
    let memberPIDs = Set(rows.filter { $0.processes == nil }.map(\.pid))
    #expect(Set(workers).isSubset(of: memberPIDs))
    #expect(running.stderr.contains("peak tree PSS"))
  }

  /// A master holding 200 MiB that forks in bursts: 0.4 s of children that live ~3 ms each
  /// (forked, so sharing the master's pages), then 0.4 s with none, for 5 s; then it writes
  /// its fork rate during the bursts (per second) to `argv[1]` and sleeps.
  static let burstScript = """
    import os, sys, time
    block = bytearray(b'\\x01') * (200 << 20)
    forks, churning = 0, 0.0
    end = time.time() + 5
    while time.time() < end:
        started = time.time()
        while time.time() < started + 0.4:
            if os.fork() == 0:
                time.sleep(0.003)
                os._exit(0)
            forks += 1
            time.sleep(0.002)
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
        churning += time.time() - started
        try:
            while True:
                os.waitpid(-1, 0)
        except ChildProcessError:
            pass
        time.sleep(0.4)
    with open(sys.argv[1], 'w') as f:
        f.write('%d' % (forks / churning))
    time.sleep(60)
    """

  /// Before, a sweep that a fork or an exit crossed summed a tree it no longer was: the
  /// master's PSS halved by a child forked after it was read (~105 MiB for 200 MiB held), and
  /// the summary's peak gave no hint of how few rows it came from. Every tick may sweep here
  /// (as in the test above) so that sweeps fall both in the bursts and between them.
  @Test("fork churn: a tree PSS total only from a sweep the tree did not change under; the peak says its rows")
  func forkChurn() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/churn.csv"
    let rate = dir + "/rate"
    let run = try MemtopRunner.run([
      // Long enough for a loaded machine to start the master and run its 5 s of bursts.
      "record", "--children", "--interval", "0.1", "--duration", "20", "--budget", "100", "--max-stall", "0",
      "--output", out, "--", "python3", "-c", Self.burstScript, rate,
    ])
    #expect(run.status == 0, "memtop: \(run.stderr)")
    let forksPerSecond = Int((try? String(contentsOfFile: rate, encoding: .utf8)) ?? "") ?? 0
    #expect(forksPerSecond > 20, "the master forked \(forksPerSecond)/s")
    let totals = RecordingReader.mainSeries(
      try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8)))
    // From the first total that holds the master's whole block on, none may be less.
    let held = totals.drop { ($0.pss ?? 0) < 200 << 20 }.compactMap(\.pss)
    #expect(held.count >= 3, "tree PSS totals: \(totals.map(\.pss))")
    #expect(held.allSatisfy { $0 >= 200 << 20 }, "tree PSS totals (MiB): \(held.map { $0 >> 20 })")
    let withPSS = totals.filter { $0.pss != nil }.count
    #expect(run.stderr.contains("(from \(withPSS) of \(totals.count) rows)"), "\(run.stderr)")
  }
}
