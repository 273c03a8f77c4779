import MemtopCore
import MemtopServe
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real server on 127.0.0.1 (port 0: the kernel picks a free one), answered through a real
/// socket. Nothing here waits for time to pass: every read ends with the server's answer or
/// its closing the connection (a generous receive timeout only turns a hang into a failure).
@Suite("metrics server on loopback")
struct MetricsServerTests {
  /// A started server on a free loopback port, and its port.
  static func serving(_ board: MetricsBoard, limits: MetricsServer.Limits = MetricsServer.Limits()) throws -> (
    MetricsServer, UInt16
  ) {
    let server = try MetricsServer(
      address: ListenAddress(host: "127.0.0.1", port: 0), board: board, option: "--metrics-listen", limits: limits)
    server.start { _ in }
    let port = try #require(server.boundAddress.split(separator: ":").last.flatMap { UInt16($0) })
    return (server, port)
  }

  @Test("port 0 is bound to a port the kernel chose, shown in the bound address")
  func boundPort() throws {
    let (server, port) = try Self.serving(MetricsBoard())
    defer { server.stop() }
    #expect(port != 0)
    #expect(server.boundAddress == "127.0.0.1:\(port)")
  }

  @Test("GET /metrics answers whatever the board holds, and what it holds now")
  func servesTheBoard() throws {
    let board = MetricsBoard("first 1\n")
    let (server, port) = try Self.serving(board)
    defer { server.stop() }
    let client = try SocketClient(port: port)
    try client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    let first = try client.readResponse()
    #expect(first.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
    #expect(first.head.contains("\r\nConnection: keep-alive"))
    #expect(first.body == "first 1\n")
    board.publish("second 2\n")
    try client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(try client.readResponse().body == "second 2\n")
  }

  @Test("pipelined requests in one write are answered in order on the same connection")
  func pipelining() throws {
    let (server, port) = try Self.serving(MetricsBoard("m 1\n"))
    defer { server.stop() }
    let client = try SocketClient(port: port)
    try client.send(
      "GET /metrics HTTP/1.1\r\n\r\nGET /nothing HTTP/1.1\r\n\r\nHEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    let first = try client.readResponse()
    #expect(first.head.hasPrefix("HTTP/1.1 200 OK\r\n") && first.body == "m 1\n")
    let second = try client.readResponse()
    #expect(second.head.hasPrefix("HTTP/1.1 404 Not Found\r\n") && second.body == "memtop serves /metrics only\n")
    // The HEAD answer announces the body's length and sends none; then the connection closes.
    let third = try client.readToEnd()
    #expect(third.hasPrefix("HTTP/1.1 200 OK\r\n") && third.contains("\r\nContent-Length: 4\r\n"), "\(third)")
    #expect(third.hasSuffix("Connection: close\r\n\r\n"), "\(third)")
  }

  @Test("HTTP/1.0 closes after one answer unless it asks for keep-alive")
  func http10() throws {
    let (server, port) = try Self.serving(MetricsBoard("m 1\n"))
    defer { server.stop() }
    let plain = try SocketClient(port: port)
    try plain.send("GET /metrics HTTP/1.0\r\n\r\n")
    let answer = try plain.readToEnd()
    #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.contains("\r\nConnection: close\r\n"))
    #expect(answer.hasSuffix("\r\n\r\nm 1\n"))

    let kept = try SocketClient(port: port)
    try kept.send("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    #expect(try kept.readResponse().head.contains("\r\nConnection: keep-alive"))
    try kept.send("GET /metrics HTTP/1.0\r\n\r\n")
    #expect(try kept.readToEnd().hasSuffix("\r\n\r\nm 1\n"))
  }

  @Test("a request line over the limit is answered 431 and the connection closed")
  func oversized() throws {
    let (server, port) = try Self.serving(MetricsBoard(), limits: MetricsServer.Limits(requestBytes: 1024))
    defer { server.stop() }
    let client = try SocketClient(port: port)
    try client.send("GET /" + String(repeating: "a", count: 1500))
    let answer = try client.readToEnd()
    #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer)")
    #expect(answer.hasSuffix("request line and headers exceed 1024 bytes\n"))
  }

  @Test("a client that sends half a request and stops sending gets no answer, only the close")
  func halfRequest() throws {
    let (server, port) = try Self.serving(MetricsBoard("m 1\n"))
    defer { server.stop() }
    let client = try SocketClient(port: port)
    try client.send("GET /metrics HTTP/1.1\r\nHost:")
    shutdown(client.fd, Int32(SHUT_WR))
    #expect(try client.readToEnd() == "")
  }

  @Test("stop closes the listener: a new connection is refused; stopping again does nothing")
  func stop() throws {
    let (server, port) = try Self.serving(MetricsBoard())
    server.stop()
    #expect(throws: SocketClient.Failure.connect(ECONNREFUSED)) { try SocketClient(port: port) }
    server.stop()
  }

  @Test("a server stopped before it started releases its port")
  func stopUnstarted() throws {
    let server = try MetricsServer(
      address: ListenAddress(host: "127.0.0.1", port: 0), board: MetricsBoard(), option: "--metrics-listen")
    let port = try #require(server.boundAddress.split(separator: ":").last.flatMap { UInt16($0) })
    server.stop()
    #expect(throws: SocketClient.Failure.connect(ECONNREFUSED)) { try SocketClient(port: port) }
  }

  @Test("a port in use is one message naming the address and the way out")
  func portInUse() throws {
    let (server, port) = try Self.serving(MetricsBoard())
    defer { server.stop() }
    do {
      _ = try MetricsServer(
        address: ListenAddress(host: "127.0.0.1", port: port), board: MetricsBoard(), option: "--metrics-listen")
      Issue.record("a second server bound port \(port)")
    } catch {
      #expect(error.message.hasPrefix("cannot serve metrics on 127.0.0.1:\(port): "), "\(error.message)")
      #expect(error.message.hasSuffix("; choose another port (or 0 for any free one)"))
    }
  }

  @Test("an address the socket layer cannot read is refused naming the option, with status 64")
  func unusableAddress() {
    do {
      _ = try MetricsServer(
        address: ListenAddress(host: "1.2.3", port: 0), board: MetricsBoard(), option: "--metrics-listen")
      Issue.record("1.2.3 was bound")
    } catch {
      #expect(error.message == "--metrics-listen 1.2.3:0 is not a usable address; give e.g. 127.0.0.1:9464")
      #expect(error.status == 64)
    }
  }

  @Test("connections over the cap displace the longest idle one; the server keeps answering")
  func connectionCap() throws {
    let (server, port) = try Self.serving(MetricsBoard("m 1\n"), limits: MetricsServer.Limits(connections: 2))
    defer { server.stop() }
    let idle = try SocketClient(port: port)
    // Answered once, so the server has accepted it before the next ones arrive.
    try idle.send("GET /metrics HTTP/1.1\r\n\r\n")
    _ = try idle.readResponse()
    var others: [SocketClient] = []
    for _ in 0..<2 {
      let client = try SocketClient(port: port)
      try client.send("GET /metrics HTTP/1.1\r\n\r\n")
      _ = try client.readResponse()
      others.append(client)
    }
    // The first, idle the longest, was closed to make room.
    #expect(try idle.readToEnd() == "")
    try others[1].send("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    #expect(try others[1].readToEnd().hasSuffix("m 1\n"))
  }
}
