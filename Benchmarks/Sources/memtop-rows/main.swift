// What each row of the process table (and of `memtop serve`, which judges with the same rows)
// costs in memory, and whether that stays flat: N processes in a /proc-shaped directory, read
// and judged once a simulated second for an hour (no waiting for the wall clock), this
// process's own resident size (VmRSS, after giving free heap pages back, as the table and
// `serve` do once a minute) printed along the way.
//
// A share of the processes (--changing, default 0.4, as on the synthetic host) change their
// RSS every second: a third grow slowly (a leak), a third saw up and down (a GC), a third
// fill a bounded cache; the rest are idle. The files are rewritten in place each second.
//
// Run: cd Benchmarks && swift run -c release memtop-rows [processes] [seconds] [--serve] [--changing F] [--breakdown]
//   --breakdown: the heap bytes each part of a row costs (pyramid, analysis, sparkline, the
//   table's rows whole with and without their kept samplers), idle and changing.
//   --serve: judge as `memtop serve` does (an analysis every 30 passes, 600 s to confirm);
//   otherwise as the table does (every 10 passes).
import Foundation
import MemtopCore
import MemtopSystem

let arguments = Array(CommandLine.arguments.dropFirst())
let numbers = arguments.compactMap { Int($0) }
let count = numbers.first ?? 1000
let seconds = numbers.dropFirst().first ?? 3600
let serve = arguments.contains("--serve")
let changing = arguments.firstIndex(of: "--changing").flatMap { Double(arguments[$0 + 1]) } ?? 0.4

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-rows-\(getpid())")
let proc = scratch.appendingPathComponent("proc")
defer { try? FileManager.default.removeItem(at: scratch) }

func statm(pages: Int) -> String { "\(pages * 2) \(pages) \(pages / 4) 100 0 \(pages / 2) 0\n" }
func stat(pid: Int32) -> String {
  "\(pid) (worker-\(pid)) S 1 \(pid) \(pid) 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 \(1000 + Int(pid)) 10000000 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
}
let firstPid: Int32 = 100_000
var descriptors: [Int32: Int32] = [:]
for i in 0..<count {
  let pid = firstPid + Int32(i)
  let dir = proc.appendingPathComponent("\(pid)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  try stat(pid: pid).write(to: dir.appendingPathComponent("stat"), atomically: false, encoding: .utf8)
  try "worker\0--id=\(i)\0".write(to: dir.appendingPathComponent("cmdline"), atomically: false, encoding: .utf8)
  try statm(pages: 2500).write(to: dir.appendingPathComponent("statm"), atomically: false, encoding: .utf8)
}

/// RSS in pages of process `i` at second `t`.
func pages(_ i: Int, _ t: Int) -> Int {
  guard Double(i) < Double(count) * changing else { return 2500 }
  switch i % 3 {
  case 0: return 2500 + t / 4  // a leak: 1 KiB a second
  case 1: return 2500 + (t % (20 + i % 40)) * 25  // a sawtooth of 10-60 s
  default: return 2500 + min(t, 300 + i % 300) * 2  // a cache that fills, then holds
  }
}

func ownRSS() -> Double {
  guard let text = Syscalls.readSmallFile("/proc/self/status"), let status = try? ProcStatus.parse(text) else {
    return 0
  }
  return Double(status.vmRSS ?? 0) / 1_048_576
}

AllocatorTuning.returnLargeBuffersToTheSystem()
if arguments.contains("--breakdown") {
  let marks = Set([1, 60, 300, 600, 3600, seconds].filter { $0 <= seconds })
  let parts = try breakdown(count: count, seconds: seconds, marks: marks, procRoot: proc.path, pages: pages) { i, p in
    let path = proc.appendingPathComponent("\(firstPid + Int32(i))/statm").path
    try statm(pages: p).write(toFile: path, atomically: false, encoding: .utf8)
  }
  let shown = marks.sorted()
  print(
    "heap bytes in use per row (mallinfo2), \(count) rows, at second " + shown.map { "\($0)" }.joined(separator: " / "))
  for part in parts {
    let figures = shown.map { String(format: "%.0f", part.bytesPerRow[$0] ?? .nan) }
    print("\(part.name): " + figures.joined(separator: " / "))
  }
  try? FileManager.default.removeItem(at: scratch)
  exit(0)
}
let before = ownRSS()
let overview = ProcessOverview(
  procRoot: proc.path, window: serve ? 5 : 60, confirmSeconds: serve ? HostRadar.defaultConfirmSeconds : 0,
  evaluateEvery: serve ? 30 : ProcessOverview.evaluateEveryTicks)
let marks: Set<Int> = [1, 60, 300, 600, 1200, 1800, 2700, 3600, 7200, seconds]
print(
  "\(count) processes (\(Int(Double(count) * changing)) changing), judged as \(serve ? "memtop serve" : "the process table") does"
)
print("second   VmRSS      per row")
let started = Date()
for t in 1...seconds {
  for i in 0..<Int(Double(count) * changing) where pages(i, t) != pages(i, t - 1) {
    let path = proc.appendingPathComponent("\(firstPid + Int32(i))/statm").path
    try statm(pages: pages(i, t)).write(toFile: path, atomically: false, encoding: .utf8)
  }
  overview.refresh(now: Double(t))
  if marks.contains(t) {
    AllocatorTuning.releaseFreePages()
    let rss = ownRSS()
    let perRow = (rss - before) * 1_048_576 / Double(count)
    print(String(format: "%6d   %6.1f MiB  %6.0f B", t, rss, perRow))
  }
}
print(
  String(
    format: "before the first pass: %.1f MiB; %d passes in %.1f s", before, seconds, Date().timeIntervalSince(started)))
print("rows listed: \(overview.rows.count)")
