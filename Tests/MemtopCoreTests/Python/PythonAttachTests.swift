import Foundation
import MemtopCore
import MemtopSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Planning an injection on a fixture `/proc` tree (an `exe` link, `maps`, `status`, `stat`):
/// every refusal is one line with its fix; the version is read from the maps or the binary,
/// never by running it; gdb only queues a pending call; never a shell.
@Suite("Python attach plans")
struct PythonAttachTests {
  /// A `/proc` tree holding process 77 whose program is `exe`.
  static func procRoot(
    exe: String, maps: String = "", tracer: Int = 0, uid: UInt32 = geteuid(), state: String = "S"
  ) throws -> String {
    let root = NSTemporaryDirectory() + "memtop-attach-\(UUID())"
    try FileManager.default.createDirectory(atPath: root + "/77", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/77/exe", withDestinationPath: exe)
    try maps.write(toFile: root + "/77/maps", atomically: true, encoding: .utf8)
    try "Name:\tpython3\nUid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)\nTracerPid:\t\(tracer)\n".write(
      toFile: root + "/77/status", atomically: true, encoding: .utf8)
    try "77 (python3) \(state) 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10 0\n".write(
      toFile: root + "/77/stat", atomically: true, encoding: .utf8)
    return root
  }

  static func plan(_ root: String, gdb: String? = "/usr/bin/gdb") throws(MemtopError) -> PythonAttachPlan {
    try PythonAttach.plan(pid: 77, procRoot: root, findProgram: { _ in gdb })
  }

  static let libpython311 = "7f00-7f10 r-xp 0 0:0 1 /opt/py/lib/libpython3.11.so.1.0\n"

  /// A real CPython 3.11+ binary or library that exports `Py_Version`, if this machine has one.
  static var binaryWithVersion: String? {
    let candidates =
      ["/usr/bin/python3.11", "/usr/bin/python3.12", "/usr/bin/python3.13"]
      + ["3.11.7", "3.12.1", "3.13.0"].map {
        NSHomeDirectory() + "/.pyenv/versions/\($0)/lib/libpython\($0.prefix(4)).so.1.0"
      }
    return candidates.first { ELFSymbol.value(of: "Py_Version", size: 4, inFile: $0) != nil }
  }

  @Test("CPython 3.11 (its libpython mapped) with gdb: gdb -p with a command file, argv only")
  func gdbPlan() throws {
    let root = try Self.procRoot(exe: "/opt/py/bin/python3", maps: Self.libpython311)
    let plan = try Self.plan(root)
    #expect(plan.method == .gdb("/usr/bin/gdb") && plan.version == (3, 11) && plan.executable == "/opt/py/bin/python3")
    let argv = plan.arguments(
      script: "/run/user/0/memtop-py-x/attach_77.py", commandFile: "/run/user/0/memtop-py-x/i.gdb")
    #expect(argv.prefix(4) == ["/usr/bin/gdb", "-p", "77", "-batch"])
    #expect(argv.contains("set auto-load off") && argv.suffix(2) == ["-x", "/run/user/0/memtop-py-x/i.gdb"])
    #expect(plan.announcement.contains("memtop will inject code into process 77 through gdb"))
    #expect(plan.announcement.contains("to avoid injecting, drop --python"))
  }

  @Test("gdb only queues a pending call: signals pass and unwind, no call waits for the interpreter's lock")
  func pendingCall() throws {
    let root = try Self.procRoot(exe: "/opt/py/bin/python3", maps: Self.libpython311)
    let plan = try Self.plan(root)
    let commands = plan.gdbCommands(script: "/run/user/0/memtop-py-x/attach_77.py")
    #expect(commands.contains("set unwindonsignal on\nhandle all nostop noprint pass\n"))
    #expect(commands.contains("Py_AddPendingCall)((void *) PyRun_SimpleString, $memtop_page)"))
    #expect(!commands.contains("PyGILState_Ensure") && !commands.contains("PyRun_SimpleString(\""))
    // The bootstrap runs the script only from a directory and file of the target's user, and
    // swallows every error.
    let bootstrap = plan.bootstrap(script: "/run/user/0/memtop-py-x/attach_77.py")
    #expect(bootstrap.hasPrefix("try:\n exec('") && bootstrap.hasSuffix("', {})\nexcept BaseException:\n pass\n"))
    #expect(bootstrap.contains("d.st_uid == \(geteuid()) and not d.st_mode & 0o077"))
    #expect(bootstrap.contains("os.O_NOFOLLOW") && bootstrap.contains("s.st_uid == \(geteuid())"))
    // The command file's string literal holds the bootstrap with its own length.
    let size = bootstrap.utf8.count + 1
    #expect(commands.contains("set {char[\(size)]} $memtop_page = \""))
  }

  @Test("from CPython 3.12 the loader is queued for any thread of the main interpreter, before it for the main thread")
  func anyThreadFrom312() throws {
    let script = "/run/user/0/memtop-py-x/attach_77.py"
    let old = try Self.plan(try Self.procRoot(exe: "/opt/py/bin/python3", maps: Self.libpython311))
    #expect(!old.anyThreadRunsTheLoader)
    #expect(old.gdbCommands(script: script).contains("Py_AddPendingCall)((void *) PyRun_SimpleString, $memtop_page)"))
    #expect(!old.gdbCommands(script: script).contains("_PyEval_AddPendingCall"))
    for minor in [12, 13] {
      let maps = Self.libpython311.replacingOccurrences(of: "libpython3.11", with: "libpython3.\(minor)")
      let plan = try Self.plan(try Self.procRoot(exe: "/opt/py/bin/python3", maps: maps))
      #expect(plan.version == (3, minor) && plan.anyThreadRunsTheLoader)
      let commands = plan.gdbCommands(script: script)
      // Flags 0: not the main thread only, and the page is not freed by the interpreter.
      #expect(
        commands.contains(
          "_PyEval_AddPendingCall)(((void *(*)(void)) PyInterpreterState_Main)(), (void *) PyRun_SimpleString, $memtop_page, 0)"
        ), "\(commands)")
      #expect(commands.contains("set unwindonsignal on\nhandle all nostop noprint pass\n"))
      #expect(!commands.contains("PyGILState_Ensure"))
    }
  }

  @Test("the version is read from Py_Version in the binary when nothing else tells it (a renamed interpreter)")
  func versionFromBinary() throws {
    let binary = try #require(Self.binaryWithVersion, "no CPython 3.11+ binary exporting Py_Version here")
    let root = try Self.procRoot(exe: binary)
    let plan = try Self.plan(root)
    #expect(plan.version.major == 3 && plan.version.minor >= 11)
    #expect(ELFSymbol.value(of: "Py_Version_not_there", size: 4, inFile: binary) == nil)
    #expect(ELFSymbol.value(of: "Py_Version", size: 4, inFile: "/etc/hostname") == nil)
  }

  @Test("CPython 3.14 with a trusted interpreter: sys.remote_exec, no gdb needed; an untrusted one goes through gdb")
  func remoteExec() throws {
    let maps = "7f00-7f10 r-xp 0 0:0 1 /usr/lib/libpython3.14.so.1.0\n"
    // A root-owned program in root-owned folders nobody else may write.
    let trusted = try Self.plan(try Self.procRoot(exe: "/usr/bin/env", maps: maps), gdb: nil)
    #expect(trusted.method == .remoteExec)
    #expect(
      trusted.arguments(script: "/tmp/d/attach_77.py", commandFile: "") == [
        "/usr/bin/env", "-I", "-S", "-c", "import sys; sys.remote_exec(77, '/tmp/d/attach_77.py')",
      ])
    // A binary anyone may write: never run by memtop.
    let folder = NSTemporaryDirectory() + "memtop-untrusted-\(UUID())"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let exe = folder + "/python3"
    FileManager.default.createFile(atPath: exe, contents: Data("#!/bin/sh\n".utf8))
    chmod(exe, 0o777)
    let untrusted = try Self.plan(try Self.procRoot(exe: exe, maps: maps))
    #expect(untrusted.method == .gdb("/usr/bin/gdb"))
  }

  @Test("a libpython in the maps counts as Python (an embedding program)")
  func embedded() throws {
    let root = try Self.procRoot(exe: "/usr/bin/uwsgi", maps: "7f00-7f10 r-xp 0 0:0 1 /usr/lib/libpython3.11.so.1.0\n")
    #expect(try Self.plan(root).method == .gdb("/usr/bin/gdb"))
  }

  @Test(
    "refusals, each one line with the fix",
    arguments: [
      (
        "/usr/bin/node", libpython311.replacingOccurrences(of: "libpython", with: "libnode"), "/usr/bin/gdb", 0, 0, "S",
        "is not CPython (its program is /usr/bin/node)"
      ),
      (
        "/opt/x/bin/python3", "", "/usr/bin/gdb", 0, 0, "S",
        "cannot tell which Python process 77 runs without running its code"
      ),
      ("/usr/bin/python3.7", "", "/usr/bin/gdb", 0, 0, "S", "needs CPython 3.8 or later"),
      ("/usr/bin/python3.11", "", nil, 0, 0, "S", "needs gdb, which is not installed; install it (apt install gdb)"),
      ("/usr/bin/python3.11", "", "/usr/bin/gdb", 4321, 0, "S", "already being traced by process 4321"),
      ("/usr/bin/python3.11", "", "/usr/bin/gdb", 0, 0, "T", "is stopped (state T: SIGSTOP"),
      ("/usr/bin/python3.11", "", "/usr/bin/gdb", 0, 0, "t", "resume it (kill -CONT 77)"),
      ("/usr/bin/python3.11", "", "/usr/bin/gdb", 0, 65534, "S", "runs as uid 65534 and memtop as"),
    ] as [(String, String, String?, Int, UInt32, String, String)])
  func refusals(
    _ exe: String, _ maps: String, _ gdb: String?, _ tracer: Int, _ otherUser: UInt32, _ state: String,
    _ expected: String
  ) throws {
    let uid = otherUser == 0 ? geteuid() : otherUser
    let root = try Self.procRoot(exe: exe, maps: maps, tracer: tracer, uid: uid, state: state)
    do {
      _ = try Self.plan(root, gdb: gdb)
      Issue.record("planned an injection into \(exe)")
    } catch {
      #expect(error.message.contains(expected), "\(error.message)")
      #expect(error.message.hasPrefix("--python: ") && !error.message.contains("\n"))
    }
  }
}
