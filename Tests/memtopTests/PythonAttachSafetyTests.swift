import Foundation
import MemtopCore
import MemtopSystem
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--python` never lets another user in and never hurts its host, done for real: a second
/// user (`nobody`, through `setpriv`), real gdb, real signals, a thread holding the
/// interpreter, and memtop killed with SIGKILL. Every wait is generous.
@Suite("--python: the agent never lets anyone in or hurts its host", .serialized)
struct PythonAttachSafetyTests {
  /// The real interpreter behind `python3` (pyenv's shim would fork it as a child).
  static let interpreter: String = {
    let dir = (try? Scratch.directory(anyoneMayWrite: true)) ?? NSTemporaryDirectory()
    let out = (try? MemtopRunner.pythonOutput("import os, sys; print(os.path.realpath(sys.executable))", in: dir)) ?? ""
    return out.trimmingCharacters(in: .whitespacesAndNewlines)
  }()

  /// A Python another user can run (pyenv's lives under root's home).
  static let systemPython = "/usr/bin/python3"
  static let canSwitchUser =
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    && FileManager.default.isExecutableFile(atPath: systemPython)
  static let haveGDB = PythonAttach.findOnPath("gdb") != nil

  /// Starts `code` under `python`, waits for it to say it is ready; its output is kept.
  static func target(
    _ code: String, python: String = interpreter, prefix: [String] = [], in dir: String
  ) throws -> TestProcess {
    let ready = dir + "/ready"
    let script = "open(\(pythonString(ready)), 'w').close()\n" + code
    // A binary copied just now can be "busy" for a moment: another test's spawn may have
    // inherited the copy's descriptor before it was closed (ETXTBSY). Try again briefly.
    var attempt = 0
    var spawned: TestProcess?
    while spawned == nil {
      do {
        spawned = try MemtopRunner.spawn(prefix + [python, "-c", script])
      } catch  where "\(error)".contains("Text file busy") && attempt < 50 {
        attempt += 1
        usleep(100_000)
      }
    }
    let running = try #require(spawned)
    #expect(
      MemtopRunner.waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: ready) }, "target never started")
    return running
  }

  static func pythonString(_ text: String) -> String { "'" + text + "'" }

  /// The process state letter of `pid`.
  static func state(_ pid: Int32) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.range(of: ") ", options: .backwards)
    else { return nil }
    return String(text[close.upperBound...].prefix(1))
  }

  /// A directory of `nobody`'s (mode 0700), the kind a root shell's `XDG_RUNTIME_DIR` may name.
  static func nobodysDirectory() throws -> String {
    let dir = "/tmp/memtop-nobody-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    chown(dir, 65534, 65534)
    chmod(dir, 0o700)
    return dir
  }

  @Test(
    "another user's XDG_RUNTIME_DIR is not used: what they plant there never runs in a launched program",
    .enabled(if: canSwitchUser))
  func foreignRuntimeDirectory() throws {
    let xdg = try Self.nobodysDirectory()
    defer { try? FileManager.default.removeItem(atPath: xdg) }
    let marker = xdg + "/pwned"
    // The other user, as fast as they can: every memtop-py-* directory in their runtime
    // directory is renamed aside and replaced by one holding their own loader.
    let attacker = """
      import os, time
      base = \(Self.pythonString(xdg))
      end = time.time() + 25
      while time.time() < end:
          for name in os.listdir(base):
              if name.startswith('memtop-py-') and not name.endswith('.aside'):
                  try:
                      os.rename(os.path.join(base, name), os.path.join(base, name + '.aside'))
                      os.mkdir(os.path.join(base, name))
                      for f in ('sitecustomize.py', 'memtop_agent.py'):
                          with open(os.path.join(base, name, f), 'w') as out:
                              out.write("open(\(Self.pythonString(marker)), 'w').write(str(os.getuid()))\\n")
                  except OSError:
                      pass
          time.sleep(0.005)
      """
    let thief = try MemtopRunner.spawn(
      ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Self.systemPython, "-c", attacker])
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(
      [
        "record", "--python", "--interval", "0.5", "--duration", "6", "-o", dir + "/run.csv", "--", Self.interpreter,
        "-c", "import time\nfor _ in range(40): time.sleep(0.25)",
      ], prefix: ["env", "XDG_RUNTIME_DIR=" + xdg], timeout: 200)
    thief.wait(timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("XDG_RUNTIME_DIR (\(xdg)) is not used: it belongs to uid 65534"), "\(result.stderr)")
    #expect(result.stderr.contains("python agent connected"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: marker), "the other user's code ran")
    // memtop's own directory went to /tmp/memtop-UID, and is gone.
    let mine = "/tmp/memtop-\(geteuid())"
    #expect(Syscalls.facts(mine).map { $0.owner == geteuid() && $0.permissions & 0o077 == 0 } == true)
  }

  @Test(
    "another user cannot rename memtop's private directory aside or plant a file in it",
    .enabled(if: canSwitchUser))
  func cannotSwap() throws {
    let link = try PythonAgentLink(files: [(name: "sitecustomize.py", text: "# loader\n")], runtimeDirectory: nil)
    defer { link.close() }
    let parent = (link.directory as NSString).deletingLastPathComponent
    let code = """
      import os, sys
      d, p = sys.argv[1], sys.argv[2]
      for what, act in (('rename', lambda: os.rename(d, d + '.aside')),
                        ('rename-parent', lambda: os.rename(p, p + '.aside')),
                        ('plant', lambda: open(os.path.join(d, 'evil.py'), 'w')),
                        ('plant-parent', lambda: os.mkdir(os.path.join(p, 'memtop-py-evil')))):
          try:
              act()
              print(what, 'done')
          except OSError as e:
              print(what, type(e).__name__)
      """
    let dir = try Scratch.directory(anyoneMayWrite: true)
    chmod(dir, 0o777)
    let out = dir + "/out"
    let status = try MemtopRunner.runTool(
      [
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Self.systemPython, "-c", code,
        link.directory, parent,
      ], output: out)
    let said = try String(contentsOfFile: out, encoding: .utf8)
    #expect(status == 0, "\(said)")
    #expect(
      said
        == "rename PermissionError\nrename-parent PermissionError\nplant PermissionError\nplant-parent PermissionError\n",
      "\(said)")
  }

  @Test("SIGKILL of memtop --python: its janitor removes the private directory, socket and agent files")
  func janitor() throws {
    let xdg = "/tmp/memtop-janitor-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: xdg, withIntermediateDirectories: false)
    chmod(xdg, 0o700)
    defer { try? FileManager.default.removeItem(atPath: xdg) }
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let memtop = try MemtopRunner.start(
      ["record", "--python", "-o", dir + "/run.csv", "--", Self.interpreter, "-c", "import time; time.sleep(120)"],
      prefix: ["env", "XDG_RUNTIME_DIR=" + xdg])
    let made = MemtopRunner.waitUntil(timeout: 60) {
      Syscalls.directoryEntries(xdg).contains { $0.hasPrefix("memtop-py-") }
    }
    #expect(made, "no private directory appeared in \(xdg): \(memtop.stderr)")
    let janitors = Syscalls.numericEntries("/proc")?.filter { pid in
      (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "memtop-janitor\n"
        && (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") S \(memtop.pid) ") == true
    }
    #expect(janitors?.count == 1, "\(String(describing: janitors))")
    memtop.signal(SIGKILL)
    memtop.wait(timeout: 30)
    let removed = MemtopRunner.waitUntil(timeout: 30) { Syscalls.directoryEntries(xdg).isEmpty }
    #expect(removed, "left behind: \(Syscalls.directoryEntries(xdg))")
  }

  @Test(
    "another user's Python is refused in one line before anything is done; nothing reaches its stderr",
    .enabled(if: canSwitchUser && haveGDB))
  func otherUsersPython() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    chmod(dir, 0o777)
    let target = try Self.target(
      "import time\nfor _ in range(600): time.sleep(0.2)", python: Self.systemPython,
      prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], in: dir)
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    let result = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "--python", "--duration", "2", "-o", dir + "/x.csv"])
    #expect(result.status == 1, "\(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    #expect(
      lines.count == 1 && lines[0].contains("runs as uid 65534 and memtop as root")
        && lines[0].contains("run memtop as that user"), "\(result.stderr)")
    #expect(!result.stderr.contains("will inject"))
    #expect(target.stderr.isEmpty, "\(target.stderr)")
    #expect(Self.state(target.pid) != "t")
  }

  @Test(
    "the target's interpreter is never run to learn its version: a binary swapped under it is not executed",
    .enabled(if: haveGDB && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3.11")))
  func neverRunsTheTarget() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let copy = dir + "/python3"
    try FileManager.default.copyItem(atPath: "/usr/bin/python3.11", toPath: copy)
    let target = try Self.target(
      "import time\nfor _ in range(600): time.sleep(0.2)", python: copy, in: dir)
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    // Whoever runs the program's path from now on runs this instead.
    let ran = dir + "/ran"
    try FileManager.default.removeItem(atPath: copy)
    try "#!/bin/sh\ntouch \(ran)\n".write(toFile: copy, atomically: true, encoding: .utf8)
    chmod(copy, 0o755)
    let result = try MemtopRunner.run(
      [
        "record", "--pid", String(target.pid), "--python", "--interval", "0.5", "--duration", "15", "-o",
        dir + "/x.csv",
      ],
      timeout: 300)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("(Python 3.11"), "\(result.stderr)")
    #expect(result.stderr.contains("python agent connected"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: ran), "memtop ran the program's binary")
    #expect(target.stderr.isEmpty, "\(target.stderr)")
  }

  @Test("a stopped target is refused in one line, and runs on once continued", .enabled(if: haveGDB))
  func stoppedTarget() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let target = try Self.target(
      "import time\nfor _ in range(100): time.sleep(0.1)\nprint('done')", in: dir)
    kill(target.pid, SIGSTOP)
    #expect(MemtopRunner.waitUntil(timeout: 10) { Self.state(target.pid) == "T" })
    let result = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "--python", "--duration", "3", "-o", dir + "/x.csv"])
    kill(target.pid, SIGCONT)
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("is stopped (state T") && result.stderr.contains("kill -CONT \(target.pid)"),
      "\(result.stderr)")
    #expect(target.wait(timeout: 120) == 0)
    #expect(target.stdout == "done\n" && target.stderr.isEmpty, "\(target.stdout) \(target.stderr)")
  }

  @Test(
    "signals handled by the target every few ms during the injection: it survives and gets the agent",
    .enabled(if: haveGDB))
  func signalStorm() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let code = """
      import signal, time
      seen = [0]
      def handler(signo, frame):
          seen[0] += 1
      signal.signal(signal.SIGUSR1, handler)
      signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR1])
      end = time.time() + 40
      while time.time() < end:
          time.sleep(0.2)
      print('done', seen[0] > 0)
      """
    let target = try Self.target(code, in: dir)
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    let pid = target.pid
    // SIGUSR1 every 3 ms from another process, until the target is gone or the sender stopped.
    let sender = try MemtopRunner.spawn([
      Self.interpreter, "-c",
      "import os, sys, time\nwhile True:\n    os.kill(int(sys.argv[1]), 10)\n    time.sleep(0.003)", String(pid),
    ])
    defer {
      kill(sender.pid, SIGKILL)
      sender.wait(timeout: 10)
    }
    let result = try MemtopRunner.run(
      ["record", "--pid", String(pid), "--python", "--interval", "0.5", "--duration", "12", "-o", dir + "/x.csv"],
      timeout: 300)
    kill(sender.pid, SIGKILL)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("python agent connected"), "\(result.stderr)")
    #expect(target.wait(timeout: 120) == 0, "the target died: \(target.stderr)")
    #expect(target.stdout == "done True\n" && target.stderr.isEmpty, "\(target.stdout) \(target.stderr)")
  }

  @Test(
    "a thread holding the interpreter for 40 s: memtop ends on time and says why, the target lives on",
    .enabled(if: haveGDB))
  func busyInterpreter() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    // libc's sleep called through PyDLL keeps the GIL: no Python code runs for 40 s.
    let code = """
      import ctypes, threading, time
      threading.Thread(target=lambda: ctypes.PyDLL(None).sleep(40)).start()
      end = time.time() + 50
      while time.time() < end:
          time.sleep(0.2)
      print('done')
      """
    let target = try Self.target(code, in: dir)
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    let started = Date()
    let result = try MemtopRunner.run(
      [
        "record", "--pid", String(target.pid), "--python", "--interval", "0.5", "--duration", "20", "-o",
        dir + "/x.csv",
      ],
      timeout: 300)
    let took = Date().timeIntervalSince(started)
    #expect(result.status == 0, "\(result.stderr)")
    // Ends by its duration (gdb only queued the loader), not after the busy thread.
    #expect(took < 90, "took \(took) s")
    #expect(result.stderr.contains("has not run Python code in its main thread"), "\(result.stderr)")
    #expect(target.wait(timeout: 120) == 0, "the target died: \(target.stderr)")
    #expect(target.stdout == "done\n" && target.stderr.isEmpty, "\(target.stdout) \(target.stderr)")
  }

  @Test(
    "a second memtop attaching --python is told the process already reports to another memtop", .enabled(if: haveGDB))
  func secondAttach() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let target = try Self.target("import time\nfor _ in range(900): time.sleep(0.1)", in: dir)
    defer {
      kill(target.pid, SIGKILL)
      target.wait(timeout: 10)
    }
    let first = try MemtopRunner.start([
      "record", "--pid", String(target.pid), "--python", "--duration", "120", "-o", dir + "/first.csv",
    ])
    defer {
      first.signal(SIGTERM)
      first.wait(timeout: 60)
    }
    #expect(
      MemtopRunner.waitUntil(timeout: 120) { first.stderr.contains("python agent connected") }, "\(first.stderr)")
    let second = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "--python", "--duration", "20", "-o", dir + "/second.csv"], timeout: 300)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(
      second.stderr.contains("process \(target.pid) already reports to another memtop"), "\(second.stderr)")
    #expect(!second.stderr.contains("has not run Python code"), "\(second.stderr)")
    #expect(!second.stderr.contains("detached"), "\(second.stderr)")
    #expect(target.stderr.isEmpty, "\(target.stderr)")
  }
}
