import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record` end to end, against real processes.
@Suite("memtop record", .serialized)
struct RecordTests {
  func readRecording(_ path: String) throws -> [MemorySample] {
    try RecordingReader(path: path).read(String(contentsOfFile: path, encoding: .utf8))
  }

  @Test("5 s at 0.1 s: at least 45 rows, contract header, RSS within 2 % of the kernel's")
  func attach() throws {
    let target = try IdleTarget(megabytes: 100)
    let out = try Scratch.directory(anyoneMayWrite: true) + "/attach.csv"
    let result = try MemtopRunner.run([
      "record", "--pid", String(target.pid), "--interval", "0.1", "--duration", "5", "--output", out,
    ])
    #expect(result.status == 0)
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(
      text.hasPrefix(
        "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,heap_bytes,file_bytes,shmem_bytes,swap_bytes,brk_heap_bytes,peak_rss_bytes,pss_bytes,uss_bytes,swap_pss_bytes,marker"
      ))
    let samples = try readRecording(out)
    #expect(samples.count >= 45)
    let kernel = try #require(target.vmRSS())
    for s in samples {
      #expect(s.pid == target.pid)
      let rss = Double(try #require(s.rss))
      #expect(abs(rss - kernel) / kernel < 0.02)
      #expect((s.anon ?? 0) > 100 << 20)
    }
    #expect(samples.contains { $0.heap != nil && $0.pss != nil })
    // Times: elapsed counts from 0 in steps of the interval; wall time is seconds since the epoch.
    #expect(samples[0].elapsed < 0.05)
    #expect(abs(samples.last!.elapsed - 5) < 0.2)
    #expect(abs(samples[0].timeUnix - Date().timeIntervalSince1970) < 60)
    // The span to the last sample: 5.00 s, or a hair more when the last wakeup came late on a
    // busy machine.
    let ending = result.stderr.split(separator: "\n").first { $0.contains("as asked") }.map(String.init) ?? ""
    #expect(ending.hasPrefix("memtop: recorded process \(target.pid) (python3) for 5.0"), "\(result.stderr)")
    #expect(ending.hasSuffix(" s as asked"), "\(result.stderr)")
    #expect(try pythonReadsCSV(out) == "\(samples.count) \(CSVFormat.columns.count)")
  }

  @Test("launch: no shell, the command's exit status passes through, stdout stays pure CSV")
  func launch() throws {
    let result = try MemtopRunner.run(
      [
        "record", "--interval", "0.05", "--output", "-", "--", "python3", "-c",
        "import sys, time; print('child says hi'); time.sleep(0.5); sys.exit(7)",
      ])
    #expect(result.status == 7)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("time_unix_s,elapsed_s,pid,") == true)
    // The child's own output never lands among the rows (its command line, in the command
    // column of the first row, names the text, but no line is the text itself).
    #expect(!lines.contains("child says hi"))
    #expect(result.stderr.contains("child says hi"))
    #expect(lines.count >= 5)
    #expect(result.stderr.contains("exited with status 7 after"))
  }

  @Test("launch: a successful command exits 0 and its arguments arrive verbatim")
  func launchVerbatim() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/v.csv"
    let result = try MemtopRunner.run(
      [
        "record", "--interval", "0.05", "-o", out, "--", "python3", "-c",
        "import sys, time; time.sleep(0.3); sys.exit(0 if sys.argv[1:] == ['$HOME; rm -rf x', '*'] else 5)",
        "$HOME; rm -rf x", "*",
      ])
    #expect(result.status == 0)
    #expect(try readRecording(out).count >= 3)
  }

  @Test("SIGINT, SIGTERM and SIGHUP stop cleanly with every row on disk", arguments: [SIGINT, SIGTERM, SIGHUP])
  func stopSignal(_ signo: Int32) throws {
    let target = try IdleTarget(megabytes: 5)
    let out = try Scratch.directory(anyoneMayWrite: true) + "/sig.csv"
    let running = try MemtopRunner.start(["record", "--pid", String(target.pid), "--interval", "0.05", "-o", out])
    // Wait until rows are flowing (the file grows past its header).
    let deadline = Date().addingTimeInterval(30)
    while ((try? readRecording(out).count) ?? 0) < 10 && Date() < deadline { usleep(50_000) }
    running.signal(signo)
    #expect(running.wait(timeout: 30) == 0)
    let samples = try readRecording(out)
    #expect(samples.count >= 10)
    #expect(
      running.stderr.contains("stopped by \(signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "SIGHUP")"))
    #expect(running.stderr.contains("\(samples.count) samples over"))
    #expect(try pythonReadsCSV(out) == "\(samples.count) \(CSVFormat.columns.count)")
  }

  @Test("SIGKILL: rows older than the last flush are on disk, with no half row")
  func killed() throws {
    let target = try IdleTarget(megabytes: 5)
    let out = try Scratch.directory(anyoneMayWrite: true) + "/kill.csv"
    let running = try MemtopRunner.start(["record", "--pid", String(target.pid), "--interval", "0.02", "-o", out])
    let started = Date()
    while Date().timeIntervalSince(started) < 3 { usleep(100_000) }
    running.signal(SIGKILL)
    running.wait(timeout: 30)
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(text.hasSuffix("\n"), "the file ends with a whole row")
    let samples = try readRecording(out)
    // 3 s at 50 Hz, flushed every second: at least the first ~1.5 s must be there.
    #expect(samples.count >= 50)
    #expect(try pythonReadsCSV(out) == "\(samples.count) \(CSVFormat.columns.count)")
  }

  @Test("the target exiting ends the recording with a message")
  func targetExits() throws {
    let target = try IdleTarget(megabytes: 5)
    let out = try Scratch.directory(anyoneMayWrite: true) + "/exit.csv"
    let running = try MemtopRunner.start(["record", "--pid", String(target.pid), "--interval", "0.05", "-o", out])
    usleep(700_000)
    target.running.signal(SIGKILL)
    target.running.wait(timeout: 10)
    #expect(running.wait(timeout: 30) == 0)
    // Seen either as a zombie (before this test reaps it: how it died is known) or gone.
    #expect(
      running.stderr.contains("process \(target.pid) (python3) exited after")
        || running.stderr.contains(
          "process \(target.pid) (python3) was killed by SIGKILL (a zombie its parent has not reaped) after")
    )
    #expect(try readRecording(out).count >= 3)
  }
}
