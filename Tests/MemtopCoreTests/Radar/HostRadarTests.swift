import Foundation
import MemtopExport
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore

#if canImport(Glibc)
import Glibc
#endif

/// The radar over fixture `/proc` trees: lifetimes, labels and limits as the exporter gets them.
@Suite("host radar on fixture trees")
struct HostRadarTests {
  /// `tiny`'s `stat` with another start time (field 22): the same pid, another process.
  static func stat(startTime: UInt64) throws -> String {
    try Fixtures.text("tiny", "stat").replacingOccurrences(of: " 39700 ", with: " \(startTime) ")
  }

  @Test("a reused pid is a new lifetime: a new row with its own start time and a fresh history, never spliced")
  func pidReuse() throws {
    let root = try Fixtures.procTree(pid: 42, from: "tiny")
    // Nothing kept open: each pass opens the process and checks its start time.
    let radar = HostRadar(procRoot: root, descriptorLimit: 0)
    for tick in 1...3 { radar.refresh(now: Double(tick)) }
    let first = try #require(radar.overview.rows.first)
    #expect(first.identity == ProcessIdentity(pid: 42, startTimeTicks: 39700))
    #expect(first.history.count == 3)

    try FileSystem.write(try Self.stat(startTime: 52000), to: root + "/42/stat")
    for tick in 4...6 { radar.refresh(now: Double(tick)) }
    let rows = radar.overview.rows
    #expect(rows.count == 1)
    let second = try #require(rows.first)
    #expect(second.identity == ProcessIdentity(pid: 42, startTimeTicks: 52000))
    // Only readings of the new lifetime (the pass that found the old one gone adds none).
    #expect(second.history.count < 3 && second.history.count >= 1, "\(second.history)")
  }

  @Test("labels come from the host beside --proc-root: passwd user name, cgroup unit; uid when passwd does not name it")
  func labels() throws {
    let host = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-host-\(UUID())").path
    let root = host + "/proc"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let tree = try Fixtures.procTree(pid: 42, from: "tiny")
    try FileManager.default.moveItem(atPath: tree + "/42", toPath: root + "/42")
    try FileSystem.write("0::/system.slice/billing.service\n", to: root + "/42/cgroup")
    try FileSystem.write("root:x:0:0::/:/bin/sh\nbilling:x:1000:1000::/:/bin/sh\n", to: host + "/etc/passwd")
    // The capture's Uid line says 0; make it 1000, then 4242 (no name).
    let status = try Fixtures.text("tiny", "status")
    let uidLine = try #require(status.split(separator: "\n").first { $0.hasPrefix("Uid:") })
    try FileSystem.write(
      status.replacingOccurrences(of: String(uidLine), with: "Uid:\t1000\t1000\t1000\t1000"), to: root + "/42/status")
    let radar = HostRadar(procRoot: root)
    radar.refresh(now: 1)
    let row = try #require(radar.overview.rows.first)
    let process = radar.process(row)
    #expect(process.user == "billing")
    #expect(process.cgroup?.unit == "billing.service")
    #expect(process.command == row.command)
    #expect(radar.cgroupRoot == host + "/sys/fs/cgroup")

    try FileSystem.write(
      status.replacingOccurrences(of: String(uidLine), with: "Uid:\t4242\t4242\t4242\t4242"), to: root + "/42/status")
    try FileSystem.write(try Self.stat(startTime: 52000), to: root + "/42/stat")
    let other = HostRadar(procRoot: root)
    other.refresh(now: 1)
    #expect(other.process(try #require(other.overview.rows.first)).user == "4242")
  }

  @Test("time to limit: the cgroup's memory.max against its charge when tighter than MemAvailable, else MemAvailable")
  func timeToLimit() throws {
    let host = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-host-\(UUID())").path
    let root = host + "/proc"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let tree = try Fixtures.procTree(pid: 42, from: "tiny")
    try FileManager.default.moveItem(atPath: tree + "/42", toPath: root + "/42")
    try FileSystem.write("0::/system.slice/billing.service\n", to: root + "/42/cgroup")
    let group = host + "/sys/fs/cgroup/system.slice/billing.service"
    try FileSystem.write("1073741824\n", to: group + "/memory.max")  // 1 GiB
    try FileSystem.write("max\n", to: group + "/memory.high")
    try FileSystem.write("536870912\n", to: group + "/memory.current")  // 512 MiB charged
    try FileSystem.write("MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\n", to: root + "/meminfo")
    // Files are replaced (renamed over) each tick: nothing kept open, so each pass reads the new one.
    let radar = HostRadar(procRoot: root, descriptorLimit: 0)
    // RSS grows by 1 MiB (256 pages) a second.
    var rate: Double?
    for tick in 1...80 {
      try FileSystem.write("730 \(421 + 256 * tick) 394 5 0 89 0\n", to: root + "/42/statm")
      radar.refresh(now: Double(tick))
      rate = radar.overview.rows.first?.growthBytesPerSecond
    }
    let row = try #require(radar.overview.rows.first)
    let growth = try #require(rate)
    #expect(abs(growth - 1_048_576) < 1024, "\(growth)")
    let process = radar.process(row)
    let ttl = try #require(process.timeToLimit)
    #expect(ttl.limit == "memory.max")
    #expect(abs(ttl.seconds - 536_870_912 / growth) < 1, "\(ttl.seconds)")

    // With room in the cgroup beyond what the host has left, the host's MemAvailable binds.
    try FileSystem.write("max\n", to: group + "/memory.max")
    let fresh = HostRadar(procRoot: root)
    fresh.refresh(now: 0)
    var freshRow = try #require(fresh.overview.rows.first)
    freshRow.growthBytesPerSecond = growth
    let hostBound = try #require(fresh.process(freshRow).timeToLimit)
    #expect(hostBound.limit == "MemAvailable")
    #expect(abs(hostBound.seconds - 8_000_000 * 1024 / growth) < 1)
  }

  @Test(
    "a real leaking child: judged leak-suspected, then its detailed reads say the brk heap grows (64 KiB objects: glibc's main arena)",
    .timeLimit(.minutes(8)))
  func whereItGrows() throws {
    let script = "import time\nkept = []\nwhile True:\n    kept.append(b'x' * 65536)\n    time.sleep(0.05)\n"
    let python = try TestProcess(["python3", "-c", script], stdin: .inherit, stdout: .inherit, stderr: .inherit)
    defer { python.stop() }
    let child = python.pid
    // Suspected at the table's two positives: this test is about the detailed reads that follow.
    let radar = HostRadar(confirmSeconds: 0)
    let start = Syscalls.monotonicSeconds()
    var kind: String?
    var suspected = false
    // Generous: on a busy machine the detailed reads, charged by their wall time, come slowly.
    while Syscalls.monotonicSeconds() - start < 420 && kind == nil {
      radar.refresh(now: Syscalls.monotonicSeconds() - start)
      if let row = radar.overview.rows.first(where: { $0.identity.pid == child }) {
        suspected = suspected || row.leakConfirmed
        kind = radar.process(row).growthKind
      }
      usleep(100_000)
    }
    #expect(suspected, "the child was never judged a leak")
    let detail = radar.whereWatches.first { $0.key.pid == child }?.value
    #expect(
      kind == "brk_heap",
      "\(kind ?? "no kind"); detailed samples \(detail?.regions.samples ?? -1), cadence \(String(describing: detail?.sampler.heapCadence))"
    )
    // Only leak-suspected processes get detailed reads, at most a handful, each within its
    // CPU budget (charged by the real time the reads take: a frozen clock would make them free).
    #expect(radar.whereWatches.count <= WhereWatch.processes)
    let watch = try #require(radar.whereWatches.first { $0.key.pid == child }?.value)
    let cadence = watch.sampler.heapCadence
    let cost = try #require(cadence.cost)
    let interval = try #require(cadence.interval)
    #expect(cost > 0)
    #expect(cost / interval <= WhereWatch.budget * 2, "\(cost) s every \(interval) s")
    // The kind of growth is all the exposition carries: smaps_rollup (PSS) is never read.
    #expect(watch.sampler.rollupCadence.reads == 0)
    #expect(watch.sampler.heapCadence.reads > 0)
  }
}
