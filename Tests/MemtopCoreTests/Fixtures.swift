import Foundation
import MemtopTestSupport

/// Access to the real `/proc` captures under `Fixtures/captures`.
enum Fixtures {
  static let captures: URL = {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
      fatalError("test fixtures missing from the bundle")
    }
    return url.appendingPathComponent("captures")
  }()

  /// The text of `FILE` captured from the process `name` (tiny, python100m, many-mappings, kthread).
  static func text(_ name: String, _ file: String) throws -> String {
    try String(contentsOf: captures.appendingPathComponent(name).appendingPathComponent(file), encoding: .utf8)
  }

  /// Builds a `/proc`-shaped tree in a fresh temporary folder: `ROOT/PID/FILE` for each capture
  /// file, leaving out `omit`. Returns the root.
  static func procTree(pid: Int32, from name: String, omit: Set<String> = [], edit: [String: String] = [:]) throws
    -> String
  {
    let root = URL(fileURLWithPath: try Scratch.directory("memtop-proc"))
    let dir = root.appendingPathComponent(String(pid))
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for file in ["status", "statm", "stat", "smaps", "smaps_rollup"] where !omit.contains(file) {
      let text = try edit[file] ?? self.text(name, file)
      try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
    }
    return root.path
  }
}

/// Small file helpers for building test trees.
enum FileSystem {
  static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }
}
