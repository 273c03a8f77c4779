/// Where memtop's cgroup namespace sits in a mounted cgroup hierarchy, so that the paths
/// `/proc/PID/cgroup` gives can be found under that mount.
///
/// The kernel writes each path relative to the **reader's** cgroup namespace. On the host
/// (or in a container run with the host's namespace, `--cgroupns=host`) they are absolute.
/// In a container with a namespace of its own — the default of docker and containerd on
/// cgroup v2, and of every Kubernetes pod there — memtop's own cgroup reads `/`, and another
/// container's reads `/../../kubepods-besteffort.slice/…/cri-containerd-<id>.scope`: it climbs
/// out of the namespace's root before going down. The host's hierarchy mounted into the
/// container (`/host/sys/fs/cgroup`) is laid out from the host's root, so such a path is found
/// only once the root's own place in it is known.
///
/// The place is found once: the directory of the mounted hierarchy whose `cgroup.procs` lists
/// memtop's own pid (as its pid namespace numbers it; processes of other pid namespaces are
/// listed as 0), less memtop's own path within the namespace. Pure apart from the injected
/// reader, so captured trees test it.
public struct CgroupNamespace: Sendable, Equatable {
  /// The namespace's root in the mounted hierarchy (`/kubepods.slice/…/cri-containerd-<id>.scope`),
  /// `/` when memtop runs in the host's namespace, nil when it could not be found.
  public var root: String?

  public init(root: String?) {
    self.root = root
  }

  /// memtop in the host's namespace: every path is already absolute.
  public static let host = CgroupNamespace(root: "/")

  /// Directories looked at, at most, to find the root: a node with a few thousand pods has
  /// fewer.
  public static let maxDirectories = 20_000

  /// The leading `..` components of `path` and the components after them; nil when a `..`
  /// or `.` comes after a name (no kernel writes that: refused rather than followed).
  static func split(_ path: String) -> (up: Int, rest: [Substring])? {
    let components = path.split(separator: "/")
    let up = components.prefix { $0 == ".." }.count
    let rest = components.dropFirst(up)
    guard !rest.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
    return (up, Array(rest))
  }

  /// Whether `path` (from `/proc/PID/cgroup`) climbs out of the reader's namespace.
  public static func isOutside(_ path: String) -> Bool { path.hasPrefix("/..") }

  /// `path` as laid out in the mounted hierarchy: itself when it does not climb; resolved
  /// against ``root`` when it does; nil when it climbs and the root is not known, or climbs
  /// past the hierarchy's top, or holds a `..` after a name.
  public func resolve(_ path: String) -> String? {
    guard let (up, rest) = Self.split(path) else { return nil }
    if up == 0 { return "/" + rest.joined(separator: "/") }
    guard let root else { return nil }
    let base = root.split(separator: "/")
    guard up <= base.count else { return nil }
    let joined = base.dropLast(up) + rest
    return "/" + joined.joined(separator: "/")
  }

  /// Finds the namespace's root in the hierarchy mounted at `hierarchy`: memtop's own path in
  /// its namespace is `ownPath` (from its own `/proc/self/cgroup`; `/` in a fresh container)
  /// and its pid `pid`. Breadth-first, at most ``maxDirectories`` directories; `list` names a
  /// directory's subdirectories and `read` gives a file's text (injectable for tests).
  public static func locate(
    pid: Int32, ownPath: String, hierarchy: String, list: (String) -> [String], read: (String) -> String?,
    maxDirectories: Int = maxDirectories
  ) -> CgroupNamespace {
    guard let (ownUp, own) = split(ownPath), ownUp == 0 else { return CgroupNamespace(root: nil) }
    let wanted = String(pid)
    var queue = [""]
    var next = 0
    while next < queue.count, next < maxDirectories {
      let relative = queue[next]
      next += 1
      let directory = hierarchy + relative
      let listed = read(directory + "/cgroup.procs")?.split(separator: "\n").contains { $0 == wanted } ?? false
      if listed {
        // The directory holds memtop; its path ends with memtop's own path in the namespace.
        let found = relative.split(separator: "/")
        guard found.count >= own.count, Array(found.suffix(own.count)) == own else { continue }
        return CgroupNamespace(root: "/" + found.dropLast(own.count).joined(separator: "/"))
      }
      for name in list(directory).sorted() where !name.hasPrefix(".") {
        queue.append(relative + "/" + name)
      }
    }
    return CgroupNamespace(root: nil)
  }
}
