import MemtopSystem
import Testing

/// Where a process runs, from its `/proc/PID/cgroup`: captured lines of systemd services,
/// docker and containerd containers and Kubernetes pods, v1 and v2.
@Suite("cgroup labels: unit, container, pod")
struct CgroupLabelsTests {
  static let dockerID = "3f1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
  static let podUID = "6b1c3e2a-9d4f-4a8b-b2c1-0e9f8d7c6b5a"

  @Test(
    "parsed from captured /proc/PID/cgroup text",
    arguments: [
      // This machine: cgroup v1 with an empty unified line; the memory controller's path is the one that says something.
      (
        "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/6fc4f382c54f7b06322eb6164ac409de\n1:cpu:/\n0::/\n",
        CgroupLabels(cgroup: "/process_api/6fc4f382c54f7b06322eb6164ac409de")
      ),
      // A systemd service on a cgroup v2 host.
      ("0::/system.slice/nginx.service\n", CgroupLabels(cgroup: "/system.slice/nginx.service", unit: "nginx.service")),
      // A login session's scope.
      (
        "0::/user.slice/user-1000.slice/session-3.scope\n",
        CgroupLabels(cgroup: "/user.slice/user-1000.slice/session-3.scope", unit: "session-3.scope")
      ),
      // Docker, systemd cgroup driver (v2): the container's scope is not a unit worth naming.
      (
        "0::/system.slice/docker-\(dockerID).scope\n",
        CgroupLabels(cgroup: "/system.slice/docker-\(dockerID).scope", container: "3f1b2c4d5e6f")
      ),
      // Docker, cgroupfs driver (v1): every controller under /docker/<id>.
      (
        "12:memory:/docker/\(dockerID)\n1:name=systemd:/docker/\(dockerID)\n0::/\n",
        CgroupLabels(cgroup: "/docker/\(dockerID)", container: "3f1b2c4d5e6f")
      ),
      // Kubernetes with the systemd driver and containerd (v2): pod uid with underscores in the slice name.
      (
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6b1c3e2a_9d4f_4a8b_b2c1_0e9f8d7c6b5a.slice/cri-containerd-\(dockerID).scope\n",
        CgroupLabels(
          cgroup:
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6b1c3e2a_9d4f_4a8b_b2c1_0e9f8d7c6b5a.slice/cri-containerd-\(dockerID).scope",
          container: "3f1b2c4d5e6f", podUID: podUID)
      ),
      // Kubernetes with the cgroupfs driver (v1), a guaranteed pod (no QoS level in the path).
      (
        "4:memory:/kubepods/pod\(podUID)/\(dockerID)\n0::/\n",
        CgroupLabels(cgroup: "/kubepods/pod\(podUID)/\(dockerID)", container: "3f1b2c4d5e6f", podUID: podUID)
      ),
      // CRI-O.
      (
        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6b1c3e2a_9d4f_4a8b_b2c1_0e9f8d7c6b5a.slice/crio-\(dockerID).scope\n",
        CgroupLabels(
          cgroup:
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6b1c3e2a_9d4f_4a8b_b2c1_0e9f8d7c6b5a.slice/crio-\(dockerID).scope",
          container: "3f1b2c4d5e6f", podUID: podUID)
      ),
      // Everything at the root, and an unreadable (empty) file.
      ("0::/\n", CgroupLabels(cgroup: "/")),
      ("", CgroupLabels(cgroup: "/")),
    ])
  func parsed(_ text: String, _ expected: CgroupLabels) {
    #expect(CgroupLabels.parse(text) == expected)
  }

  @Test(
    "look-alikes are not ids",
    arguments: [
      "/docker/3f1b2c4d",  // too short
      "/docker/\(String(repeating: "g", count: 64))",  // not hex
      "/system.slice/foo-\(String(repeating: "a", count: 64)).scope",  // not a container runtime's scope
      "/podcast.slice",  // pod, but no uid
      "/kubepods.slice/kubepods-burstable-podxyz.slice",
    ])
  func lookAlikes(_ path: String) {
    let labels = CgroupLabels.labels(path: path)
    #expect(labels.container == nil && labels.podUID == nil, "\(labels)")
  }

  @Test("passwd: names by uid, the first of a uid wins, malformed lines skipped")
  func passwd() {
    let text = """
      root:x:0:0:root:/root:/bin/bash
      # a comment
      daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
      toor:x:0:0:another root:/root:/bin/sh
      broken line
      nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
      :x:7:7::/:/bin/false
      """
    #expect(UserNames.parse(text) == [0: "root", 1: "daemon", 65534: "nobody"])
  }

  @Test(
    "the host's files lie beside its /proc",
    arguments: [("/proc", "/etc/passwd"), ("/host/proc", "/host/etc/passwd"), ("/host/proc/", "/host/etc/passwd")])
  func hostRoot(_ procRoot: String, _ passwd: String) {
    #expect(UserNames.passwdPath(procRoot: procRoot) == passwd)
  }
}
