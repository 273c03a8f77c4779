import Foundation
import MemtopCore
import MemtopSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The link on a real Unix socket: permissions, several agents, line splitting, the 1 MiB cap,
/// commands, and the directory removed at the end.
@Suite("Python agent link: a private socket")
struct PythonAgentLinkTests {
  /// A client end connected to `path`.
  final class Client: @unchecked Sendable {
    let fd: Int32
    init(_ path: String) throws {
      fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_un()
      address.sun_family = sa_family_t(AF_UNIX)
      withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
      }
      let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      if rc != 0 { throw CocoaError(.fileNoSuchFile) }
    }
    deinit { close(fd) }
    func send(_ text: String) {
      let bytes = Array(text.utf8)
      let total = bytes.count
      var sent = 0
      while sent < total {
        let offset = sent
        let n = bytes.withUnsafeBytes { raw in raw.baseAddress.map { write(fd, $0 + offset, total - offset) } ?? -1 }
        if n <= 0 { return }
        sent += n
      }
    }
    func receive(timeout: Double = 10) -> String {
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return "" }
      var buffer = [UInt8](repeating: 0, count: 4096)
      let n = read(fd, &buffer, buffer.count)
      return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
  }

  static func link() throws -> PythonAgentLink {
    try PythonAgentLink(
      files: [(name: "memtop_agent.py", text: "# agent\n"), (name: "sitecustomize.py", text: "# loader\n")],
      runtimeDirectory: NSTemporaryDirectory())
  }

  /// Polls until `lines` lines (or `notes` notes) came, for up to 20 s.
  static func collect(_ link: PythonAgentLink, lines: Int = 0, notes: Int = 0) -> PythonAgentLink.Poll {
    var all = PythonAgentLink.Poll()
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline && (all.lines.count < lines || all.notes.count < notes) {
      let got = link.poll()
      all.lines += got.lines
      all.notes += got.notes
      all.closed += got.closed
      usleep(10_000)
    }
    return all
  }

  @Test("the directory is 0700, the files and the socket 0600, all ours; close removes them")
  func permissions() throws {
    let link = try Self.link()
    let me = getuid()
    #expect(Syscalls.fileModeAndOwner(link.directory)! == (mode: 0o700, uid: me))
    #expect(Syscalls.fileModeAndOwner(link.directory + "/memtop_agent.py")! == (mode: 0o600, uid: me))
    #expect(Syscalls.fileModeAndOwner(link.socketPath)! == (mode: 0o600, uid: me))
    #expect(FileManager.default.contents(atPath: link.directory + "/sitecustomize.py") == Data("# loader\n".utf8))
    let script = try link.writeAttachScript(pid: 42, loader: "print('hi')\n")
    #expect(
      try String(contentsOfFile: script, encoding: .utf8)
        == "MEMTOP_AGENT_SOCKET = \"\(link.socketPath)\"\nprint('hi')\n")
    link.close()
    #expect(!FileManager.default.fileExists(atPath: link.directory))
  }

  @Test("lines split across writes and several per write arrive whole, keyed by the peer's pid")
  func lines() throws {
    let link = try Self.link()
    let a = try Client(link.socketPath)
    let b = try Client(link.socketPath)
    a.send(#"{"type":"hello","pid":1,"python":"3.11.7"}"# + "\n" + #"{"type":"no"#)
    b.send(#"{"type":"note","message":"from b"}"# + "\n")
    a.send(#"te","message":"split"}"# + "\n")
    let got = Self.collect(link, lines: 3)
    #expect(got.lines.count == 3)
    #expect(got.lines.allSatisfy { $0.pid == getpid() })
    #expect(got.lines.contains { $0.record == .note("split") })
    #expect(got.lines.contains { $0.record == .note("from b") })
    #expect(link.connectedPIDs.count == 2)
  }

  @Test("a line over 1 MiB is dropped with a note, and the next line still arrives")
  func oversized() throws {
    let link = try Self.link()
    let client = try Client(link.socketPath)
    let big = #"{"type":"note","message":""# + String(repeating: "x", count: (1 << 20) + 100) + "\"}\n"
    DispatchQueue.global().async { client.send(big + #"{"type":"bye","reason":"done"}"# + "\n") }
    let got = Self.collect(link, lines: 1, notes: 1)
    #expect(got.notes.contains { $0.contains("dropped a line longer than 1 MiB") }, "\(got.notes)")
    #expect(got.lines.map(\.record) == [.bye("done")])
  }

  @Test("malformed and non-UTF-8 lines are notes, never records")
  func malformed() throws {
    let link = try Self.link()
    let client = try Client(link.socketPath)
    client.send("not json\n{\"type\":\"bye\"}\n")
    var bytes: [UInt8] = [0xFF, 0xFE, 0x0A]
    _ = write(client.fd, &bytes, 3)
    let got = Self.collect(link, lines: 1, notes: 2)
    #expect(got.notes.contains { $0.contains("not a protocol record: not json") })
    #expect(got.notes.contains { $0.contains("not UTF-8") })
    #expect(got.lines.count == 1)
  }

  @Test("commands reach the agent; EOF ends its connection")
  func commands() throws {
    let link = try Self.link()
    let client = try Client(link.socketPath)
    client.send(#"{"type":"hello","pid":1}"# + "\n")
    _ = Self.collect(link, lines: 1)
    link.send(PythonAgentLink.traceCommand(seconds: 60, snapshots: 12))
    #expect(client.receive() == #"{"cmd":"trace","seconds":60,"snapshots":12,"frames":1}"# + "\n")
    link.close()
    #expect(client.receive().hasPrefix(#"{"cmd":"detach"}"#))
  }

  @Test(
    "another user cannot reach the socket (the directory is 0700), and the link goes on",
    .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
  func otherUser() throws {
    let link = try Self.link()
    let code =
      "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e: print(type(e).__name__)"
    let out = NSTemporaryDirectory() + "memtop-otheruser-\(UUID()).out"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    process.arguments = [
      "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", code, link.socketPath,
    ]
    FileManager.default.createFile(atPath: out, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    try process.run()
    process.waitUntilExit()
    let said = try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(said == "PermissionError", "\(said)")
    #expect(link.poll().lines.isEmpty && link.connectedPIDs.isEmpty)
  }

  // MARK: - Where the directory goes

  /// A fresh directory in /tmp with `owner` and `mode`.
  static func directory(owner: UInt32 = geteuid(), mode: mode_t = 0o700, in parent: String = "/tmp") throws -> String {
    let path = parent + "/memtop-base-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    chown(path, owner, owner)
    chmod(path, mode)
    return path
  }

  @Test(
    "XDG_RUNTIME_DIR is used only when it is a private directory of memtop's user, on a trusted way",
    .enabled(if: getuid() == 0),
    arguments: [
      ("another user's", 65534, 0o700, false, "it belongs to uid 65534"),
      ("open to others", 0, 0o755, false, "its mode is 755, not 700"),
      ("inside another user's folder", 0, 0o700, true, "belongs to uid 65534"),
    ] as [(String, UInt32, mode_t, Bool, String)])
  func runtimeDirectoryRefused(_ kind: String, _ owner: UInt32, _ mode: mode_t, _ nested: Bool, _ reason: String)
    throws
  {
    var xdg = try Self.directory(owner: owner, mode: mode)
    let outer = xdg
    defer { try? FileManager.default.removeItem(atPath: outer) }
    if nested {
      chown(xdg, 65534, 65534)
      chmod(xdg, 0o755)
      xdg = try Self.directory(in: xdg)
    }
    let link = try PythonAgentLink(files: [], runtimeDirectory: xdg)
    defer { link.close() }
    #expect(link.directory.hasPrefix("/tmp/memtop-\(geteuid())/memtop-py-"), "\(kind): \(link.directory)")
    let note = try #require(link.notes.first, "\(kind)")
    #expect(note.contains("XDG_RUNTIME_DIR (\(xdg)) is not used: ") && note.contains(reason), "\(note)")
    #expect(note.hasSuffix("the agent's files go in /tmp/memtop-\(geteuid())"))
  }

  @Test("a private XDG_RUNTIME_DIR is used, without a note; a long one falls back to /tmp/memtop-UID")
  func runtimeDirectoryUsed() throws {
    let xdg = try Self.directory()
    defer { try? FileManager.default.removeItem(atPath: xdg) }
    let link = try PythonAgentLink(files: [], runtimeDirectory: xdg)
    #expect(link.directory.hasPrefix(xdg + "/memtop-py-") && link.notes.isEmpty, "\(link.directory) \(link.notes)")
    link.close()
    // 100 bytes of path: the socket's would pass the kernel's 107.
    let long = xdg + "/" + String(repeating: "d", count: 100 - xdg.utf8.count - 1)
    try FileManager.default.createDirectory(atPath: long, withIntermediateDirectories: false)
    chmod(long, 0o700)
    let fallback = try PythonAgentLink(files: [], runtimeDirectory: long)
    defer { fallback.close() }
    #expect(fallback.directory.hasPrefix("/tmp/memtop-\(geteuid())/"))
    #expect(fallback.notes.first?.contains("longer than the 107 bytes the kernel takes") == true, "\(fallback.notes)")
    #expect(fallback.socketPath.utf8.count <= 107)
  }

  @Test(
    "a memtop-UID made by someone else in the shared temporary directory is refused in one line",
    .enabled(if: getuid() == 0),
    arguments: [
      ("another user's", false, "it belongs to uid 65534"), ("a symbolic link", true, "it is a symbolic link"),
    ])
  func squattedFallback(_ kind: String, _ symbolic: Bool, _ reason: String) throws {
    let shared = try Self.directory(mode: 0o1777)
    defer { try? FileManager.default.removeItem(atPath: shared) }
    let squat = shared + "/memtop-\(geteuid())"
    if symbolic {
      try FileManager.default.createSymbolicLink(atPath: squat, withDestinationPath: try Self.directory())
    } else {
      _ = try Self.directory(owner: 65534, in: shared)
      try FileManager.default.moveItem(
        atPath: try FileManager.default.contentsOfDirectory(atPath: shared).map { shared + "/" + $0 }[0], toPath: squat)
    }
    do {
      let link = try PythonAgentLink(files: [], runtimeDirectory: nil, temporary: shared)
      link.close()
      Issue.record("\(kind): used \(link.directory)")
    } catch {
      #expect(error.message.contains("\(squat) is not a private directory of yours (\(reason))"), "\(error.message)")
      #expect(error.message.hasPrefix("--python: ") && !error.message.contains("\n"))
    }
  }

  @Test("a janitor per link: memtop-janitor, its own process group; close stops it and removes everything")
  func janitorProcess() throws {
    let link = try PythonAgentLink(files: [(name: "a.py", text: "#\n")], runtimeDirectory: nil)
    _ = try link.write(name: "extra.log", "x")
    let me = getpid()
    // This link's janitor: memtop's child holding the directory open (other tests' links run
    // beside this one). It names itself and opens the directory just after it starts: on a
    // busy machine that can take a moment, so look for up to 30 s.
    func janitorsNow() -> [Int32] {
      (Syscalls.numericEntries("/proc") ?? []).filter { pid in
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "memtop-janitor\n"
          && (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") S \(me) ") == true
          && Syscalls.directoryEntries("/proc/\(pid)/fd").contains {
            Syscalls.readLink("/proc/\(pid)/fd/\($0)") == link.directory
          }
      }
    }
    var janitors = janitorsNow()
    let deadline = Syscalls.monotonicSeconds() + 30
    while janitors.isEmpty && Syscalls.monotonicSeconds() < deadline {
      usleep(50_000)
      janitors = janitorsNow()
    }
    #expect(janitors.count == 1)
    let janitor = try #require(janitors.first)
    #expect(getpgid(janitor) == janitor)
    link.close()
    #expect(!FileManager.default.fileExists(atPath: link.directory))
    #expect(kill(janitor, 0) != 0, "the janitor outlived close()")
  }
}
