import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The exposition text shared between the sampling loop (writer) and the HTTP server (reader).
final class MetricsBoard: Sendable {
  private let current = Mutex("")

  var text: String { current.withLock { $0 } }

  func publish(_ text: String) {
    current.withLock { $0 = text }
  }
}

/// Serves `GET /metrics` from a ``MetricsBoard`` on one thread of its own with `poll(2)`,
/// while the sampling loop runs on the main thread.
///
/// Everything a client can make it spend is bounded: a request (line and headers) of at most
/// ``Limits/requestBytes``, ``Limits/idleSeconds`` for a request to arrive in full and for its
/// answer to be taken, and at most ``Limits/connections`` connections, the longest idle one
/// closed when another arrives. Out of descriptors (EMFILE), it drops its oldest connection or
/// pauses accepting for a second, and says so on stderr once; it never spins.
final class MetricsServer: Sendable {
  /// What a client may cost.
  struct Limits: Sendable {
    /// Bytes of request line and headers; more is answered 431 and the connection closed.
    var requestBytes = 8 * 1024
    /// Seconds a connection may take to send its request, or stay idle between requests.
    var idleSeconds = 10.0
    /// Connections served at once (further ones wait in the kernel's queue, or displace the
    /// longest idle one).
    var connections = 32
  }

  /// The address actually bound (with the kernel's port when 0 was asked for).
  let boundAddress: String
  private let loop: MetricsServerLoop
  private let finished = DispatchSemaphore(value: 0)

  /// Binds and starts serving; throws a user-facing message when the address cannot be used.
  init(
    address: ListenAddress, board: MetricsBoard, limits: Limits = Limits(), warn: @escaping @Sendable (String) -> Void
  ) throws {
    let listener = try Self.listen(on: address)
    boundAddress = listener.bound
    let connections = Self.connectionCap(limits.connections)
    loop = try MetricsServerLoop(
      listener: listener.fd, board: board, limits: limits, connections: connections, warn: warn)
    let loop = self.loop
    let finished = self.finished
    let thread = Thread {
      loop.run()
      finished.signal()
    }
    thread.name = "memtop-metrics"
    thread.start()
  }

  /// Stops serving: closes the listener and every connection, and waits for the thread.
  func stop() {
    guard loop.requestStop() else { return }
    finished.wait()
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
  private static func listen(on address: ListenAddress) throws -> (fd: Int32, bound: String) {
    let family = address.isIPv6 ? AF_INET6 : AF_INET
    let unusable = UserFacingError(
      message: "--metrics-listen \(address.text) is not a usable address; give e.g. 127.0.0.1:9464",
      status: ExitStatus.usage)
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

  private static func cannotServe(_ address: ListenAddress, _ code: Int32) -> UserFacingError {
    UserFacingError(
      message:
        "cannot serve metrics on \(address.text): \(String(cString: strerror(code))); choose another port (or 0 for any free one)"
    )
  }
}
