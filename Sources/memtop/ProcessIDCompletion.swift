import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

extension CompletionKind {
  /// The pids in /proc, for `--pid` / `-p`.
  static var processIDs: CompletionKind {
    .custom { _, _, prefix in
      guard let dir = opendir("/proc") else { return [] }
      defer { closedir(dir) }
      var pids: [Int32] = []
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if let pid = Int32(name), name.hasPrefix(prefix) { pids.append(pid) }
      }
      return pids.sorted().map(String.init)
    }
  }
}
