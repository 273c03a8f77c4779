import Foundation
import MemtopCore
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--pid P --python` reaches the Python code where it runs: a program whose main thread only
/// waits in C (`thread.join()`, `os.waitpid()`) while other threads or processes do the work.
/// Real interpreters, real gdb; every wait is generous.
@Suite("--python attach: the agent reaches the threads and processes that work")
struct PythonAttachReachTests {
  static let haveGDB = PythonAttach.findOnPath("gdb") != nil

  /// A CPython 3.12 or later on this machine (pyenv's, else the system's), if any.
  static let python312: String? = {
    let home = NSHomeDirectory() + "/.pyenv/versions"
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: home)) ?? []).sorted()
    for version in versions where version.hasPrefix("3.1") {
      let parts = version.split(separator: ".")
      guard parts.count >= 2, let minor = Int(parts[1]), minor >= 12 else { continue }
      let binary = "\(home)/\(version)/bin/python3.\(minor)"
      if FileManager.default.isExecutableFile(atPath: binary) { return binary }
    }
    return ["/usr/bin/python3.13", "/usr/bin/python3.12"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  /// Writes `files` into a fresh folder; returns it.
  static func program(_ files: [String: String]) throws -> String {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
  }

  /// Kills `pid`'s children, then it.
  static func killTree(_ target: TestProcess) {
    for child in PythonAgentTests.children(of: target.pid) { kill(child, SIGKILL) }
    kill(target.pid, SIGKILL)
    target.wait(timeout: 10)
  }

  @Test(
    "CPython 3.12+ whose main thread waits in thread.join(): the worker thread loads the agent, the growing list is named, and the program runs on",
    .enabled(if: haveGDB && python312 != nil))
  func mainThreadInJoin() throws {
    let python = try #require(Self.python312)
    let dir = try Self.program([
      "registry.py": """
      CONNECTIONS = []


      def accept(n):
          CONNECTIONS.append({"id": n, "peer": "10.0.0.%d" % (n % 250), "buffer": "x" * 300})
      """,
      "app.py": """
      import threading, time
      import registry


      def worker():
          n = 0
          while True:
              for _ in range(25):
                  registry.accept(n)
                  n += 1
              print(n, flush=True)
              time.sleep(0.5)


      thread = threading.Thread(target=worker, daemon=True)
      thread.start()
      thread.join()
      """,
    ])
    let target = try MemtopRunner.spawn([python, dir + "/app.py"])
    defer { Self.killTree(target) }
    #expect(MemtopRunner.waitUntil(timeout: 60) { !target.stdout.isEmpty }, "the program never started")
    let csv = dir + "/join.csv"
    let result = try MemtopRunner.run(
      ["record", "--pid", String(target.pid), "--python", "--interval", "0.5", "--duration", "75", "-o", csv],
      timeout: 400)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("python agent connected: process \(target.pid)"), "\(result.stderr)")
    #expect(!result.stderr.contains("has run Python code"), "\(result.stderr)")
    let hello = try #require(try PythonAgentTests.records(csv, type: "hello").first)
    #expect(hello["mode"] as? String == "attach")
    let section = try #require(try PythonAgentTests.analysis(csv)["python"] as? [String: Any])
    let retainers = (section["retainers"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    #expect(retainers.contains("registry.CONNECTIONS"), "\(retainers) \(result.stderr)")
    // It runs on after memtop detached, its output unchanged by the agent.
    let printed = target.stdout.split(separator: "\n").count
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.split(separator: "\n").count > printed + 2 })
    #expect(target.wait(timeout: 0.1) == nil, "the program ended")
    #expect(target.stderr.isEmpty, "\(target.stderr)")
  }

  @Test(
    "a fork pool attached with --children: each worker gets its own agent though the parent waits in os.waitpid, and each worker's rows carry its own window's edge",
    .enabled(if: haveGDB))
  func forkPoolMembers() throws {
    let dir = try Self.program([
      "pool.py": """
      import os, sys, time

      KEPT = []


      def serve(worker):
          while True:
              for n in range(25):
                  if worker == 1:
                      KEPT.append("job %d " % n + "x" * 400)
              time.sleep(0.5)


      def start(worker):
          pid = os.fork()
          if pid:
              return pid
          try:
              serve(worker)
          finally:
              os._exit(0)


      workers = [start(w) for w in (0, 1)]
      print("ready", flush=True)
      for pid in workers:
          os.waitpid(pid, 0)
      """
    ])
    let target = try MemtopRunner.spawn([PythonAttachSafetyTests.interpreter, dir + "/pool.py"])
    defer { Self.killTree(target) }
    #expect(MemtopRunner.waitUntil(timeout: 60) { target.stdout.contains("ready") }, "the pool never started")
    let workers = PythonAgentTests.children(of: target.pid)
    try #require(workers.count == 2, "workers: \(workers)")
    let csv = dir + "/pool.csv"
    let result = try MemtopRunner.run(
      [
        "record", "--pid", String(target.pid), "--children", "--per-process", "--python", "--trace-lines",
        "--interval", "0.5", "--duration", "45", "-o", csv,
      ], timeout: 400)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("and likewise into each CPython process of its tree"), "\(result.stderr)")
    let greeted = Set(
      try PythonAgentTests.records(csv, type: "hello").compactMap { ($0["pid"] as? NSNumber)?.int32Value })
    for worker in workers {
      #expect(greeted.contains(worker), "no agent in worker \(worker): \(greeted) \(result.stderr)")
    }
    // Each worker's own rows carry the edge of its own window (opened at its hello).
    let text = try String(contentsOfFile: csv, encoding: .utf8)
    let lines = text.split(separator: "\n")
    let header = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
    let pidColumn = try #require(header.firstIndex(of: "pid"))
    let marked = lines.dropFirst().filter { $0.contains("python tracing window opened") }.compactMap { line in
      Int32(line.split(separator: ",", omittingEmptySubsequences: false)[pidColumn])
    }
    for worker in workers where greeted.contains(worker) {
      #expect(marked.contains(worker), "worker \(worker)'s rows carry no edge: \(marked)")
    }
    // The pool runs on.
    #expect(target.wait(timeout: 0.1) == nil, "the pool ended")
    #expect(target.stderr.isEmpty, "\(target.stderr)")
  }
}
