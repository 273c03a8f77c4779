/// What a process's cgroup path says about where it runs: the path itself, the systemd unit,
/// a container's id and a Kubernetes pod's uid, parsed from the text of `/proc/PID/cgroup`.
///
/// Pure: the caller reads the file. The path is untrusted text (a delegated cgroup may be
/// named by its user); escape it before output.
public struct CgroupLabels: Sendable, Equatable {
  /// The cgroup path: the unified (v2) one, else the v1 `name=systemd` one, else the v1 memory
  /// controller's, the first that is not the root; `/` when all are.
  public var cgroup: String
  /// The systemd unit the process runs in (`nginx.service`, `session-3.scope`); nil when the
  /// path names none, or names only a container's scope.
  public var unit: String?
  /// A docker / containerd / CRI-O / podman container id, shortened to 12 hex digits as
  /// `docker ps` shows it.
  public var container: String?
  /// A Kubernetes pod's uid (`kubepods…pod<uid>`), with dashes.
  public var podUID: String?

  public init(cgroup: String, unit: String? = nil, container: String? = nil, podUID: String? = nil) {
    self.cgroup = cgroup
    self.unit = unit
    self.container = container
    self.podUID = podUID
  }

  /// Prefixes systemd gives a container's scope (`docker-<id>.scope`, `cri-containerd-<id>.scope`).
  static let containerScopePrefixes = ["docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"]

  /// Parses the text of `/proc/PID/cgroup` (v2 `0::/path`, v1 `N:controllers:/path`).
  public static func parse(_ text: String) -> CgroupLabels {
    var v2: String?
    var systemd: String?
    var memory: String?
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      if parts[0] == "0" && parts[1].isEmpty { v2 = String(parts[2]) }
      if parts[1] == "name=systemd" { systemd = String(parts[2]) }
      if parts[1].split(separator: ",").contains("memory") { memory = String(parts[2]) }
    }
    let path = [v2, systemd, memory].compactMap { $0 }.first { $0 != "/" && !$0.isEmpty } ?? "/"
    return labels(path: path)
  }

  /// The labels of one cgroup path.
  public static func labels(path: String) -> CgroupLabels {
    var labels = CgroupLabels(cgroup: path)
    for component in path.split(separator: "/").map(String.init) {
      if let id = containerID(component) {
        labels.container = String(id.prefix(12))
      } else if let uid = podUID(component) {
        labels.podUID = uid
      } else if component.hasSuffix(".service") || component.hasSuffix(".scope") {
        labels.unit = component
      }
    }
    return labels
  }

  /// A 64-hex-digit container id in one path component: the whole component (`/docker/<id>`,
  /// `/kubepods/burstable/pod…/<id>`) or a systemd scope (`docker-<id>.scope`).
  static func containerID(_ component: String) -> String? {
    var name = Substring(component)
    if name.hasSuffix(".scope") {
      name = name.dropLast(".scope".count)
      guard let prefix = containerScopePrefixes.first(where: { name.hasPrefix($0) }) else { return nil }
      name = name.dropFirst(prefix.count)
    }
    guard name.count == 64, name.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
    return String(name)
  }

  /// A pod uid in one path component: `pod<uid>` (cgroupfs driver) or
  /// `kubepods[-qos]-pod<uid with _ for ->.slice` (systemd driver).
  static func podUID(_ component: String) -> String? {
    var name = Substring(component)
    if name.hasSuffix(".slice") {
      name = name.dropLast(".slice".count)
      // kubepods-pod<uid>, kubepods-burstable-pod<uid>, kubepods-besteffort-pod<uid>
      guard name.hasPrefix("kubepods"), let uid = name.split(separator: "-").last, uid.hasPrefix("pod") else {
        return nil
      }
      name = uid.dropFirst(3)
    } else {
      guard name.hasPrefix("pod") else { return nil }
      name = name.dropFirst(3)
    }
    let uid = name.replacingUnderscores()
    let hex = uid.filter { $0 != "-" }
    guard hex.count == 32, hex.allSatisfy({ $0.isHexDigit }), uid.count == 32 || uid.count == 36 else { return nil }
    return uid.lowercased()
  }
}

extension Substring {
  fileprivate func replacingUnderscores() -> String {
    String(map { $0 == "_" ? "-" : $0 })
  }
}
