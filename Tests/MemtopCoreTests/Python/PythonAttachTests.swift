import Foundation
import MemtopCore
import Testing

/// Planning an injection on a fixture `/proc` tree (an `exe` link, `maps`, `status`) and a
/// scripted version probe: every refusal is one line with its fix; 3.14+ uses
/// `sys.remote_exec`, older versions gdb; never a shell.
@Suite("Python attach plans")
struct PythonAttachTests {
  /// A `/proc` tree holding process 77 whose program is `exe`.
  static func procRoot(exe: String, maps: String = "", tracer: Int = 0) throws -> String {
    let root = NSTemporaryDirectory() + "memtop-attach-\(UUID())"
    try FileManager.default.createDirectory(atPath: root + "/77", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/77/exe", withDestinationPath: exe)
    try maps.write(toFile: root + "/77/maps", atomically: true, encoding: .utf8)
    try "Name:\tpython3\nTracerPid:\t\(tracer)\n".write(toFile: root + "/77/status", atomically: true, encoding: .utf8)
    return root
  }

  static func plan(_ root: String, answer: String?, gdb: String? = "/usr/bin/gdb") throws(MemtopError)
    -> PythonAttachPlan
  {
    try PythonAttach.plan(pid: 77, procRoot: root, findProgram: { _ in gdb }, probeVersion: { _ in answer })
  }

  @Test("CPython 3.11 with gdb: gdb -p, the three calls, argv only")
  func gdbPlan() throws {
    let root = try Self.procRoot(exe: "/opt/py/bin/python3.11")
    let plan = try Self.plan(root, answer: "cpython 3 11\n")
    #expect(
      plan.method == .gdb("/usr/bin/gdb") && plan.version == (3, 11) && plan.executable == "/opt/py/bin/python3.11")
    let argv = plan.arguments(script: "/run/memtop-py-x/attach_77.py")
    #expect(argv.prefix(4) == ["/usr/bin/gdb", "-p", "77", "-batch"])
    #expect(argv.contains("call (int)PyGILState_Ensure()"))
    #expect(argv.contains("call (int)PyRun_SimpleString(\"exec(open('/run/memtop-py-x/attach_77.py').read(), {})\")"))
    #expect(argv.last == "call (void)PyGILState_Release($1)")
    #expect(plan.announcement.contains("memtop will inject code into process 77 through gdb"))
    #expect(plan.announcement.contains("to avoid injecting, drop --python"))
  }

  @Test("CPython 3.14: sys.remote_exec run by the target's own interpreter, no gdb needed")
  func remoteExec() throws {
    let root = try Self.procRoot(exe: "/usr/bin/python3.14")
    let plan = try Self.plan(root, answer: "cpython 3 14", gdb: nil)
    #expect(plan.method == .remoteExec)
    #expect(
      plan.arguments(script: "/tmp/d/attach_77.py") == [
        "/usr/bin/python3.14", "-I", "-S", "-c", "import sys; sys.remote_exec(77, '/tmp/d/attach_77.py')",
      ])
  }

  @Test("a libpython in the maps counts as Python (an embedding program)")
  func embedded() throws {
    let root = try Self.procRoot(exe: "/usr/bin/uwsgi", maps: "7f00-7f10 r-xp 0 0:0 1 /usr/lib/libpython3.11.so.1.0\n")
    #expect(try Self.plan(root, answer: "cpython 3 11").method == .gdb("/usr/bin/gdb"))
  }

  @Test(
    "refusals, each one line with the fix",
    arguments: [
      ("/usr/bin/node", "cpython 3 11", "/usr/bin/gdb", 0, "is not CPython (its program is /usr/bin/node)"),
      ("/usr/bin/python3", nil, "/usr/bin/gdb", 0, "cannot tell which Python process 77 runs"),
      ("/opt/pypy/bin/python3", "pypy 3 10", "/usr/bin/gdb", 0, "runs pypy 3.10, not CPython"),
      ("/usr/bin/python3.7", "cpython 3 7", "/usr/bin/gdb", 0, "needs CPython 3.8 or later"),
      (
        "/usr/bin/python3.11", "cpython 3 11", nil, 0, "needs gdb, which is not installed; install it (apt install gdb)"
      ),
      ("/usr/bin/python3.11", "cpython 3 11", "/usr/bin/gdb", 4321, "already being traced by process 4321"),
    ] as [(String, String?, String?, Int, String)])
  func refusals(_ exe: String, _ answer: String?, _ gdb: String?, _ tracer: Int, _ expected: String) throws {
    let root = try Self.procRoot(exe: exe, tracer: tracer)
    do {
      _ = try Self.plan(root, answer: answer, gdb: gdb)
      Issue.record("planned an injection into \(exe)")
    } catch {
      #expect(error.message.contains(expected), "\(error.message)")
      #expect(error.message.hasPrefix("--python: ") && !error.message.contains("\n"))
    }
  }
}
