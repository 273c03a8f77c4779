import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop replay` in tmux: the same charts, the verdict of `memtop analyze`, paused
/// navigation, markers and export of the visible window.
@Suite("Replay end to end in tmux", .serialized, .enabled(if: TmuxSession.isAvailable))
struct ReplayEndToEndTests {
  /// Ten minutes at 1 s: RSS and anon grow 20 KiB/s under a 2 MiB sawtooth; one marker.
  static func writeRecording(_ path: String) throws {
    let writer = try CSVFileWriter(path: path)
    for i in 0..<600 {
      let t = Double(i)
      let floor = UInt64(100 << 20) + UInt64(i) * 20 * 1024
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 4242)
      sample.rss = floor + UInt64(i % 30) * (2 << 20) / 30
      sample.anon = sample.rss.map { $0 - (10 << 20) }
      sample.heap = i % 10 == 0 ? sample.anon.map { $0 - (5 << 20) } : nil
      sample.startTicks = 909_310
      sample.marker = i == 300 ? "deploy" : nil
      writer.append(sample)
    }
    try writer.finish()
  }

  @Test("replay: analyze's verdict in the banner; zoom, scroll, mark and export the visible window")
  func replay() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("rec.csv").path
    try Self.writeRecording(file)

    // What memtop analyze says about the file: the verdict and the leading rate.
    let report = try TestProcess.run([BuiltBinary.memtop, "analyze", file]).output
    let verdictLine = try #require(
      report.split(separator: "\n").first { $0.hasPrefix("verdict: ") }, "analyze said:\n\(report)")
    let verdict = String(verdictLine.dropFirst("verdict: ".count))
    let rssLine = report.split(separator: "\n").first { $0.hasPrefix("  RSS ") }.map(String.init) ?? ""
    let rate = rssLine.range(of: "+").flatMap { start in
      rssLine.range(of: ", p =").map { String(rssLine[start.lowerBound..<$0.lowerBound]) }
    }

    let command = "'\(BuiltBinary.memtop)' replay --ascii '\(file)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor { $0.contains("recording verdict: \(verdict)") && $0.contains("RSS  now") }
    #expect(ok, "replay did not show analyze's verdict \(verdict):\n\(screen)")
    #expect(screen.contains("replay rec.csv") && screen.contains("600 samples") && screen.contains("window all"))
    // A steady 20 KiB/s under the sawtooth: analyze calls it a leak, and the banner agrees to the digit.
    #expect(verdict == "LEAK", "analyze said:\n\(report)")
    let shownRate = try #require(rate, "no RSS rate in:\n\(report)")
    #expect(screen.contains("RSS \(shownRate)"), "rate \(shownRate) not in:\n\(screen)")
    #expect(screen.contains("resume"), "a replay opens paused:\n\(screen)")

    // From the whole 600 s: 5 min, then 1 min.
    for _ in 0..<2 { try tmux.send("+") }
    (screen, ok) = tmux.waitFor { $0.contains("window 1 min") }
    #expect(ok, "zoom in:\n\(screen)")
    try tmux.send("Left")
    try tmux.send("m")
    try tmux.send("Enter")
    // The recording brought one marker ("deploy"), so this is the second.
    (screen, ok) = tmux.waitFor { $0.contains("marker 2 at") }
    #expect(ok, "m in a replay:\n\(screen)")
    try tmux.send("e")
    (screen, ok) = tmux.waitFor { $0.contains("Export CSV to:") }
    #expect(ok, "export prompt:\n\(screen)")
    try tmux.send("Enter")
    (screen, ok) = tmux.waitFor { $0.contains("exported ") }
    #expect(ok, "export:\n\(screen)")

    let exported = try #require(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("memtop-4242-") })
    let path = dir.appendingPathComponent(exported).path
    let rows = try RecordingReader(path: path).read(String(contentsOfFile: path, encoding: .utf8))
    // One minute of a 1 s recording, scrolled back a quarter window from the end.
    #expect(rows.count >= 55 && rows.count <= 62, "exported \(rows.count) rows")
    let first = try #require(rows.first?.elapsed)
    let last = try #require(rows.last?.elapsed)
    #expect(last < 599 && last > 570, "window end \(last)")
    #expect(last - first <= 60)
    #expect(rows.last?.marker == "marker 2")
    #expect(rows.allSatisfy { $0.pid == 4242 && $0.startTicks == 909_310 })

    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end the replay:\n\(screen)")
  }

  @Test("a --children --per-process recording: summed totals, p steps through its processes")
  func treeRecording() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("tree.csv").path
    let writer = try CSVFileWriter(path: file)
    for i in 0..<120 {
      let t = Double(i)
      var members: [MemorySample] = []
      for (pid, base) in [(Int32(4242), UInt64(40 << 20)), (4243, 60 << 20)] {
        var member = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: pid, rss: base, anon: base / 2)
        member.startTicks = UInt64(pid) * 10
        members.append(member)
      }
      var total = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 4242, rss: 100 << 20, anon: 50 << 20)
      total.pss = 80 << 20
      total.processes = 2
      total.startTicks = 42420
      writer.append(total)
      members.forEach(writer.append)
    }
    try writer.finish()
    let command = "'\(BuiltBinary.memtop)' replay --ascii '\(file)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor {
      $0.contains("summed RSS  now 100 MiB") && $0.contains("tree of 2 processes") && $0.contains("tree PSS 80.0 MiB")
    }
    #expect(ok, "tree replay:\n\(screen)")
    #expect(screen.contains("120 samples"), "the per-process rows are not part of the main series:\n\(screen)")
    try tmux.send("p")
    (screen, ok) = tmux.waitFor {
      $0.contains("showing process 1 of 2") && $0.contains("PID 4242") && $0.contains("RSS  now 40.0 MiB")
    }
    #expect(ok, "p in a tree replay:\n\(screen)")
    try tmux.send("p")
    (screen, ok) = tmux.waitFor {
      $0.contains("showing process 2 of 2") && $0.contains("PID 4243") && $0.contains("RSS  now 60.0 MiB")
    }
    #expect(ok, "second process:\n\(screen)")
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end the replay:\n\(screen)")
  }

  @Test("a malformed recording: one line naming file and line, status 1, before the screen is touched")
  func malformed() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("bad.csv").path
    try "elapsed_s,pid,rss_bytes\n0.5,1,100\n1.0,1,12x\n".write(toFile: file, atomically: true, encoding: .utf8)
    let output = dir.appendingPathComponent("out").path
    let replay = try TestProcess([BuiltBinary.memtop, "replay", file], stdout: .file(output))
    #expect(replay.wait(timeout: 60) == 1)
    let message = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    #expect(message == "memtop: \(file):3: rss_bytes is '12x', not a whole number of bytes\n")
  }

  /// `rows` rows at 10 Hz of a process growing slowly, in memtop's format.
  static func writeLargeRecording(_ path: String, rows: Int) throws {
    let writer = try CSVFileWriter(path: path)
    for i in 0..<rows {
      let t = Double(i) / 10
      var sample = MemorySample(timeUnix: 1_764_000_000 + t, elapsed: t, pid: 4242)
      sample.rss = UInt64(100 << 20) + UInt64(i) * 40 + UInt64(i % 50) * 4096
      sample.anon = sample.rss.map { $0 - (10 << 20) }
      sample.heap = sample.anon.map { $0 - (5 << 20) }
      sample.startTicks = 909_310
      writer.append(sample)
    }
    try writer.finish()
  }

  @Test("a 100 000-row replay is drawn in seconds (loaded in bulk, judged once), then q ends it")
  func largeReplay() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("large.csv").path
    try Self.writeLargeRecording(file, rows: 100_000)
    let command = "'\(BuiltBinary.memtop)' replay --ascii '\(file)'; echo MEMTOP-EXIT=$?; sleep 600"
    let started = Date()
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    // Before bulk loading this took 26-31 s in a release build and minutes in a debug one.
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") && $0.contains("100000 samples") }
    #expect(ok, "no first frame within 60 s:\n\(screen)")
    #expect(Date().timeIntervalSince(started) < 60)
    try tmux.send("q")
    (screen, ok) = tmux.waitFor(timeout: 15) { $0.contains("MEMTOP-EXIT=0") }
    #expect(ok, "q did not end the replay:\n\(screen)")
  }

  @Test("q typed while a 10^6-row replay loads ends it without waiting for the load; SIGTERM too")
  func quitWhileLoading() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("huge.csv").path
    try Self.writeLargeRecording(file, rows: 1_000_000)
    let command = "'\(BuiltBinary.memtop)' replay --ascii '\(file)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    // The file is read before the terminal is taken; then the view loads the samples on the
    // alternate screen. q is sent once that has begun: it must be heard within seconds, not
    // after the million samples are in (over 10 s in a debug build on 2 shared cores).
    let loading = MemtopWait.until(timeout: 120) {
      ((try? tmux.run(["display-message", "-p", "#{alternate_on}"])) ?? "").hasPrefix("1")
    }
    try #require(loading, "the view never started:\n\(tmux.capture())")
    let sent = Date()
    try tmux.send("q")
    var (screen, ok) = tmux.waitFor(timeout: 120) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok, "q did not end the loading replay:\n\(screen)")
    #expect(screen.contains("MEMTOP-EXIT=0"), "\(screen)")
    #expect(Date().timeIntervalSince(sent) < 5, "q took \(Date().timeIntervalSince(sent)) s to be heard")

    let pidFile = dir.appendingPathComponent("pid").path
    let second =
      "sh -c 'echo $$ > \(pidFile); exec \(BuiltBinary.memtop) replay --ascii \(file)'; echo MEMTOP-EXIT=$?; sleep 600"
    let tmux2 = try TmuxSession(width: 130, height: 40, directory: dir.path, command: second)
    defer { tmux2.kill() }
    #expect(MemtopWait.until(timeout: 30) { FileManager.default.fileExists(atPath: pidFile) })
    usleep(300_000)
    let pid =
      (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
        Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
      } ?? 0
    #expect(pid > 0 && kill(pid, SIGTERM) == 0)
    (screen, ok) = tmux2.waitFor(timeout: 120) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok && screen.contains("MEMTOP-EXIT=143"), "SIGTERM while loading:\n\(screen)")
  }

  @Test(
    "a crash inside the view (SIGSEGV, SIGILL, SIGABRT) puts the terminal back before dying",
    arguments: ["SEGV", "ILL", "ABRT"])
  func crashRestoresTerminal(_ signal: String) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-replay-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("rec.csv").path
    try Self.writeRecording(file)
    let pidFile = dir.appendingPathComponent("pid").path
    let sttyFile = dir.appendingPathComponent("stty").path
    // The shell records memtop's pid, then the terminal's settings once memtop has died. The
    // runtime's crash reporter is left on, as users have it: memtop must still die at once.
    let command =
      "sh -c 'echo $$ > \(pidFile); exec \(BuiltBinary.memtop) replay --ascii \(file)'; "
      + "echo MEMTOP-EXIT=$?; stty -a > \(sttyFile); sleep 600"
    let tmux = try TmuxSession(width: 130, height: 40, directory: dir.path, command: command)
    defer { tmux.kill() }
    var (screen, ok) = tmux.waitFor(timeout: 60) { $0.contains("RSS  now") }
    try #require(ok, "replay did not start:\n\(screen)")
    let pidText = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let pid = try #require(Int32(pidText))
    #expect(try TestProcess.run(["kill", "-\(signal)", "\(pid)"]).output.isEmpty)
    (screen, ok) = tmux.waitFor(timeout: 30) { $0.contains("MEMTOP-EXIT=") }
    #expect(ok, "memtop did not die of SIG\(signal):\n\(screen)")
    // Killed by the signal itself (128 + its number): the handler re-raised it.
    let status = ["SEGV": 128 + 11, "ILL": 128 + 4, "ABRT": 128 + 6][signal] ?? 0
    #expect(screen.contains("MEMTOP-EXIT=\(status)"), "\(screen)")
    let settled = MemtopWait.until(timeout: 30) {
      FileManager.default.fileExists(atPath: sttyFile)
        && ((try? String(contentsOfFile: sttyFile, encoding: .utf8)) ?? "").contains("echo")
    }
    #expect(settled)
    let stty = (try? String(contentsOfFile: sttyFile, encoding: .utf8)) ?? ""
    let flags = stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
    for flag in ["icanon", "echo", "icrnl", "onlcr"] {
      #expect(flags.contains(flag), "terminal left with -\(flag):\n\(stty)")
    }
  }
}

/// Polling with a deadline.
enum MemtopWait {
  static func until(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return true }
      usleep(100_000)
    }
    return condition()
  }
}
