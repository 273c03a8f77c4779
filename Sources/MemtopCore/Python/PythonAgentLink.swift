/// memtop's end of the Python agent protocol (`docs/python-agent.md`): a private directory
/// holding the agent's files and the socket agents connect to.
///
/// The directory is made with `mkdtemp` (mode 0700) under `$XDG_RUNTIME_DIR`, else `/tmp`; the
/// agent's files are written into it (0600) and `agent.sock` listens there (0600, non-blocking).
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
  public let socketPath: String
  /// Longest line accepted, bytes (newline excluded).
  public static let maxLineBytes = 1 << 20
  /// Most agents connected at once; more are refused with a note.
  public static let maxConnections = 64

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
  private var files: [String] = []
  private var closed = false
  private let uid = Syscalls.userID()

  /// Makes the directory, writes `files` (name, text) into it and listens.
  ///
  /// - Parameter runtimeDirectory: where the directory goes (`$XDG_RUNTIME_DIR`); `/tmp` when
  ///   nil, not a directory, or holding characters that could not be quoted safely into a
  ///   Python string literal.
  public init(files agentFiles: [(name: String, text: String)], runtimeDirectory: String?) throws(MemtopError) {
    let base = runtimeDirectory.flatMap { Self.isPlainPath($0) && Syscalls.isDirectory($0) ? $0 : nil } ?? "/tmp"
    do {
      directory = try Syscalls.makePrivateDirectory(prefix: (base.hasSuffix("/") ? base : base + "/") + "memtop-py-")
    } catch {
      throw MemtopError(
        message:
          "--python: cannot create a private directory in \(Sanitizer.terminalSafe(base)): \(error); set XDG_RUNTIME_DIR to a writable directory of yours"
      )
    }
    socketPath = directory + "/agent.sock"
    listener = -1
    do {
      for file in agentFiles {
        let path = directory + "/" + file.name
        try Syscalls.writeNewFile(path, Array(file.text.utf8), mode: 0o600)
        files.append(path)
      }
      listener = try Syscalls.listenUnix(socketPath)
      files.append(socketPath)
    } catch {
      removeDirectory()
      throw MemtopError(
        message:
          "--python: cannot set up the agent's socket in \(Sanitizer.terminalSafe(directory)): \(error); set XDG_RUNTIME_DIR to a writable directory of yours"
      )
    }
  }

  deinit { close() }

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
  public var connectedPIDs: [Int32] { connections.map(\.pid) }

  /// Writes `DIR/attach_PID.py`: the socket path as `MEMTOP_AGENT_SOCKET`, then `loader`
  /// (the agent's attach.py); returns its path.
  public func writeAttachScript(pid: Int32, loader: String) throws(MemtopError) -> String {
    let path = directory + "/attach_\(pid).py"
    let text = "MEMTOP_AGENT_SOCKET = \"\(socketPath)\"\n" + loader
    Syscalls.removeFile(path)
    do {
      try Syscalls.writeNewFile(path, Array(text.utf8), mode: 0o600)
    } catch {
      throw MemtopError(message: "--python: cannot write \(Sanitizer.terminalSafe(path)): \(error)")
    }
    if !files.contains(path) { files.append(path) }
    return path
  }

  /// Notes a file memtop made in the directory (a log), so ``close()`` removes it.
  public func own(_ path: String) {
    if !files.contains(path) { files.append(path) }
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
  public static func traceCommand(seconds: Int, snapshots: Int) -> String {
    "{\"cmd\":\"trace\",\"seconds\":\(seconds),\"snapshots\":\(snapshots),\"frames\":1}"
  }

  /// `{"cmd":"detach"}`.
  public static let detachCommand = "{\"cmd\":\"detach\"}"

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
    for path in files { Syscalls.removeFile(path) }
    // Whatever else is in it was made by an agent or memtop for this watch (the directory is
    // private): nothing of the user's.
    for name in Syscalls.directoryEntries(directory) { Syscalls.removeFile(directory + "/" + name) }
    Syscalls.removeDirectory(directory)
  }
}
