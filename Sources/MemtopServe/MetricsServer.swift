import Foundation
import MemtopCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Serves `GET /metrics` from a ``MetricsBoard`` on one thread of its own with `poll(2)`,
/// whatever text the board holds, while the caller goes on with its own work.
///
/// Binding happens in ``init(address:board:option:limits:)`` (so a bad address fails before
/// anything else starts, and port 0 is resolved at once); ``start(notice:)`` starts serving and
/// ``stop()`` ends it and closes every descriptor.
///
/// Everything a client can make it spend is bounded: a request (line and headers) of at most
/// ``Limits/requestBytes``, ``Limits/idleSeconds`` for a request to arrive in full and for its
/// answer to be taken, and at most ``Limits/connections`` connections, the longest idle one
/// closed when another arrives. Out of descriptors (EMFILE), it drops its oldest connection or
/// pauses accepting for a second, and says so once through its notices; it never spins.
public final class MetricsServer: Sendable {
  /// What a client may cost.
  public struct Limits: Sendable {
    /// Bytes of request line and headers; more is answered 431 and the connection closed.
    public var requestBytes: Int
    /// Seconds a connection may take to send its request, or stay idle between requests.
    public var idleSeconds: Double
    /// Connections served at once (further ones wait in the kernel's queue, or displace the
    /// longest idle one).
    public var connections: Int

    /// 8 KiB requests, 10 seconds idle, 32 connections unless said otherwise.
    public init(requestBytes: Int = 8 * 1024, idleSeconds: Double = 10, connections: Int = 32) {
      self.requestBytes = requestBytes
      self.idleSeconds = idleSeconds
      self.connections = connections
    }
  }

  /// Something the server has to say while it runs (a shortage of descriptors, a failed socket),
  /// phrased for a person; the caller decides where it goes.
  public struct Notice: Sendable, Equatable {
    /// One line, without the program's name.
    public var text: String
    /// True when the endpoint has stopped serving for good (its listening socket failed).
    public var endsServing: Bool
  }

  private enum Phase {
    case bound, serving, stopped
  }

  /// The address actually bound (with the kernel's port when 0 was asked for): `HOST:PORT`.
  public let boundAddress: String
  private let loop: MetricsServerLoop
  private let phase = Mutex(Phase.bound)
  private let finished = DispatchSemaphore(value: 0)

  /// Binds and listens on `address` without serving yet; throws a message naming `option`
  /// (such as `--metrics-listen`) when the address cannot be used.
  public init(address: ListenAddress, board: MetricsBoard, option: String, limits: Limits = Limits())
    throws(MemtopError)
  {
    let listener = try Self.listen(on: address, option: option)
    boundAddress = listener.bound
    let connections = Self.connectionCap(limits.connections)
    loop = try MetricsServerLoop(listener: listener.fd, board: board, limits: limits, connections: connections)
  }

  deinit {
    stop()
  }

  /// Starts serving on a thread of its own; `notice` is called from that thread. Does nothing
  /// once started or stopped.
  public func start(notice: @escaping @Sendable (Notice) -> Void) {
    let starting = phase.withLock { phase in
      guard phase == .bound else { return false }
      phase = .serving
      return true
    }
    guard starting else { return }
    let loop = self.loop
    let finished = self.finished
    let thread = Thread {
      loop.run(notice: notice)
      finished.signal()
    }
    thread.name = "memtop-metrics"
    thread.start()
  }

  /// Stops serving: closes the listener and every connection, and waits for the thread.
  /// Further calls do nothing.
  public func stop() {
    let was = phase.withLock { phase in
      defer { phase = .stopped }
      return phase
    }
    switch was {
    case .stopped:
      return
    case .serving:
      _ = loop.requestStop()
      finished.wait()
    case .bound:
      break
    }
    loop.closeAll()
  }

  /// At most `wanted` connections, and never more than a quarter of the descriptors left:
  /// the sampler needs its own.
  private static func connectionCap(_ wanted: Int) -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return wanted }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 16
    let left = Int(clamping: limit.rlim_cur) - open
    return min(wanted, max(1, left / 4))
  }

  // MARK: - Binding

  /// Creates, binds and listens; returns the descriptor and the bound `HOST:PORT`.
  private static func listen(on address: ListenAddress, option: String) throws(MemtopError) -> (
    fd: Int32, bound: String
  ) {
    let family = address.isIPv6 ? AF_INET6 : AF_INET
    let unusable = MemtopError(
      message: "\(option) \(address.text) is not a usable address; give e.g. 127.0.0.1:9464", status: 64)
    var storage = sockaddr_storage()
    let length: socklen_t
    if address.isIPv6 {
      var sin6 = sockaddr_in6()
      sin6.sin6_family = sa_family_t(AF_INET6)
      sin6.sin6_port = address.port.bigEndian
      guard inet_pton(AF_INET6, address.host, &sin6.sin6_addr) == 1 else { throw unusable }
      withUnsafeBytes(of: sin6) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    } else {
      var sin = sockaddr_in()
      sin.sin_family = sa_family_t(AF_INET)
      sin.sin_port = address.port.bigEndian
      guard inet_pton(AF_INET, address.host, &sin.sin_addr) == 1 else { throw unusable }
      withUnsafeBytes(of: sin) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
    }
    let fd = socket(
      family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw cannotServe(address, errno) }
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    if address.isIPv6 {
      _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
    let bound = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      let code = errno
      Glibc.close(fd)
      throw cannotServe(address, code)
    }
    var actual = sockaddr_storage()
    var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
    }
    let port: UInt16
    if address.isIPv6 {
      port = withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in6.self).sin6_port.bigEndian }
    } else {
      port = withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in.self).sin_port.bigEndian }
    }
    var served = address
    served.port = port
    return (fd, served.text)
  }

  private static func cannotServe(_ address: ListenAddress, _ code: Int32) -> MemtopError {
    MemtopError(
      message:
        "cannot serve metrics on \(address.text): \(String(cString: strerror(code))); choose another port (or 0 for any free one)"
    )
  }
}
