import Foundation
import MemtopTestSupport
import Testing

/// `memtop --children` in tmux: a launched python3 with two children, driven with `p`.
@Suite(
  "Process trees end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable && PythonChild.isAvailable))
struct TreeEndToEndTests {
  @Test("--children: the total is labelled as summed, p steps through each process and back")
  func switchMembers() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-e2e-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let python =
      "import subprocess, time\\nkids = [subprocess.Popen([\\\"sleep\\\", \\\"120\\\"]) for _ in range(2)]\\ntime.sleep(120)"
    let command =
      "'\(BuiltBinary.memtop)' --ascii --children --child-output '\(dir.path)/child.log' -- python3 -c \"$(printf '\(python)')\"; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 140, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    // A launcher (e.g. a pyenv shim) runs as bash with helpers of its own before it execs
    // python3: wait for python3 at the root and its two children.
    var (screen, ok) = tmux.waitFor(timeout: 60) {
      $0.contains("tree of 3 processes, showing the total") && $0.contains("summed RSS  now")
        && $0.split(separator: "\n").contains { $0.hasPrefix("memtop  PID ") && $0.contains("  python3  ") }
    }
    #expect(ok, "tree total screen:\n\(screen)")
    #expect(screen.contains(" p process"), "the status bar offers the process key:\n\(screen)")
    let rootLine = screen.split(separator: "\n").first { $0.hasPrefix("memtop  PID ") } ?? ""

    // p steps through every process seen so far (one that came and went under load counts
    // too), then back to the total.
    var seen: [String] = []
    var names = ""
    for index in 1...10 {
      try tmux.send("p")
      (screen, ok) = tmux.waitFor { s in
        (s.contains("showing process \(index) of ") && s.contains("RSS  now") && !s.contains("summed RSS"))
          || (index > 1 && s.contains("showing the total") && s.contains("summed RSS  now"))
      }
      #expect(ok, "p did not show process \(index) or the total:\n\(screen)")
      if !ok || screen.contains("showing the total") { break }
      let header = screen.split(separator: "\n").first { $0.hasPrefix("memtop  PID ") } ?? ""
      seen.append(String(header.split(separator: " ").dropFirst(2).first ?? ""))
      names += header
    }
    // At least the python3 root and its two sleep children, each once, then the total again.
    #expect(Set(seen).count == seen.count && seen.count >= 3, "pids shown: \(seen)")
    #expect(names.contains("python3") && names.contains("sleep"))
    #expect(rootLine.contains("python3"))
    #expect(screen.contains("showing the total"), "p after the last process did not return to the total:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end memtop:\n\(screen)")
  }
}
