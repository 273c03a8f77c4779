/// User names by user id, from the text of an `/etc/passwd` file (the one of the host whose
/// `/proc` is read: `/host/etc/passwd` beside `/host/proc`).
///
/// Pure: the caller reads the file. Names are untrusted text; escape them before output.
public enum UserNames {
  /// Each uid's first name in `text` (`name:x:uid:gid:...` lines; malformed lines skipped).
  public static func parse(_ text: String) -> [UInt32: String] {
    var names: [UInt32: String] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
      guard fields.count >= 3, !fields[0].isEmpty, let uid = UInt32(fields[2]), names[uid] == nil else { continue }
      names[uid] = String(fields[0])
    }
    return names
  }

  /// The `/etc/passwd` of the host whose `/proc` is mounted at `procRoot` (`/proc` →
  /// `/etc/passwd`, `/host/proc` → `/host/etc/passwd`).
  public static func passwdPath(procRoot: String) -> String {
    hostRoot(procRoot: procRoot) + "/etc/passwd"
  }

  /// The directory holding `procRoot` (`""` for `/proc`, `/host` for `/host/proc`), under
  /// which the same host's `/etc` and `/sys` are looked for.
  public static func hostRoot(procRoot: String) -> String {
    var trimmed = Substring(procRoot)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    return String(trimmed[..<slash])
  }
}
