import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("Command lines for the process table")
struct ProcessCommandLineTests {
  @Test(
    "an interpreter shows its script; the program's and script's paths are cut to their names",
    arguments: [
      ("/usr/bin/python3\0app.py\0", "python3", "python3 app.py"),
      ("python3\0-m\0http.server\08000\0", "python3", "python3 -m http.server 8000"),
      (
        "/home/u/.pyenv/versions/3.12.1/bin/python3.12\0/srv/billing/main.py\0--port\08000\0", "python3.12",
        "python3.12 main.py --port 8000"
      ),
      ("node\0server.js\0", "node", "node server.js"),
      ("/usr/bin/java\0-cp\0/opt/app/lib\0Main\0", "java", "java -cp lib Main"),
      ("nginx: master process /usr/sbin/nginx\0", "nginx", "nginx: master process /usr/sbin/nginx"),
      ("", "kthreadd", "kthreadd"),
      ("prog\0\0last\0", "prog", "prog  last"),
    ])
  func display(raw: String, name: String, expected: String) {
    #expect(ProcessCommandLine.display(ProcessCommandLine.arguments(raw), name: name) == expected)
  }

  @Test("the process table reads a real python3's script from /proc", .enabled(if: Syscalls.exists("/usr/bin/python3")))
  func realProcess() throws {
    let script = "/tmp/memtop-cmdline-\(getpid()).py"
    try "import time\ntime.sleep(60)\n".write(toFile: script, atomically: true, encoding: .utf8)
    defer { unlink(script) }
    let python = try TestProcess(["python3", script], stdin: .inherit, stdout: .inherit, stderr: .inherit)
    defer { python.stop() }
    let pid = python.pid
    let overview = ProcessOverview(window: 60)
    var command = ""
    for _ in 0..<200 {
      overview.refresh(now: Syscalls.monotonicSeconds())
      command = overview.rows.first { $0.identity.pid == pid }?.command ?? ""
      // A pyenv shim runs first as bash, then execs the interpreter; the table re-reads after exec.
      if command.hasPrefix("python") { break }
      usleep(50_000)
    }
    #expect(command.hasPrefix("python3") && command.hasSuffix(" memtop-cmdline-\(getpid()).py"), "\(command)")
  }
}
