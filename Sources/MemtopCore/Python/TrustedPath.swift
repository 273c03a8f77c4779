import MemtopFormat
import MemtopSystem

/// Whether a path can be trusted with code another program will run: nobody but memtop's
/// user or root may change it, or anything on the way to it.
///
/// Every directory from `/` down (symbolic links resolved first) must belong to root or to
/// the user and be writable by nobody else — or be sticky, as `/tmp` is, where only an
/// entry's owner may rename or remove it. Anyone who may write a parent can rename a child
/// aside and put their own in its place, so one weak link on the way is enough to swap
/// whatever memtop hands over.
enum TrustedPath {
  /// Why `path` cannot be trusted by `user`, or nil when it can.
  static func problem(with path: String, user: UInt32) -> String? {
    guard let resolved = Syscalls.resolvedPath(path) else { return "it does not exist" }
    var current = ""
    let parts = resolved.split(separator: "/").map(String.init)
    for index in -1..<parts.count {
      current = index < 0 ? "/" : (current == "/" ? "" : current) + "/" + parts[index]
      guard let facts = Syscalls.facts(current) else { return "\(current) cannot be examined" }
      let shown = Sanitizer.terminalSafe(current, maxLength: 120)
      if facts.owner != 0 && facts.owner != user {
        return "\(shown) belongs to uid \(facts.owner)"
      }
      if facts.writableByOthers && !(facts.isDirectory && facts.isSticky) {
        return "\(shown) may be written by other users (mode \(String(facts.permissions, radix: 8)))"
      }
    }
    return nil
  }

  /// Whether `path` can be trusted by `user`.
  static func isTrusted(_ path: String, user: UInt32) -> Bool {
    problem(with: path, user: user) == nil
  }

  /// Why the directory `path` is not a private directory of `user`'s — one they own, a real
  /// directory (not a link), with no access for anyone else, on a trusted way — or nil.
  static func privateDirectoryProblem(_ path: String, user: UInt32) -> String? {
    guard let facts = Syscalls.facts(path) else { return "it does not exist" }
    if facts.isSymbolicLink { return "it is a symbolic link" }
    if !facts.isDirectory { return "it is not a directory" }
    if facts.owner != user { return "it belongs to uid \(facts.owner)" }
    if facts.permissions & 0o077 != 0 {
      return "its mode is \(String(facts.permissions & 0o777, radix: 8)), not 700"
    }
    return problem(with: path, user: user)
  }
}
