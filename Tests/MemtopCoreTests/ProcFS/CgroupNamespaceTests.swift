import Foundation
import MemtopSystem
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Paths from `/proc/PID/cgroup` read inside a container with a cgroup namespace of its own
/// (`/../../…`), found in the host's hierarchy mounted into it.
@Suite("cgroup namespaces")
struct CgroupNamespaceTests {
  /// A host's cgroup v2 tree as a Kubernetes node lays it out: memtop runs in pod A's
  /// container (pid 1 in its pid namespace), the leaking worker in pod B's, with a 512 MiB
  /// `memory.max`. Other pid namespaces' processes are listed as 0 in `cgroup.procs`.
  static let memtopScope =
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podaaaa.slice/cri-containerd-1111.scope"
  static let workerScope =
    "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podbbbb.slice/cri-containerd-2222.scope"

  static let tree: [String: String] = [
    "/h/cgroup.procs": "0\n0\n",
    "/h/init.scope/cgroup.procs": "0\n",
    "/h/system.slice/cgroup.procs": "",
    "/h" + memtopScope + "/cgroup.procs": "1\n7\n",
    "/h" + workerScope + "/cgroup.procs": "0\n0\n",
    "/h" + workerScope + "/memory.current": "268435456\n",
    "/h" + workerScope + "/memory.max": "536870912\n",
    "/h" + workerScope + "/memory.high": "max\n",
  ]

  /// The subdirectories of `path` in ``tree``.
  static func list(_ path: String) -> [String] {
    let prefix = path + "/"
    var names = Set<String>()
    for key in tree.keys where key.hasPrefix(prefix) {
      let rest = key.dropFirst(prefix.count).split(separator: "/")
      if rest.count > 1 { names.insert(String(rest[0])) }
    }
    return Array(names)
  }

  @Test("memtop's own cgroup is found by its pid, and a path climbing out of its namespace is resolved from there")
  func resolveFromTheRoot() throws {
    let found = CgroupNamespace.locate(pid: 1, ownPath: "/", hierarchy: "/h", list: Self.list) { Self.tree[$0] }
    #expect(found.root == Self.memtopScope)
    // As the kernel writes the worker's path to a reader in pod A's container.
    let relative = "/../../../kubepods-besteffort.slice/kubepods-besteffort-podbbbb.slice/cri-containerd-2222.scope"
    #expect(CgroupNamespace.isOutside(relative))
    #expect(found.resolve(relative) == Self.workerScope)
    // A path inside the namespace is below its root; one that does not climb is absolute.
    #expect(found.resolve("/../../../../init.scope") == "/init.scope")
    #expect(found.resolve("/../../../../../init.scope") == nil)
    #expect(CgroupNamespace.host.resolve("/system.slice/app.service") == "/system.slice/app.service")

    // The limit is then read where the host keeps it.
    let limit = try #require(
      CgroupMemory.read(
        cgroupText: "0::" + relative + "\n", cgroupRoot: "/h", namespaces: (found, CgroupNamespace(root: nil))
      ) { Self.tree[$0] })
    #expect(limit.limitBytes == 536_870_912 && limit.chargeBytes == 268_435_456 && limit.file == "memory.max")
    #expect(limit.path == Self.workerScope)
    // Without the namespace's place nothing is read, rather than a wrong cgroup's limit.
    #expect(
      CgroupMemory.read(
        cgroupText: "0::" + relative + "\n", cgroupRoot: "/h", namespaces: (CgroupNamespace(root: nil), .host)
      ) { Self.tree[$0] } == nil)
  }

  @Test("memtop in a child cgroup of its namespace: its own path is taken off the directory that lists it")
  func ownPathBelowTheRoot() {
    var tree = Self.tree
    tree["/h" + Self.memtopScope + "/cgroup.procs"] = ""
    tree["/h" + Self.memtopScope + "/serve/cgroup.procs"] = "7\n"
    let list = { (path: String) -> [String] in
      let prefix = path + "/"
      return Array(
        Set(
          tree.keys.filter { $0.hasPrefix(prefix) }.compactMap { key -> String? in
            let rest = key.dropFirst(prefix.count).split(separator: "/")
            return rest.count > 1 ? String(rest[0]) : nil
          }))
    }
    let found = CgroupNamespace.locate(pid: 7, ownPath: "/serve", hierarchy: "/h", list: list) { tree[$0] }
    #expect(found.root == Self.memtopScope)
    // A directory listing the pid whose path does not end with memtop's own is not taken.
    let wrong = CgroupNamespace.locate(pid: 7, ownPath: "/other", hierarchy: "/h", list: list) { tree[$0] }
    #expect(wrong.root == nil)
  }

  @Test(
    "paths that would leave the hierarchy are refused, not followed",
    arguments: [
      "/system.slice/../../etc", "/a/./b", "/../../../../../../../../../../x",
    ])
  func refused(_ path: String) {
    let namespace = CgroupNamespace(root: "/kubepods.slice/pod")
    #expect(namespace.resolve(path) == nil)
    #expect(CgroupMemory.tightest(path: path, version: .v2, base: "/h", read: { _ in "1\n" }) == nil)
  }

  @Test("the search stops after its budget of directories")
  func bounded() {
    var visited = 0
    let found = CgroupNamespace.locate(
      pid: 1, ownPath: "/", hierarchy: "/h",
      list: { path in
        visited += 1
        return (0..<10).map { "d\($0)-\(path.count)" }
      }, read: { _ in "0\n" }, maxDirectories: 500)
    #expect(found.root == nil)
    #expect(visited <= 500)
  }

  @Test("on a real directory tree: only directories are descended into, and the pid is found")
  func realTree() throws {
    let dir = try Scratch.directory("cgns")
    let scope = dir + "/kubepods.slice/pod-x.slice/ctr.scope"
    try FileManager.default.createDirectory(atPath: scope, withIntermediateDirectories: true)
    try "0\n".write(toFile: dir + "/cgroup.procs", atomically: true, encoding: .utf8)
    try "\(getpid())\n".write(toFile: scope + "/cgroup.procs", atomically: true, encoding: .utf8)
    let found = CgroupNamespace.locate(
      pid: getpid(), ownPath: "/", hierarchy: dir, list: { Syscalls.subdirectories($0) },
      read: { try? String(contentsOfFile: $0, encoding: .utf8) })
    #expect(found.root == "/kubepods.slice/pod-x.slice/ctr.scope")
  }
}
