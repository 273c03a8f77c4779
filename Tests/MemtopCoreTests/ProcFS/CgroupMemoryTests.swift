import Foundation
import MemtopSystem
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A cgroup's memory limit against its charge: captured v1 trees, hand-written v2 trees, and
/// the live v1 memory controller of this machine.
@Suite("cgroup memory: limit and charge", .serialized)
struct CgroupMemoryTests {
  static let fixtures: String = Fixtures.captures.deletingLastPathComponent().appendingPathComponent("cgroup").path

  static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  @Test(
    "'no limit' in both versions, and real byte counts",
    arguments: [
      ("max\n", UInt64?.none),
      ("9223372036854771712\n", nil),  // v1: 2^63 rounded down to a 4 KiB page
      ("9223372036854775807\n", nil),  // v1 on 64 KiB pages rounds differently; any value near 2^63 is none
      ("268435456\n", 268_435_456),
      ("0\n", nil),
      ("garbage\n", nil),
      ("", nil),
    ])
  func limits(_ text: String, _ bytes: UInt64?) {
    #expect(MemoryLimit.parseLimit(text) == bytes)
  }

  @Test("charges", arguments: [("49479680\n", UInt64?(49_479_680)), ("", nil), ("-1\n", nil), ("12 34\n", 12)])
  func charges(_ text: String, _ bytes: UInt64?) {
    #expect(CgroupMemory.parseCharge(text) == bytes)
  }

  @Test("v1 captured on this host with no limit set: none anywhere up the tree")
  func v1Unlimited() throws {
    let dir = Self.fixtures + "/v1-this-host"
    let text = try #require(Self.read(dir + "/proc-self-cgroup"))
    let path = try #require(MemoryLimit.cgroupPaths(text).v1Memory)
    #expect(CgroupMemory.tightest(path: path, version: .v1, base: dir + "/memory", read: Self.read) == nil)
  }

  @Test("v1 captured with a 256 MiB limit: limit_in_bytes against usage_in_bytes of that cgroup")
  func v1Limited() throws {
    let dir = Self.fixtures + "/v1-limited"
    let text = try #require(Self.read(dir + "/proc-pid-cgroup"))
    let path = try #require(MemoryLimit.cgroupPaths(text).v1Memory)
    let found = try #require(CgroupMemory.tightest(path: path, version: .v1, base: dir + "/memory", read: Self.read))
    #expect(found.limitBytes == 268_435_456 && found.chargeBytes == 49_479_680)
    #expect(found.file == "memory.limit_in_bytes" && found.path == path)
    #expect(found.headroomBytes == 268_435_456 - 49_479_680)
  }

  @Test("v2 by hand: memory.high below the kill limit is the tighter one; a tighter parent wins")
  func v2() throws {
    let dir = Self.fixtures + "/v2-hand"
    let text = try #require(Self.read(dir + "/proc-pid-cgroup"))
    #expect(MemoryLimit.cgroupPaths(text).v2 == "/system.slice/app.service")
    let found = try #require(
      CgroupMemory.tightest(path: "/system.slice/app.service", version: .v2, base: dir, read: Self.read))
    #expect(
      found
        == CgroupMemory(
          limitBytes: 805_306_368, chargeBytes: 536_870_912, file: "memory.high", path: "/system.slice/app.service"))

    // The parent nearly full: its memory.max (4 GiB, 3.9 GiB charged) now leaves less.
    var files: [String: String] = [:]
    let parent = dir + "/system.slice"
    files[parent + "/memory.current"] = "4187593113\n"
    let edited = CgroupMemory.tightest(path: "/system.slice/app.service", version: .v2, base: dir) {
      files[$0] ?? Self.read($0)
    }
    #expect(edited?.file == "memory.max" && edited?.path == "/system.slice" && edited?.headroomBytes == 107_374_183)
  }

  @Test("a charge over the limit leaves no headroom rather than wrapping around")
  func overLimit() {
    #expect(CgroupMemory(limitBytes: 100, chargeBytes: 150, file: "memory.max", path: "/").headroomBytes == 0)
  }

  static let ownV1 =
    "/sys/fs/cgroup/memory" + (MemoryLimit.cgroupPaths(read("/proc/self/cgroup") ?? "").v1Memory ?? "/nonexistent")
  static let canMakeV1Cgroup =
    getuid() == 0 && FileManager.default.isWritableFile(atPath: ownV1)
    && FileManager.default.fileExists(atPath: ownV1 + "/memory.limit_in_bytes")

  @Test(
    "live v1: a process moved into a fresh cgroup with a 256 MiB limit is read with that limit and the cgroup's charge",
    .enabled(
      if: canMakeV1Cgroup, "needs root and the cgroup v1 memory controller mounted writable at /sys/fs/cgroup/memory")
  )
  func liveV1() throws {
    let group = Self.ownV1 + "/memtop-test-\(getpid())"
    try FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)
    var python: TestProcess?
    defer {
      python?.stop()
      rmdir(group)
    }
    try "268435456\n".write(toFile: group + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
    // Python waits for its move into the cgroup, then touches 30 MiB, charged there.
    let moved = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-moved-\(UUID())").path
    let script = """
      import os, time
      while not os.path.exists('\(moved)'): time.sleep(0.05)
      b = bytearray(b'\\x01') * (30 << 20)
      time.sleep(600)
      """
    python = try TestProcess(["python3", "-c", script], stdin: .inherit, stdout: .inherit, stderr: .inherit)
    let child = python?.pid ?? 0
    try "\(child)\n".write(toFile: group + "/cgroup.procs", atomically: false, encoding: .utf8)
    FileManager.default.createFile(atPath: moved, contents: nil)
    let charged = { Self.read(group + "/memory.usage_in_bytes").flatMap(CgroupMemory.parseCharge) ?? 0 }
    let deadline = Date().addingTimeInterval(60)
    while charged() < 30 << 20 && Date() < deadline { usleep(50_000) }
    let text = try #require(Self.read("/proc/\(child)/cgroup"))
    let found = try #require(CgroupMemory.read(cgroupText: text, cgroupRoot: "/sys/fs/cgroup"))
    #expect(found.limitBytes == 268_435_456 && found.file == "memory.limit_in_bytes")
    #expect(found.path.hasSuffix("/memtop-test-\(getpid())"))
    // The kernel's own charge for the cgroup, read again (the process no longer grows).
    let usage = charged()
    #expect(found.chargeBytes >= 30 << 20 && found.chargeBytes < 268_435_456, "\(found.chargeBytes)")
    #expect(abs(Double(found.chargeBytes) - Double(usage)) < 4 * 1024 * 1024, "\(found.chargeBytes) vs \(usage)")
  }
}
