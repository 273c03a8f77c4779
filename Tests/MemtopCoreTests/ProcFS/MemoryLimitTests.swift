import MemtopSystem
import Testing

@testable import MemtopCore

@Suite("memory limits: cgroup and MemAvailable")
struct MemoryLimitTests {
  // Captured from this machine (cgroup v1 with a v2 line) and from a cgroup v2 host.
  static let hybrid = """
    9:name=systemd:/
    4:memory:/process_api/b3a887425a846ef8754ad0262cd34716
    1:cpu:/
    0::/
    """

  @Test("cgroup paths: v2 and the v1 memory controller")
  func paths() {
    let p = MemoryLimit.cgroupPaths(Self.hybrid)
    #expect(p.v2 == "/")
    #expect(p.v1Memory == "/process_api/b3a887425a846ef8754ad0262cd34716")
    let v2 = MemoryLimit.cgroupPaths("0::/system.slice/app.service\n")
    #expect(v2.v2 == "/system.slice/app.service" && v2.v1Memory == nil)
  }

  @Test(
    "cgroup lines: v2 unified path, v1 memory controller (alone or with others)",
    arguments: [
      ("0::/user.slice/app.scope\n", String?("/user.slice/app.scope"), String?.none),
      ("12:pids:/a\n4:memory:/docker/abc\n1:name=systemd:/x\n", nil, "/docker/abc"),
      ("3:cpu,memory:/grp\n0::/unified\n", "/unified", "/grp"),
      ("", nil, nil),
    ])
  func lines(_ text: String, _ v2: String?, _ v1: String?) {
    let p = MemoryLimit.cgroupPaths(text)
    #expect(p.v2 == v2 && p.v1Memory == v1)
  }

  @Test("the tightest limit over the cgroup and its ancestors wins")
  func ancestors() throws {
    let root = try Fixtures.procTree(pid: 42, from: "tiny")
    let cgroupRoot = root + "/cg"
    try FileSystem.write("0::/outer/inner\n", to: root + "/42/cgroup")
    try FileSystem.write("max\n", to: cgroupRoot + "/outer/inner/memory.max")
    try FileSystem.write("1073741824\n", to: cgroupRoot + "/outer/memory.max")
    try FileSystem.write("4294967296\n", to: cgroupRoot + "/memory.max")
    let handle = try ProcessHandle(pid: 42, procRoot: root)
    #expect(handle.readCgroupLimit(cgroupRoot: cgroupRoot) == MemoryLimit(bytes: 1 << 30, source: .cgroupV2))
  }

  @Test("a v1 memory limit is found when the v2 hierarchy sets none")
  func v1() throws {
    let root = try Fixtures.procTree(pid: 43, from: "tiny")
    let cgroupRoot = root + "/cg"
    try FileSystem.write("4:memory:/svc\n0::/\n", to: root + "/43/cgroup")
    try FileSystem.write("536870912\n", to: cgroupRoot + "/memory/svc/memory.limit_in_bytes")
    try FileSystem.write("9223372036854771712\n", to: cgroupRoot + "/memory/memory.limit_in_bytes")
    let handle = try ProcessHandle(pid: 43, procRoot: root)
    #expect(handle.readCgroupLimit(cgroupRoot: cgroupRoot) == MemoryLimit(bytes: 536_870_912, source: .cgroupV1))
  }

  @Test(
    "limit files: a byte count is a limit; max and v1's huge value are none",
    arguments: [
      ("2147483648\n", UInt64?(2_147_483_648)), ("max\n", nil), ("9223372036854771712\n", nil), ("0\n", nil),
      ("junk", nil),
    ])
  func limits(_ text: String, _ expected: UInt64?) {
    #expect(MemoryLimit.parseLimit(text) == expected)
  }

  @Test("MemAvailable in bytes")
  func available() {
    let meminfo = "MemTotal:       24589436 kB\nMemFree:        23094512 kB\nMemAvailable:   24349380 kB\n"
    #expect(MemoryLimit.parseMemAvailable(meminfo) == 24_349_380 * 1024)
    #expect(MemoryLimit.parseMemAvailable("MemTotal: 1 kB\n") == nil)
  }

  @Test("a process in a limited cgroup v2 gets that limit; otherwise current + MemAvailable")
  func fromTree() throws {
    let root = try Fixtures.procTree(pid: 4242, from: "python100m")
    let cgroupRoot = root + "/sys-fs-cgroup"
    try FileSystem.write("0::/app.slice\n", to: root + "/4242/cgroup")
    try FileSystem.write("MemAvailable:   1000 kB\n", to: root + "/meminfo")
    let handle = try ProcessHandle(pid: 4242, procRoot: root)
    #expect(
      handle.readMemoryLimit(currentBytes: 5000, cgroupRoot: cgroupRoot)
        == MemoryLimit(bytes: 5000 + 1_024_000, source: .available))
    try FileSystem.write("536870912\n", to: cgroupRoot + "/app.slice/memory.max")
    #expect(
      handle.readMemoryLimit(currentBytes: 5000, cgroupRoot: cgroupRoot)
        == MemoryLimit(bytes: 536_870_912, source: .cgroupV2))
  }
}
