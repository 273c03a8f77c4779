import Foundation
import MemtopExport
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `memtop record` under faults done for real: a target that dies and is never reaped, a
/// process hidden by `hidepid`, an unwritable output directory, hostile process names.
@Suite("memtop record under faults", .serialized)
struct FaultTests {
  /// A Python parent that forks a child and never reaps it. The child touches memory, writes
  /// its PID, waits for the file `go`, then SIGKILLs itself: it stays a zombie while the
  /// parent sleeps.
  final class ZombieFamily {
    let parent: TestProcess
    let child: Int32
    let go: String

    init(dir: String) throws {
      let pidFile = dir + "/child"
      let go = dir + "/go"
      let script = """
        import os, signal, time
        pid = os.fork()
        if pid == 0:
            b = bytearray(b'\\x01') * (8 << 20)
            open('\(pidFile).tmp', 'w').write(str(os.getpid()))
            os.rename('\(pidFile).tmp', '\(pidFile)')
            while not os.path.exists('\(go)'):
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(600)
        """
      parent = try MemtopRunner.spawn(["python3", "-c", script])
      self.go = go
      MemtopRunner.waitUntil { FileManager.default.fileExists(atPath: pidFile) }
      child = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "") ?? 0
    }

    func release() { FileManager.default.createFile(atPath: go, contents: nil) }
  }

  @Test("a target SIGKILLed and left a zombie: the recording ends cleanly, says how, keeps every row")
  func zombie() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let family = try ZombieFamily(dir: dir)
    try #require(family.child > 0)
    let out = dir + "/zombie.csv"
    let running = try MemtopRunner.start(["record", "--pid", String(family.child), "--interval", "0.05", "-o", out])
    MemtopRunner.waitUntil {
      ((try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").count ?? 0) > 10
    }
    family.release()
    #expect(running.wait(timeout: 60) == 0)
    // Still a zombie: the parent never reaped it.
    let state = (try? String(contentsOfFile: "/proc/\(family.child)/stat", encoding: .utf8)) ?? ""
    #expect(state.contains(") Z "), "the child should still be a zombie: \(state)")
    #expect(
      running.stderr.contains(
        "process \(family.child) (python3) was killed by SIGKILL (a zombie its parent has not reaped) after"))
    let samples = try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8))
    #expect(samples.count >= 10)
    #expect(running.stderr.contains("\(samples.count) samples over"))
    #expect(samples.allSatisfy { ($0.rss ?? 0) > 8 << 20 }, "no row of the dead process, no zero")
    #expect(try pythonReadsCSV(out) == "\(samples.count) \(CSVFormat.columns.count)")
  }

  /// Whether this machine lets root mount a private /proc with hidepid=2 (containers may not).
  static let canMountHidepid: Bool = {
    guard getuid() == 0, let out = try? Scratch.directory(anyoneMayWrite: true) + "/probe" else { return false }
    return
      (try? MemtopRunner.runTool(["unshare", "-m", "sh", "-c", "mount -t proc -o hidepid=2 proc /proc"], output: out))
      == 0
  }()

  @Test(
    "/proc mounted with hidepid=2 (a real mount in a private namespace): 'no such process or not visible'",
    .enabled(if: canMountHidepid, "needs root and permission to mount /proc in a new mount namespace"))
  func hidepid() throws {
    let target = try IdleTarget(megabytes: 1)  // root's, so nobody cannot see it
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/hidden.csv"
    let log = dir + "/log"
    let script =
      "mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" record --pid \"$1\" -o \"$2\""
    let status = try MemtopRunner.runTool(
      ["unshare", "-m", "sh", "-c", script, BuiltBinary.memtop, String(target.pid), out], output: log)
    #expect(status == 1)
    #expect(
      try String(contentsOfFile: log, encoding: .utf8)
        == "memtop: no such process or not visible: PID \(target.pid) (it has exited, or /proc is mounted with hidepid); check it with ps -p \(target.pid), or run memtop as the process's user or as root\n"
    )
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test(
    "an output directory the user may not write: one line, status 1, nothing left behind",
    .enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
  func readOnlyDirectory() throws {
    let target = try IdleTarget(megabytes: 1)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-ro-\(UUID())").path
    try FileManager.default.createDirectory(
      atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
    let out = dir + "/x.csv"
    let result = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "-o", out],
      prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "memtop: cannot create output file '\(out)': Permission denied; choose a writable --output path (or --output - for standard output)\n"
    )
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test("a launched command's address space changes under memtop (exec): detailed figures keep coming, no warning")
  func execUnderneath() throws {
    let out = try Scratch.directory(anyoneMayWrite: true) + "/exec.csv"
    let result = try MemtopRunner.run(
      // No stall cap: on a loaded machine slow reads could spend its credit for the whole run.
      [
        "record", "--interval", "0.02", "--budget", "50", "--max-stall", "0", "-o", out, "--", "python3", "-c",
        "import time; time.sleep(0.5); b = bytearray(b'\\x01') * (30 << 20); time.sleep(1.5)",
      ])
    #expect(result.status == 0)
    #expect(!result.stderr.contains("warning"), "stderr: \(result.stderr)")
    let samples = try RecordingReader(path: out).read(String(contentsOfFile: out, encoding: .utf8))
    #expect(samples.count >= 20)
    // The old descriptor died with the pre-exec image; a fresh one must serve the rest.
    #expect(samples.suffix(samples.count / 2).contains { $0.pss != nil }, "PSS stopped after exec")
  }

  @Test("a process name with ESC, BEL and a newline is printed escaped, never raw")
  func hostileName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let ready = dir + "/ready"
    // comm holds at most 15 bytes: OSC 2 (set the title), BEL, a newline, ED (clear screen).
    let script =
      "import time\nopen('/proc/self/comm', 'w').write('\\x1b]2;PWN\\x07\\n\\x1b[2J')\nopen('\(ready)', 'w').close()\ntime.sleep(600)\n"
    let target = try MemtopRunner.spawn(["python3", "-c", script])
    MemtopRunner.waitUntil { FileManager.default.fileExists(atPath: ready) }
    let out = dir + "/name.csv"
    let result = try MemtopRunner.run([
      "record", "--pid", String(target.pid), "--interval", "0.05", "--duration", "0.5", "-o", out,
    ])
    #expect(result.status == 0)
    #expect(result.stderr.contains("process \(target.pid) (\\e]2;PWN\\a\\n\\e[2J) for"))
    #expect(
      !result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{07}"), "no raw control byte: \(result.stderr)")
    let analyzed = try MemtopRunner.run(["analyze", out])
    #expect(analyzed.status == 0)
    #expect(!analyzed.stdout.contains("\u{1B}") && !analyzed.stderr.contains("\u{1B}"))
  }

  @Test("a launched command named with ESC sequences and 4 KB of text: the error quotes it escaped")
  func hostileCommand() throws {
    let name = "\u{1B}]2;PWN\u{07}\u{1B}[2J" + String(repeating: "A", count: 4096)
    let result = try MemtopRunner.run(["record", "-o", "-", "--", name])
    #expect(result.status == 127)
    #expect(result.stderr.hasPrefix("memtop: cannot run '\\e]2;PWN\\a\\e[2J"))
    #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{07}"))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(result.stderr.utf8.count < 1024, "the name is cut, not printed whole")
  }
}
