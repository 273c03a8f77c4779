import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The watch session end to end, done for real: outputs never clobbered, launched programs and
/// their workers never outliving memtop, whole rows on a failed write, threads and zombies as
/// targets, launchers followed, a tree's leaking member named.
@Suite("memtop record: the watch session", .serialized)
struct SessionTests {
  /// Whether `pid` is gone (or only a zombie waiting to be reaped).
  static func isGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.range(of: ") ", options: .backwards) else { return true }
    return stat[close.upperBound...].hasPrefix("Z")
  }

  func readRecording(_ path: String) throws -> [MemorySample] {
    try RecordingReader(path: path).read(String(contentsOfFile: path, encoding: .utf8))
  }

  static func pid(in path: String) -> Int32? {
    (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
      Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  /// A script that holds `megabytes` of touched memory, says so in `ready`, then sleeps.
  static func holdScript(megabytes: Int, ready: String, seconds: Int = 60) -> String {
    "import time\nb = bytearray(b'\\x01') * (\(megabytes) << 20)\nopen('\(ready)', 'w').close()\ntime.sleep(\(seconds))\n"
  }

  // MARK: - Outputs

  @Test("a typo in the command never touches an existing recording; without --force it is refused first")
  func failedLaunchKeepsFile() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let keep = dir + "/keep.csv"
    try "precious\n".write(toFile: keep, atomically: true, encoding: .utf8)
    let refused = try MemtopRunner.run(["record", "-o", keep, "--", "memtop_no_such_command"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("already exists; add --force to replace it, or choose another name"))
    #expect(try String(contentsOfFile: keep, encoding: .utf8) == "precious\n")

    let forced = try MemtopRunner.run(["record", "--force", "-o", keep, "--", "memtop_no_such_command"])
    #expect(forced.status == 127)
    #expect(forced.stderr.contains("command not found"))
    #expect(try String(contentsOfFile: keep, encoding: .utf8) == "precious\n", "a failed launch replaced the file")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.csv"], "a staged file was left behind")
  }

  @Test("--force replaces an existing recording once the target runs")
  func forceReplaces() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/old.csv"
    try "old\n".write(toFile: out, atomically: true, encoding: .utf8)
    let result = try MemtopRunner.run([
      "record", "--force", "-i", "0.1", "--duration", "1", "-o", out, "--", "sleep", "5",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(text.hasPrefix(CSVFormat.headerLine))
    #expect(try readRecording(out).count >= 5)
  }

  @Test("the live view refuses --record - and an existing --record file")
  func liveRecordRefused() throws {
    let dash = try MemtopRunner.run(["--pid", "1", "--record", "-"])
    #expect(dash.status == 64)
    #expect(dash.stderr.contains("--record - would write CSV over the live view"))
  }

  @Test("a full file (RLIMIT_FSIZE) mid-record: whole rows only, how many are safe, and the verdict still printed")
  func writeFailureKeepsWholeRows() throws {
    let target = try IdleTarget(megabytes: 5)
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let out = dir + "/full.csv"
    let log = dir + "/log"
    // 16 KiB is room for about 150 rows; SIGXFSZ is ignored so the write fails with EFBIG.
    let status = try MemtopRunner.runTool(
      [
        "sh", "-c",
        "trap '' XFSZ; ulimit -f 16; exec \"$0\" record -i 0.02 --duration 30 --pid \(target.pid) -o \(out)",
        BuiltBinary.memtop,
      ],
      output: log)
    let stderr = try String(contentsOfFile: log, encoding: .utf8)
    #expect(status == 1, "\(stderr)")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(text.hasSuffix("\n"), "the file ends in half a row")
    let rows = try readRecording(out).count
    #expect(rows > 20)
    #expect(stderr.contains("the \(rows) rows before it are safe in the file, each whole"), "\(stderr)")
    #expect(stderr.contains("; \(rows) rows of them in "), "the summary counts what is in the file: \(stderr)")
    #expect(stderr.contains("verdict: "))
    #expect(try pythonReadsCSV(out) == "\(rows) \(CSVFormat.columns.count)")
  }

  // MARK: - Launched programs never outlive memtop

  @Test("record -o - | head: memtop ends on the closed pipe and stops the command")
  func closedPipeStopsCommand() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let pidFile = dir + "/pid"
    let status = try MemtopRunner.runTool(
      [
        "sh", "-c", "\"$0\" record -i 0.1 -o - -- sh -c 'echo $$ > \(pidFile); exec sleep 60' | head -2 > /dev/null",
        BuiltBinary.memtop,
      ],
      output: dir + "/log")
    #expect(status == 0)
    let pid = try #require(Self.pid(in: pidFile))
    #expect(MemtopRunner.waitUntil(timeout: 20) { Self.isGone(pid) }, "sleep \(pid) outlived memtop")
  }

  @Test("SIGKILL of memtop: the launched command and the worker it forked die too")
  func killedMemtopTakesTheTreeAlong() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let running = try MemtopRunner.start(
      [
        "record", "-i", "0.1", "-o", dir + "/k.csv", "--", "sh", "-c",
        "sleep 300 & echo $! > \(dir)/worker; echo $$ > \(dir)/master; wait",
      ])
    #expect(MemtopRunner.waitUntil { Self.pid(in: dir + "/worker") != nil && Self.pid(in: dir + "/master") != nil })
    let worker = try #require(Self.pid(in: dir + "/worker"))
    let master = try #require(Self.pid(in: dir + "/master"))
    defer {
      kill(worker, SIGKILL)
      kill(master, SIGKILL)
    }
    usleep(300_000)
    running.signal(SIGKILL)
    running.wait(timeout: 30)
    #expect(
      MemtopRunner.waitUntil(timeout: 20) { Self.isGone(worker) && Self.isGone(master) },
      "the command or its worker outlived memtop")
  }

  // MARK: - Targets

  @Test("a thread id: the process it belongs to is recorded, and memtop says so")
  func threadIsItsProcess() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let ready = dir + "/ready"
    let script =
      "import threading, time\nt = threading.Thread(target=time.sleep, args=(600,), daemon=True)\nt.start()\nopen('\(ready)', 'w').close()\ntime.sleep(600)\n"
    let target = try MemtopRunner.spawn(["python3", "-c", script])
    #expect(MemtopRunner.waitUntil { FileManager.default.fileExists(atPath: ready) })
    let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(target.pid)/task").compactMap { Int32($0) }
    let thread = try #require(tasks.first { $0 != target.pid })
    let out = dir + "/t.csv"
    let result = try MemtopRunner.run(["record", "--pid", String(thread), "-i", "0.1", "--duration", "1", "-o", out])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("\(thread) is a thread of process \(target.pid) (python3): watching the process"))
    let rows = try readRecording(out)
    #expect(!rows.isEmpty && rows.allSatisfy { $0.pid == target.pid })
  }

  @Test("a zombie target: one line, status 1, no file")
  func zombieTarget() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let family = try FaultTests.ZombieFamily(dir: dir)
    try "".write(toFile: family.go, atomically: true, encoding: .utf8)
    #expect(MemtopRunner.waitUntil { Self.isGone(family.child) })
    let out = dir + "/z.csv"
    let result = try MemtopRunner.run(["record", "--pid", String(family.child), "-o", out])
    #expect(result.status == 1)
    #expect(result.stderr.contains("has already exited (a zombie its parent has not reaped)"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test("sh -c 'python3 hold.py; true' attached by its pid: the interpreter's memory is recorded")
  func shellLauncherFollowed() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let script = dir + "/hold.py"
    try Self.holdScript(megabytes: 60, ready: dir + "/ready").write(toFile: script, atomically: true, encoding: .utf8)
    let shell = try MemtopRunner.spawn(["sh", "-c", "python3 \(script); true"])
    let out = dir + "/sh.csv"
    let result = try MemtopRunner.run(["record", "--pid", String(shell.pid), "-i", "0.1", "--duration", "4", "-o", out])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("process \(shell.pid) (sh) is a launcher: watching the program it runs"))
    let rows = try readRecording(out)
    defer { for pid in Set(rows.map(\.pid)) where pid != shell.pid { kill(pid, SIGKILL) } }
    #expect(rows.allSatisfy { $0.pid != shell.pid })
    #expect((rows.last?.rss ?? 0) > 55 << 20, "the last row holds \(rows.last?.rss ?? 0) bytes")
  }

  @Test(
    "python3 hold.py & through the PATH's python3 (a pyenv shim here), attached at once: the interpreter is recorded")
  func pyenvShimFollowed() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let script = dir + "/hold.py"
    try Self.holdScript(megabytes: 60, ready: dir + "/ready").write(toFile: script, atomically: true, encoding: .utf8)
    let started = try MemtopRunner.spawn(["python3", script])
    let out = dir + "/shim.csv"
    let result = try MemtopRunner.run([
      "record", "--pid", String(started.pid), "-i", "0.1", "--duration", "5", "-o", out,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let rows = try readRecording(out)
    #expect((rows.last?.rss ?? 0) > 55 << 20, "the last row holds \(rows.last?.rss ?? 0) bytes: \(result.stderr)")
  }

  // MARK: - Trees

  @Test(
    "a master with a worker leaking ~100 KB/s and a steady one, --children --per-process for 90 s: leak, the leaker named, nothing left running"
  )
  func leakingWorkerNamed() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let script = VerdictAgreementTests.treeScript(in: dir, leakKiB: 10)
    let out = dir + "/tree.csv"
    let result = try MemtopRunner.run(
      [
        "record", "--children", "--per-process", "-i", "0.2", "--duration", "90", "-o", out, "--", "python3", "-c",
        script,
      ],
      timeout: 300)
    #expect(result.status == 0, "\(result.stderr)")
    let leaker = try #require(Self.pid(in: dir + "/leaker"))
    let steady = try #require(Self.pid(in: dir + "/steady"))
    let master = try #require(Self.pid(in: dir + "/master"))
    defer { for pid in [leaker, steady, master] { kill(pid, SIGKILL) } }
    #expect(result.stderr.contains("verdict: leak"), "\(result.stderr)")
    #expect(result.stderr.contains("worker \(leaker) (python3 -c "), "\(result.stderr)")
    #expect(!result.stderr.contains("worker \(steady) ("))
    #expect(
      MemtopRunner.waitUntil(timeout: 20) { [leaker, steady, master].allSatisfy(Self.isGone) },
      "a process of the tree outlived the recording")

    let json = try MemtopRunner.run(["analyze", "--json", out])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(object["verdict"] as? String == "leak")
    let members = try #require(object["members"] as? [[String: Any]])
    #expect(members.first { $0["pid"] as? Int == Int(leaker) }?["verdict"] as? String == "leak")
    #expect(members.first { $0["pid"] as? Int == Int(steady) }?["verdict"] as? String != "leak")
    #expect(members.allSatisfy { $0["command"] is String && $0["slope_bytes_per_s"] != nil })
  }
}
