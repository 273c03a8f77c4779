import Foundation
import MemtopSampling
import MemtopSystem
import Testing

@testable import MemtopCore

/// Measures real child processes: their memory must move by what they allocate.
@Suite("live sampling of real processes", .serialized)
struct LiveSamplingTests {
  func sample(_ sampler: Sampler) throws -> MemorySample {
    guard case .sample(let s) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    return s
  }

  @Test("RSS, anon and heap grow by a 200 MiB allocation, within 5 %")
  func allocationMovesMetrics() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("x = 1")
    let handle = try ProcessHandle(pid: child.pid)
    // A 100 % budget: read smaps every tick so heap is present in both samples.
    let sampler = Sampler(
      handle: handle, clock: SystemClock(), detailBudget: 1, startMonotonic: Syscalls.monotonicSeconds())
    let before = try sample(sampler)
    let size = 200.0 * 1024 * 1024
    try child.run("buf = bytearray(b'\\x01') * (200 * 1024 * 1024)")
    let after = try sample(sampler)
    for metric in [Metric.rss, .anon, .heap, .uss] {
      let grew = Double(after[metric] ?? 0) - Double(before[metric] ?? 0)
      #expect(abs(grew - size) / size < 0.05, "\(metric) grew by \(grew) bytes")
    }
    // brk-only heap does not see a large allocation (glibc serves it with mmap).
    let brkGrew = Double(after.brkHeap ?? 0) - Double(before.brkHeap ?? 0)
    #expect(brkGrew < size / 10)
    #expect(after.peakRSS ?? 0 >= after.rss ?? .max)

    try child.run("del buf")
    let freed = try sample(sampler)
    let dropped = Double(after.rss ?? 0) - Double(freed.rss ?? 0)
    #expect(abs(dropped - size) / size < 0.05, "RSS fell by \(dropped) bytes after del")
    // The peak stays near the high-water mark (the kernel's counters are approximate).
    #expect(Double(freed.peakRSS ?? 0) > Double(after.rss ?? 0) * 0.98)
  }

  @Test("rss agrees with VmRSS read beside it")
  func rssMatchesKernel() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("buf = bytearray(b'\\x02') * (50 * 1024 * 1024)")
    let handle = try ProcessHandle(pid: child.pid)
    let sampler = Sampler(
      handle: handle, clock: SystemClock(), detailBudget: 0, startMonotonic: Syscalls.monotonicSeconds())
    let s = try sample(sampler)
    let text = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
    let kernel = try ProcStatus.parse(text).vmRSS ?? 0
    #expect(abs(Double(s.rss ?? 0) - Double(kernel)) / Double(kernel) < 0.02)
  }

  @Test("a kept-open handle stops at process exit and cannot follow a reused PID")
  func exitIsFinal() throws {
    let child = try PythonChild()
    try child.run("x = 1")
    let handle = try ProcessHandle(pid: child.pid)
    let sampler = Sampler(handle: handle, clock: SystemClock(), detailBudget: 0, startMonotonic: 0)
    _ = try sample(sampler)
    child.stop()  // terminated and reaped
    guard case .exited(let exit) = sampler.sample() else {
      Issue.record("expected the exit to be seen")
      return
    }
    #expect(exit.identity == handle.identity)
    // The kept descriptor answers ESRCH for ever, whatever process later gets this PID.
    #expect(throws: ProcReadError.processGone) { try handle.readStatus() }
  }

  @Test("a launched command runs without a shell and passes its exit status on")
  func launch() throws {
    let marker = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-\(UUID())").path
    // If a shell were involved, `; touch` would run; with no shell it is just an argument.
    let child = try ChildProcess(arguments: [
      "python3", "-c", "import sys; sys.exit(len(sys.argv))", "a; touch \(marker)", "b",
    ])
    #expect(child.waitForExit() == .exited(3))
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test("a missing program is a clear launch error")
  func launchMissing() {
    #expect(throws: LaunchError.self) { try ChildProcess(arguments: ["memtop-no-such-program-xyz"]) }
    do {
      _ = try ChildProcess(arguments: ["memtop-no-such-program-xyz"])
    } catch {
      #expect(
        error.description
          == "cannot run 'memtop-no-such-program-xyz': command not found; check the name, or give its full path")
    }
  }
}
