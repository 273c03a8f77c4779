// Feeds a headless recording (the watch session `memtop record` drives) 10^6 samples on a manual clock and prints this process's own
// resident memory (VmRSS) along the way: memtop record's memory must stay flat.
//
// The target is a /proc-shaped copy of a real capture (a 100 MiB Python process), so every
// tick does the real work of a recording — pread of status, parse, digest, CSV row to a file —
// only without waiting for the wall clock.
//
// With --live, every sample also goes where the live view puts it: the charts' bounded
// timeline and the live analysis (MemtopTUI's ChartedSeries, as MonitorLoop keeps it).
//
// With --regions (and --live), every sample also carries memory by kind and the counts, as if
// each tick had walked the mappings (the worst case: the live view judges the kinds at the
// detailed cadence, here every tick).
//
// Run: cd Benchmarks && swift run -c release memtop-memory [samples] [--live] [--regions]
import Foundation
import MemtopAnalysis
import MemtopCore
import MemtopExport
import MemtopSampling
import MemtopSystem
import MemtopTUI

// As memtop's main does.
AllocatorTuning.returnLargeBuffersToTheSystem()
let total = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let live = CommandLine.arguments.contains("--live")
let regions = CommandLine.arguments.contains("--regions")
var charts = ChartedSeries(capacity: ChartedSeries.liveCapacity)
let capture = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("Tests/MemtopCoreTests/Fixtures/captures/python100m")
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-memory-\(getpid())")
let pid: Int32 = 4242
let procDir = scratch.appendingPathComponent("proc/\(pid)")
try FileManager.default.createDirectory(at: procDir, withIntermediateDirectories: true)
for file in ["status", "statm", "stat", "smaps", "smaps_rollup"] {
  try FileManager.default.copyItem(at: capture.appendingPathComponent(file), to: procDir.appendingPathComponent(file))
}
defer { try? FileManager.default.removeItem(at: scratch) }

func ownRSS() -> UInt64 {
  guard let text = Syscalls.readSmallFile("/proc/self/status"), let status = try? ProcStatus.parse(text) else {
    return 0
  }
  return status.vmRSS ?? 0
}

func mib(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// A clock whose sleeps end at once, so the recording runs as fast as it can be sampled.
final class InstantClock: SamplerClock {
  /// The monotonic reading, seconds.
  var now = 0.0
  func monotonicSeconds() -> Double { now }
  func wallSeconds() -> Double { 1_764_000_000 + now }
  func sleep(untilMonotonic deadline: Double) -> Bool {
    now = max(now, deadline)
    return true
  }
}

let clock = InstantClock()
var options = WatchOptions(interval: 0.1, duration: Double(total) * 0.1)
options.procRoot = scratch.appendingPathComponent("proc").path
options.detailBudget = 0
options.followLaunchers = false
var plan = WatchPlan(target: .pid(pid), options: options)
plan.csv = scratch.appendingPathComponent("run.csv").path
plan.replaceExisting = true
let session = try WatchSession(plan: plan, clock: clock)
var checkpoints: [(Int, UInt64)] = [(0, ownRSS())]
let marks: Set<Int> = [10_000, 100_000, 250_000, 500_000, 1_000_000, total]
let started = Date()
let summary = session.run(stopRequested: { nil }) { event in
  guard case .sample(let sample) = event else { return }
  if live {
    var sample = sample
    if regions, let rss = sample.rss {
      // A fixed split of RSS with a slow drift in one kind: real values to judge.
      let n = UInt64(session.samples)
      sample.regionBrkHeap = rss / 16
      sample.regionMallocArenas = rss / 8 + (n % 1000) * 4096
      sample.regionThreadStacks = 65536
      sample.regionOtherAnon = rss / 2
      sample.regionShmem = 0
      sample.regionFile = rss / 4
      sample.threads = 4 + n % 3
      sample.fds = 12
    }
    charts.append(sample, limitBytes: nil)
  }
  if marks.contains(session.samples) { checkpoints.append((session.samples, ownRSS())) }
}
let analysis = RecordingAnalysis(digest: summary.digest, limit: nil)
let seconds = Date().timeIntervalSince(started)
checkpoints.append((summary.samples, ownRSS()))

print("samples      VmRSS")
for (count, rss) in checkpoints {
  print(String(count).padding(toLength: 12, withPad: " ", startingAt: 0) + " " + mib(rss))
}
let at10k = checkpoints.first { $0.0 == 10_000 }?.1 ?? 0
let atEnd = checkpoints.last?.1 ?? 0
print(
  "growth from 10^4 samples to \(summary.samples): \(mib(atEnd &- min(at10k, atEnd)))  (target ≤ 5 MiB); total \(mib(atEnd)) (target ≤ 25 MiB)"
)
print("digest at full resolution: \(summary.digest.isFullResolution); verdict: \(analysis.verdict.rawValue)")
if live { print("live charts: \(charts.timeline.count) slots, each standing for \(charts.timeline.stride) samples") }
if regions { print("memory by kind judged live on \(charts.regions.samples) samples") }
print(
  String(
    format: "%d samples in %.1f s (%.1f µs per sample: read, parse, digest, CSV row)", summary.samples, seconds,
    seconds / Double(summary.samples) * 1e6))
