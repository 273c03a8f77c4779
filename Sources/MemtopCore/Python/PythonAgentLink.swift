import MemtopFormat
import MemtopSystem

/// memtop's end of the Python agent protocol (`docs/python-agent.md`): a private directory
/// holding the agent's files and the socket agents connect to.
///
/// The directory is made with `mkdtemp` (mode 0700) inside a base that no other user can
/// touch: `$XDG_RUNTIME_DIR` when it is memtop's user's own (mode 0700, not a link, every
/// folder above it root's or the user's and writable by nobody else, short enough for a
/// socket path), else `/tmp/memtop-UID` (made 0700 when missing, refused when someone else
/// made it). A path under such a base cannot be renamed aside or planted by another user,
/// even after memtop has gone, so the paths handed to a program (`PYTHONPATH`, the socket,
/// the attach script) always lead to memtop's files. The files are written through the
/// directory's descriptor (`openat`, `O_EXCL|O_NOFOLLOW`, 0600); `agent.sock` listens there
/// (0600, non-blocking). A janitor process removes the directory if memtop dies, SIGKILL
/// included.
///
/// A connection is kept only when its peer runs as the same user as memtop (or root), checked
/// with `SO_PEERCRED`. Several agents may connect (every Python process of a tree); each is
/// keyed by the pid its peer credentials give. ``poll()`` never blocks: it accepts, reads what
/// is there, splits newline-delimited JSON (a line over 1 MiB is dropped with a note) and
/// returns the lines. ``close()`` ends every connection (EOF tells an agent to detach) and
/// removes the directory.
public final class PythonAgentLink {
  /// The private directory.
  public let directory: String
  /// `DIR/agent.sock`.
  package let socketPath: String
  /// What the user should know about where the directory went (an unusable
  /// `$XDG_RUNTIME_DIR`), said once.
  public let notes: [String]
  /// Longest line accepted, bytes (newline excluded).
  package static let maxLineBytes = 1 << 20
  /// Most agents connected at once; more are refused with a note.
  public static let maxConnections = 64
  /// Bytes the directory's own path adds after the base: `/memtop-py-XXXXXX/agent.sock`.
  static let pathSuffixBytes = "/memtop-py-XXXXXX/agent.sock".utf8.count
  /// Longest socket path the kernel takes (`sun_path` less its final NUL).
  static let socketPathLimit = 107

  /// One line an agent sent.
  public struct Line: Sendable {
    /// The peer's process id (from `SO_PEERCRED`).
    public var pid: Int32
    /// The line as received (valid UTF-8, no newline).
    public var text: String
    /// What it says, or nil when it is no record of the protocol.
    public var record: AgentRecord?
  }

  /// What a poll gave: lines, and notes for the user (escaped).
  public struct Poll: Sendable {
    public var lines: [Line] = []
    public var notes: [String] = []
    /// Agents that went away (their pid).
    public var closed: [Int32] = []

    public init() {}
  }

  private final class Connection {
    let fd: Int32
    let pid: Int32
    var buffer: [UInt8] = []
    /// Skipping the rest of an oversized line.
    var discarding = false
    var outgoing: [UInt8] = []
    init(fd: Int32, pid: Int32) {
      self.fd = fd
      self.pid = pid
    }
  }

  private var listener: Int32
  private var connections: [Connection] = []
  private var closed = false
  private let uid = Syscalls.userID()
  /// The directory, open: every file is made and removed through it.
  private var directoryFD: Int32 = -1
  private var janitor: Int32?

  /// Makes the directory, writes `files` (name, text) into it and listens.
  ///
  /// - Parameters:
  ///   - runtimeDirectory: `$XDG_RUNTIME_DIR`, used when it is a private directory of
  ///     memtop's user's (else `temporary`/memtop-UID, with a note saying why).
  ///   - temporary: the shared temporary directory (`/tmp`), for tests.
  public init(
    files agentFiles: [(name: String, text: String)], runtimeDirectory: String?, temporary: String = "/tmp"
  ) throws(MemtopError) {
    let user = Syscalls.effectiveUserID()
    let (base, note) = try Self.chooseBase(runtimeDirectory: runtimeDirectory, user: user, temporary: temporary)
    notes = note.map { [$0] } ?? []
    do {
      directory = try Syscalls.makePrivateDirectory(prefix: base + "/memtop-py-")
    } catch {
      throw MemtopError(
        message:
          "--python: cannot create a private directory in \(Sanitizer.terminalSafe(base)): \(error); set XDG_RUNTIME_DIR to a writable directory of yours (mode 0700)"
      )
    }
    socketPath = directory + "/agent.sock"
    listener = -1
    do {
      directoryFD = try Syscalls.openDirectoryNoFollow(directory)
      guard let facts = Syscalls.facts(descriptor: directoryFD), facts.isDirectory, facts.owner == user,
        facts.permissions & 0o077 == 0
      else { throw SystemError.permissionDenied }
      janitor = Syscalls.startJanitor(directory: directoryFD, path: directory)
      for file in agentFiles {
        try Syscalls.writeNewFile(in: directoryFD, name: file.name, Array(file.text.utf8), mode: 0o600)
      }
      listener = try Syscalls.listenUnix(socketPath)
    } catch {
      removeDirectory()
      throw MemtopError(
        message:
          "--python: cannot set up the agent's socket in \(Sanitizer.terminalSafe(directory)): \(error); set XDG_RUNTIME_DIR to a writable directory of yours (mode 0700)"
      )
    }
  }

  deinit { close() }

  /// The base the private directory goes in, and a note when `$XDG_RUNTIME_DIR` was set but
  /// could not be used; throws when not even `temporary`/memtop-UID is safe.
  static func chooseBase(runtimeDirectory: String?, user: UInt32, temporary: String) throws(MemtopError) -> (
    String, String?
  ) {
    var note: String?
    if let given = runtimeDirectory, !given.isEmpty {
      let shown = Sanitizer.terminalSafe(given, maxLength: 120)
      let resolved = Syscalls.resolvedPath(given) ?? given
      let problem: String? =
        if !isPlainPath(resolved) {
          "its path holds characters other than letters, digits and /._-"
        } else if resolved.utf8.count + pathSuffixBytes > socketPathLimit {
          "a socket path in it would be longer than the \(socketPathLimit) bytes the kernel takes"
        } else {
          TrustedPath.privateDirectoryProblem(resolved, user: user)
        }
      guard let problem else { return (resolved, nil) }
      note = "--python: XDG_RUNTIME_DIR (\(shown)) is not used: \(problem)"
    }
    if let problem = TrustedPath.problem(with: temporary, user: user) {
      throw MemtopError(
        message:
          "--python: no safe place for the agent's files: \(Sanitizer.terminalSafe(temporary)) is not safe (\(problem)) and XDG_RUNTIME_DIR is \(runtimeDirectory == nil ? "not set" : "not usable"); set XDG_RUNTIME_DIR to a directory of yours with mode 0700"
      )
    }
    let fallback = (Syscalls.resolvedPath(temporary) ?? temporary) + "/memtop-\(user)"
    try? Syscalls.makeDirectory(fallback, mode: 0o700)
    if let problem = TrustedPath.privateDirectoryProblem(fallback, user: user) {
      throw MemtopError(
        message:
          "--python: \(Sanitizer.terminalSafe(fallback)) is not a private directory of yours (\(problem)); another user may have made it: remove it, or set XDG_RUNTIME_DIR to a directory of yours with mode 0700"
      )
    }
    guard isPlainPath(fallback), fallback.utf8.count + pathSuffixBytes <= socketPathLimit else {
      throw MemtopError(
        message:
          "--python: \(Sanitizer.terminalSafe(fallback)) is too long or holds unusual characters for the agent's socket; set XDG_RUNTIME_DIR to a short directory of yours with mode 0700"
      )
    }
    return (fallback, note.map { $0 + "; the agent's files go in \(fallback)" })
  }

  /// Whether `path` is made of characters a Python string literal and gdb's command line take
  /// as they are.
  static func isPlainPath(_ path: String) -> Bool {
    !path.isEmpty
      && path.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
          || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
          || byte == UInt8(ascii: ".")
      }
  }

  /// The pids of the agents connected now.
  package var connectedPIDs: [Int32] { connections.map(\.pid) }

  /// Writes `DIR/attach_PID.py`: the socket path as `MEMTOP_AGENT_SOCKET`, then `loader`
  /// (the agent's attach.py); returns its path.
  package func writeAttachScript(pid: Int32, loader: String) throws(MemtopError) -> String {
    try write(name: "attach_\(pid).py", "MEMTOP_AGENT_SOCKET = \"\(socketPath)\"\n" + loader)
  }

  /// Writes `DIR/name` (0600) through the directory's descriptor, replacing a file memtop
  /// wrote there before; returns its path.
  public func write(name: String, _ text: String) throws(MemtopError) -> String {
    let path = directory + "/" + name
    Syscalls.removeEntry(in: directoryFD, name: name)
    do {
      try Syscalls.writeNewFile(in: directoryFD, name: name, Array(text.utf8), mode: 0o600)
    } catch {
      throw MemtopError(message: "--python: cannot write \(Sanitizer.terminalSafe(path)): \(error)")
    }
    return path
  }

  // MARK: - Reading

  /// Accepts waiting agents and reads what they sent; never blocks.
  public func poll() -> Poll {
    var result = Poll()
    guard !closed else { return result }
    acceptWaiting(&result)
    var chunk = [UInt8](repeating: 0, count: 65536)
    var ended: [Int] = []
    for (index, connection) in connections.enumerated() {
      flushOutgoing(connection)
      // A bounded amount per poll, so one chatty agent cannot hold the session's tick.
      var budget = 4 << 20
      reading: while budget > 0 {
        let got: Syscalls.ReadResult
        do {
          got = try chunk.withUnsafeMutableBytes { buffer throws(SystemError) in
            try Syscalls.readAvailable(connection.fd, into: buffer)
          }
        } catch {
          ended.append(index)
          break reading
        }
        switch got {
        case .wouldBlock: break reading
        case .endOfFile:
          ended.append(index)
          break reading
        case .bytes(let n):
          budget -= n
          split(chunk[0..<n], from: connection, into: &result)
        }
      }
    }
    for index in ended.reversed() {
      let connection = connections.remove(at: index)
      Syscalls.close(connection.fd)
      result.closed.append(connection.pid)
    }
    return result
  }

  private func acceptWaiting(_ result: inout Poll) {
    while true {
      guard let fd = try? Syscalls.acceptConnection(listener) else { return }
      guard let peer = Syscalls.peerCredentials(fd), peer.uid == uid || peer.uid == 0 else {
        let who = Syscalls.peerCredentials(fd).map { "process \($0.pid) (uid \($0.uid))" } ?? "an unknown process"
        result.notes.append("python agent: refused a connection from \(who): it runs as another user")
        Syscalls.close(fd)
        continue
      }
      guard connections.count < Self.maxConnections else {
        result.notes.append(
          "python agent: refused process \(peer.pid): \(Self.maxConnections) agents are connected already")
        Syscalls.close(fd)
        continue
      }
      connections.append(Connection(fd: fd, pid: peer.pid))
    }
  }

  /// Cuts `bytes` into lines; an oversized or malformed line becomes a note.
  private func split(_ bytes: ArraySlice<UInt8>, from connection: Connection, into result: inout Poll) {
    var start = bytes.startIndex
    while start < bytes.endIndex {
      let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
      let piece = bytes[start..<(newline ?? bytes.endIndex)]
      if !connection.discarding {
        connection.buffer += piece
        if connection.buffer.count > Self.maxLineBytes {
          connection.buffer = []
          connection.discarding = true
          result.notes.append(
            "python agent \(connection.pid): dropped a line longer than 1 MiB (the agent's data for that tick is lost)")
        }
      }
      guard let newline else { return }
      if !connection.discarding && !connection.buffer.isEmpty { finishLine(connection, into: &result) }
      connection.buffer = []
      connection.discarding = false
      start = bytes.index(after: newline)
    }
  }

  private func finishLine(_ connection: Connection, into result: inout Poll) {
    guard let text = String(validating: connection.buffer, as: UTF8.self) else {
      result.notes.append("python agent \(connection.pid): dropped a line that is not UTF-8")
      return
    }
    let record = AgentRecord.parse(Substring(text))
    if record == nil {
      result.notes.append(
        "python agent \(connection.pid): dropped a line that is not a protocol record: \(Sanitizer.terminalSafe(text, maxLength: 60))"
      )
      return
    }
    result.lines.append(Line(pid: connection.pid, text: text, record: record))
  }

  // MARK: - Commands

  /// Sends a command line (a JSON object) to the agent of `pid`, or to every agent.
  public func send(_ command: String, to pid: Int32? = nil) {
    for connection in connections where pid == nil || connection.pid == pid {
      // Commands are small and rare: a peer that lets this many pile up is not reading.
      guard connection.outgoing.count < 1 << 16 else { continue }
      connection.outgoing += Array((command + "\n").utf8)
      flushOutgoing(connection)
    }
  }

  private func flushOutgoing(_ connection: Connection) {
    guard !connection.outgoing.isEmpty else { return }
    let sent = connection.outgoing.withUnsafeBytes { raw in
      (try? Syscalls.sendAvailable(connection.fd, raw)) ?? connection.outgoing.count
    }
    connection.outgoing.removeFirst(min(sent, connection.outgoing.count))
  }

  /// `{"cmd":"trace",...}`: trace lines for `seconds` with `snapshots` snapshots of 1 frame.
  package static func traceCommand(seconds: Int, snapshots: Int) -> String {
    "{\"cmd\":\"trace\",\"seconds\":\(seconds),\"snapshots\":\(snapshots),\"frames\":1}"
  }

  /// `{"cmd":"detach"}`.
  package static let detachCommand = "{\"cmd\":\"detach\"}"

  // MARK: - Ending

  /// Asks every agent to detach, closes the connections and the socket, and removes the
  /// directory. Idempotent.
  public func close() {
    guard !closed else { return }
    closed = true
    send(Self.detachCommand)
    for connection in connections { Syscalls.close(connection.fd) }
    connections = []
    if listener >= 0 { Syscalls.close(listener) }
    listener = -1
    removeDirectory()
  }

  private func removeDirectory() {
    // The janitor goes first, so it can never remove a directory of the same name made later.
    if let janitor { Syscalls.stopJanitor(janitor) }
    janitor = nil
    guard directoryFD >= 0 else {
      Syscalls.removeDirectory(directory)
      return
    }
    // Whatever is in it was made by an agent or memtop for this watch (the directory is
    // private): nothing of the user's. Removed through the descriptor: nothing is followed.
    for _ in 0..<4 {
      let names = Syscalls.directoryEntries("/proc/self/fd/\(directoryFD)")
      if names.isEmpty { break }
      for name in names { Syscalls.removeEntry(in: directoryFD, name: name) }
    }
    Syscalls.removeDirectory(directory)
    Syscalls.close(directoryFD)
    directoryFD = -1
  }
}
