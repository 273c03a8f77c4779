import Foundation
import MemtopSampling
import MemtopSystem
import Testing

@testable import MemtopCore

/// A real process tree whose members start and exit while it is sampled.
@Suite("tree sampling of real processes", .serialized)
struct TreeSamplerTests {
  func total(_ sampler: TreeSampler) throws -> MemorySample {
    guard case .sample(let s) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    return s
  }

  @Test("children and grandchildren join when they start and leave when they exit; sizes sum")
  func membersComeAndGo() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("import os, signal, subprocess")
    let handle = try ProcessHandle(pid: child.pid)
    let sampler = TreeSampler(
      root: handle, clock: SystemClock(), detailBudget: 0, startMonotonic: Syscalls.monotonicSeconds())
    var sample = try total(sampler)
    #expect(sample.processes == 1 && sample.pid == child.pid)

    // A child, and a shell whose own child (the grandchild) keeps it from exec'ing away.
    try child.run("a = subprocess.Popen(['sleep', '60'])")
    try child.run("b = subprocess.Popen(['sh', '-c', 'sleep 60; :'], start_new_session=True)")
    usleep(200_000)
    sample = try total(sampler)
    #expect(sample.processes == 4, "members: \(sampler.memberSamples.map { ($0.sample.pid, $0.name) })")
    #expect(Set(sampler.memberSamples.map(\.name)) == ["python3", "sleep", "sh"])
    // The total is the sum of the members of the same tick; each member row has its own pid.
    let members = sampler.memberSamples.map(\.sample)
    #expect(sample.rss == members.reduce(0) { $0 + ($1.rss ?? 0) })
    #expect(sample.anon == members.reduce(0) { $0 + ($1.anon ?? 0) })
    #expect(Set(members.map(\.pid)).count == 4)
    #expect(members.allSatisfy { $0.processes == nil && $0.startTicks != nil })
    #expect(sampler.joined == 3)

    // The first child exits (reaped by its parent); the shell's group is killed.
    try child.run("a.kill(); a.wait()")
    try child.run("os.killpg(b.pid, signal.SIGKILL); b.wait()")
    usleep(200_000)
    sample = try total(sampler)
    #expect(sample.processes == 1)
    #expect(sampler.exited >= 2)

    // Detailed reads are off: PSS stays absent rather than summing to a fake value.
    #expect(sample.pss == nil)
  }

  @Test("memory by kind, threads and descriptors sum over the members of one sweep")
  func kindsSum() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("import subprocess, threading, time")
    try child.run("a = subprocess.Popen(['sleep', '60'])")
    try child.run("t = threading.Thread(target=time.sleep, args=(60,), daemon=True); t.start()")
    let handle = try ProcessHandle(pid: child.pid)
    try #require(handle.hasRollup)
    // The whole budget: every tick reads every member's detail (the first tick heap and rollup).
    let sampler = TreeSampler(
      root: handle, clock: SystemClock(), detailBudget: 1, startMonotonic: Syscalls.monotonicSeconds())
    let deadline = Date().addingTimeInterval(30)
    var sample = try total(sampler)
    while sample.processes != 2 || sample.regionFile == nil, Date() < deadline {
      usleep(100_000)
      sample = try total(sampler)
    }
    #expect(sample.processes == 2)
    let members = sampler.memberSamples.map(\.sample)
    for metric in Metric.regions + [.threads, .fds] {
      #expect(members.allSatisfy { $0[metric] != nil }, "\(metric)")
      #expect(sample[metric] == members.reduce(UInt64(0)) { $0 + ($1[metric] ?? 0) }, "\(metric)")
    }
    // Python's main thread and its sleeper, and sleep's one thread.
    #expect(sample.threads == 3)
    // The detail of the sweep: the members' walks combined.
    let detail = try #require(sampler.latestRegions)
    #expect(detail.threadStacks >= 3)
    #expect(detail.topFiles.contains { $0.text.hasSuffix("libc.so.6") })
    let sum = Metric.regions.reduce(UInt64(0)) { $0 + (sample[$1] ?? 0) }
    #expect(detail.bytes.total == sum)
    try child.run("a.kill(); a.wait()")
  }

  @Test("a child left a zombie (never reaped) leaves the tree once and is not taken back")
  func zombieChild() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("import os")
    let handle = try ProcessHandle(pid: child.pid)
    let sampler = TreeSampler(
      root: handle, clock: SystemClock(), detailBudget: 0, startMonotonic: Syscalls.monotonicSeconds())
    _ = try total(sampler)
    // The forked child exits at once; its parent never waits for it.
    try child.run("z = os.fork() or os._exit(3)")
    var zombie = ""
    for _ in 0..<100 where !zombie.contains(") Z ") {
      usleep(50_000)
      zombie =
        ((try? String(contentsOfFile: "/proc/\(child.pid)/task/\(child.pid)/children", encoding: .utf8)) ?? "")
        .split(separator: " ").compactMap { try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8) }.first
        ?? ""
    }
    try #require(zombie.contains(") Z "), "the forked child should be a zombie: \(zombie)")
    var sample = try total(sampler)
    for _ in 0..<10 {
      usleep(20_000)
      sample = try total(sampler)
    }
    #expect(sample.processes == 1)
    #expect(sampler.exited == 1, "the zombie left once")
    #expect(sampler.joined <= 1, "and was not joined again on every tick")
  }

  @Test("the tree ends when its root and every descendant are gone")
  func rootExit() throws {
    let child = try PythonChild()
    // Let start-up finish: a launcher (e.g. a pyenv shim) runs short-lived helpers of its own,
    // which are members of the tree until they exit.
    try child.run("x = 1")
    let handle = try ProcessHandle(pid: child.pid)
    let sampler = TreeSampler(
      root: handle, clock: SystemClock(), detailBudget: 0.01, startMonotonic: Syscalls.monotonicSeconds())
    _ = try total(sampler)
    child.stop()
    // A descendant that outlived the root keeps the tree alive until it exits too.
    var outcome = sampler.sample()
    for _ in 0..<100 {
      if case .exited = outcome { break }
      usleep(100_000)
      outcome = sampler.sample()
    }
    guard case .exited(let exit) = outcome else {
      Issue.record("expected the tree to end within 10 s, got \(outcome)")
      return
    }
    #expect(exit.identity == handle.identity)
  }
}
