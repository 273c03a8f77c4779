import MemtopCore
import MemtopSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The metrics endpoint's event loop: one thread, one `poll(2)` over the listener, a wake-up
/// pipe and every connection. Its state is touched by that thread alone; ``requestStop()``
/// is the only call from outside.
final class MetricsServerLoop: @unchecked Sendable {
  /// One client connection.
  struct Connection {
    var fd: Int32
    /// Bytes received and not yet answered (at most the request limit).
    var input: [UInt8] = []
    /// The answer being sent, and how much of it has gone.
    var output: [UInt8] = []
    var sent = 0
    /// Close once the answer is sent.
    var closeAfterWrite = false
    /// Monotonic seconds by which the request must have arrived, or the answer been taken.
    var deadline: Double
    /// Monotonic seconds of the last request answered (or of the accept): the longest idle
    /// connection is the one dropped when room is needed.
    var lastActive: Double

    var isWriting: Bool { sent < output.count }
  }

  private let listener: Int32
  private let wakeRead: Int32
  private let wakeWrite: Int32
  private let board: MetricsBoard
  private let limits: MetricsServer.Limits
  private let maxConnections: Int
  /// Where notices go; set by ``run(notice:)``.
  private var notice: @Sendable (MetricsServer.Notice) -> Void = { _ in }
  private let stopping = Atomic<Bool>(false)
  private var connections: [Connection] = []
  /// Accepting is paused until this monotonic time after a failure with nothing to free.
  private var pausedUntil = 0.0
  /// When the last warning about descriptors was printed, and whether one is outstanding.
  private var lastWarning = -Double.infinity
  private var short = false
  private var listenerFailed = false

  init(listener: Int32, board: MetricsBoard, limits: MetricsServer.Limits, connections: Int) throws(MemtopError) {
    var pipeFDs: [Int32] = [-1, -1]
    guard pipe(&pipeFDs) == 0 else {
      let code = errno
      Glibc.close(listener)
      throw MemtopError(message: "cannot serve metrics: \(String(cString: strerror(code)))")
    }
    for fd in pipeFDs { Self.configure(fd) }
    self.listener = listener
    wakeRead = pipeFDs[0]
    wakeWrite = pipeFDs[1]
    self.board = board
    self.limits = limits
    maxConnections = connections
  }

  /// Makes `fd` non-blocking and close-on-exec.
  private static func configure(_ fd: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
  }

  /// Asks the loop to end; returns false if it was asked already.
  func requestStop() -> Bool {
    guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return false }
    var byte: UInt8 = 1
    _ = write(wakeWrite, &byte, 1)
    return true
  }

  /// Closes every descriptor; called once the loop has ended.
  func closeAll() {
    for connection in connections { Glibc.close(connection.fd) }
    connections.removeAll()
    Glibc.close(listener)
    Glibc.close(wakeRead)
    Glibc.close(wakeWrite)
  }

  /// Serves until ``requestStop()``, telling `notice` what goes wrong on the way.
  func run(notice: @escaping @Sendable (MetricsServer.Notice) -> Void) {
    self.notice = notice
    var fds: [pollfd] = []
    while !stopping.load(ordering: .acquiring) {
      var now = Syscalls.monotonicSeconds()
      expire(now: now)
      let listening = !listenerFailed && now >= pausedUntil
      fds.removeAll(keepingCapacity: true)
      fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: listening ? listener : -1, events: Int16(POLLIN), revents: 0))
      for connection in connections {
        fds.append(pollfd(fd: connection.fd, events: Int16(connection.isWriting ? POLLOUT : POLLIN), revents: 0))
      }
      let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds(now: now))
      if ready < 0 {
        if errno == EINTR { continue }
        // poll itself failed (ENOMEM): wait a moment rather than spin.
        report(
          "the metrics endpoint cannot wait for connections (\(String(cString: strerror(errno)))); retrying", now: now)
        usleep(200_000)
        continue
      }
      if ready == 0 { continue }
      if fds[0].revents != 0 {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &sink, sink.count) > 0 {}
      }
      now = Syscalls.monotonicSeconds()
      // Connections first (indices match the poll list), then new ones.
      var closed: [Int] = []
      for index in connections.indices where fds[index + 2].revents != 0 {
        if !serve(index, revents: fds[index + 2].revents, now: now) { closed.append(index) }
      }
      for index in closed.reversed() {
        Glibc.close(connections[index].fd)
        connections.remove(at: index)
      }
      let listenerEvents = Int32(fds[1].revents)
      if listenerEvents & Int32(POLLIN) != 0 {
        acceptPending(now: now)
      } else if listenerEvents & Int32(POLLERR | POLLNVAL) != 0 {
        listenerFailed = true
        warn("warning: the metrics endpoint's socket failed; metrics are no longer served", endsServing: true)
      }
    }
  }

  /// Milliseconds until the next deadline or the end of a pause, between 1 and 1000.
  private func timeoutMilliseconds(now: Double) -> Int32 {
    var next = now + 1
    for connection in connections { next = min(next, connection.deadline) }
    if pausedUntil > now { next = min(next, pausedUntil) }
    return Int32(min(max(((next - now) * 1000).rounded(.up), 1), 1000))
  }

  /// Closes connections whose request or answer is overdue.
  private func expire(now: Double) {
    connections.removeAll { connection in
      guard connection.deadline <= now else { return false }
      Glibc.close(connection.fd)
      return true
    }
  }

  // MARK: - Accepting

  /// Accepts what is waiting (at most a few dozen per wake-up, so answering never starves).
  private func acceptPending(now: Double) {
    for _ in 0..<64 {
      let fd = accept(listener, nil, nil)
      if fd < 0 {
        let code = errno
        switch code {
        case EAGAIN, EWOULDBLOCK: return
        case EINTR, ECONNABORTED, EPROTO: continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
          // Free a descriptor by dropping the longest idle connection and try again; with
          // none to drop, stop watching the listener for a second (it would stay readable).
          if let oldest = longestIdle() {
            Glibc.close(connections[oldest].fd)
            connections.remove(at: oldest)
            reportShortage(code, now: now, dropping: true)
            continue
          }
          reportShortage(code, now: now, dropping: false)
          pausedUntil = now + 1
          return
        default:
          report(
            "the metrics endpoint cannot accept connections (\(String(cString: strerror(code)))); retrying every second",
            now: now)
          pausedUntil = now + 1
          return
        }
      }
      Self.configure(fd)
      if short {
        short = false
        warn("the metrics endpoint accepts connections again")
      }
      if connections.count >= maxConnections, let oldest = longestIdle() {
        Glibc.close(connections[oldest].fd)
        connections.remove(at: oldest)
      }
      connections.append(Connection(fd: fd, deadline: now + limits.idleSeconds, lastActive: now))
    }
  }

  /// The connection idle the longest (not in the middle of sending an answer, if one is).
  private func longestIdle() -> Int? {
    let idle = connections.indices.filter { !connections[$0].isWriting }
    let pool = idle.isEmpty ? Array(connections.indices) : idle
    return pool.min { connections[$0].lastActive < connections[$1].lastActive }
  }

  private func reportShortage(_ code: Int32, now: Double, dropping: Bool) {
    var limit = rlimit()
    let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? " (ulimit -n \(limit.rlim_cur))" : ""
    let what =
      code == ENFILE
      ? "the system is out of file descriptors"
      : code == EMFILE ? "memtop is out of file descriptors\(soft)" : "the system is out of memory for sockets"
    let action =
      dropping
      ? "the metrics endpoint closes its longest idle connection to answer a new one"
      : "new metrics connections wait until descriptors free up"
    short = true
    report("warning: \(what); \(action)", now: now)
  }

  private func warn(_ text: String, endsServing: Bool = false) {
    notice(MetricsServer.Notice(text: text, endsServing: endsServing))
  }

  /// Says `message` at most once every 10 seconds.
  private func report(_ message: String, now: Double) {
    guard now - lastWarning >= 10 else { return }
    lastWarning = now
    warn(message)
  }

  // MARK: - Serving

  /// Reads or writes what `revents` allows; returns false when the connection is to be closed.
  private func serve(_ index: Int, revents: Int16, now: Double) -> Bool {
    if connections[index].isWriting {
      return flush(index, now: now)
    }
    var chunk = [UInt8](repeating: 0, count: 4096)
    var ended = false
    while connections[index].input.count <= limits.requestBytes {
      let count = chunk.withUnsafeMutableBytes { recv(connections[index].fd, $0.baseAddress, $0.count, 0) }
      if count == 0 {
        // The client is done sending (it may still read): answer what came, then close.
        ended = true
        break
      }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK { break }
        return false
      }
      connections[index].input.append(contentsOf: chunk[0..<count])
    }
    guard ended else { return answer(index, now: now) }
    guard HTTPRequestHead.end(in: connections[index].input) != nil else { return false }
    let open = answer(index, now: now)
    connections[index].closeAfterWrite = true
    return open && connections[index].isWriting
  }

  /// Answers the complete request at the head of the input, if there is one.
  private func answer(_ index: Int, now: Double) -> Bool {
    let input = connections[index].input
    guard let end = HTTPRequestHead.end(in: input) else {
      if input.count > limits.requestBytes {
        respond(index, HTTPResponse.tooLarge(limit: limits.requestBytes), now: now)
        return flush(index, now: now)
      }
      return true  // wait for more, until the deadline
    }
    let head = HTTPRequestHead(Array(input[..<end]))
    connections[index].input.removeFirst(end)
    respond(index, HTTPResponse.answer(to: head, metrics: board.text), now: now)
    return flush(index, now: now)
  }

  private func respond(_ index: Int, _ response: HTTPResponse, now: Double) {
    connections[index].output = response.bytes
    connections[index].sent = 0
    connections[index].closeAfterWrite = response.close
    connections[index].deadline = now + limits.idleSeconds
  }

  /// Sends what the socket takes; returns false when the connection is to be closed.
  private func flush(_ index: Int, now: Double) -> Bool {
    while connections[index].isWriting {
      let connection = connections[index]
      let count = connection.output.withUnsafeBytes { bytes -> Int in
        guard let base = bytes.baseAddress else { return 0 }
        return send(
          connection.fd, base + connection.sent, connection.output.count - connection.sent, Int32(MSG_NOSIGNAL))
      }
      if count < 0 {
        if errno == EINTR { continue }
        return errno == EAGAIN || errno == EWOULDBLOCK
      }
      connections[index].sent += count
    }
    if connections[index].closeAfterWrite { return false }
    connections[index].output = []
    connections[index].sent = 0
    connections[index].lastActive = now
    connections[index].deadline = now + limits.idleSeconds
    // A pipelined request already received is answered now.
    return connections[index].input.isEmpty ? true : answer(index, now: now)
  }
}
