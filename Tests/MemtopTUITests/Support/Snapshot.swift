import Foundation
import Testing

/// Compares text with `Snapshots/<name>.txt` beside this folder.
///
/// Set `MEMTOP_RECORD_SNAPSHOTS=1` to (re)record: the file is written and the test fails once,
/// so every new baseline is looked at before it is trusted. A mismatch prints a line diff.
enum Snapshot {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Snapshots")

  static func assert(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let file = directory.appendingPathComponent(name + ".txt")
    let recording = ProcessInfo.processInfo.environment["MEMTOP_RECORD_SNAPSHOTS"] == "1"
    guard !recording, let expected = try? String(contentsOf: file, encoding: .utf8) else {
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try actual.write(to: file, atomically: true, encoding: .utf8)
        Issue.record(
          "recorded snapshot \(file.path); check it, then run the tests again", sourceLocation: sourceLocation)
      } catch {
        Issue.record("cannot write snapshot \(file.path): \(error)", sourceLocation: sourceLocation)
      }
      return
    }
    guard actual != expected else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    var diff: [String] = []
    for i in 0..<max(a.count, e.count) {
      let got = i < a.count ? String(a[i]) : "<none>"
      let want = i < e.count ? String(e[i]) : "<none>"
      if got != want { diff.append("line \(i + 1):\n  - \(want)\n  + \(got)") }
    }
    Issue.record(
      Comment(
        rawValue: "snapshot \(name) differs (MEMTOP_RECORD_SNAPSHOTS=1 re-records):\n"
          + diff.prefix(12).joined(separator: "\n")),
      sourceLocation: sourceLocation)
  }
}
