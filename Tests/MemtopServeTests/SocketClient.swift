#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 for the server tests: raw bytes out, raw bytes in, with
/// a receive timeout generous enough for a loaded machine (a timeout fails the read, never a
/// test of speed).
final class SocketClient {
  enum Failure: Error, Equatable {
    case socket(Int32)
    case connect(Int32)
    case send(Int32)
    case receive(Int32)
  }

  let fd: Int32

  /// Connects to 127.0.0.1:`port`.
  init(port: UInt16, timeoutSeconds: Int = 30) throws(Failure) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw .socket(errno) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      let code = errno
      close(fd)
      throw .connect(code)
    }
    self.fd = fd
  }

  func send(_ text: String) throws(Failure) {
    try send(Array(text.utf8))
  }

  func send(_ bytes: [UInt8]) throws(Failure) {
    var sent = 0
    while sent < bytes.count {
      let count = bytes.withUnsafeBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return Glibc.send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw .send(errno)
      }
      sent += count
    }
  }

  /// Reads until the peer closes the connection; returns everything received.
  func readToEnd() throws(Failure) -> String {
    var received: [UInt8] = []
    while true {
      let chunk = try receive()
      if chunk.isEmpty { break }
      received += chunk
    }
    return String(decoding: received, as: UTF8.self)
  }

  /// Reads one response: its head and a body of the length it announces.
  func readResponse() throws(Failure) -> (head: String, body: String) {
    var received: [UInt8] = []
    var headEnd: Int?
    var length = 0
    while true {
      if headEnd == nil, let range = Self.find([13, 10, 13, 10], in: received) {
        headEnd = range
        let head = String(decoding: received[..<range], as: UTF8.self)
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
          length = Int(line.split(separator: ":")[1].trimmingPrefix(" ")) ?? 0
        }
      }
      if let headEnd, received.count >= headEnd + 4 + length {
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        let body = String(decoding: received[(headEnd + 4)..<(headEnd + 4 + length)], as: UTF8.self)
        pending = Array(received[(headEnd + 4 + length)...])
        return (head, body)
      }
      let chunk = try receive()
      if chunk.isEmpty { throw .receive(0) }
      received += chunk
    }
  }

  /// Bytes read past the last response (a pipelined answer that came in the same read).
  private var pending: [UInt8] = []

  private func receive() throws(Failure) -> [UInt8] {
    if !pending.isEmpty {
      defer { pending = [] }
      return pending
    }
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count >= 0 { return Array(buffer[0..<count]) }
      if errno == EINTR { continue }
      throw .receive(errno)
    }
  }

  private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
    guard bytes.count >= needle.count else { return nil }
    for start in 0...(bytes.count - needle.count) where Array(bytes[start..<(start + needle.count)]) == needle {
      return start
    }
    return nil
  }

  deinit {
    Glibc.close(fd)
  }
}
