import Testing

@testable import MemtopServe

/// The request head as the endpoint parses it, and the answer it gives: every client byte is
/// untrusted, so the odd cases are the point.
@Suite("HTTP request parsing and answers")
struct HTTPRequestTests {
  static func head(_ text: String) -> HTTPRequestHead {
    HTTPRequestHead(Array(text.utf8))
  }

  static func answer(_ text: String, metrics: String = "m 1\n") -> HTTPResponse {
    HTTPResponse.answer(to: head(text), metrics: metrics)
  }

  @Test(
    "the head ends at the first blank line, CRLF or LF",
    arguments: [
      ("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest", 27),
      ("GET / HTTP/1.1\nHost: x\n\nrest", 24),
      ("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 18),
    ])
  func headEnd(_ text: String, end: Int) {
    #expect(HTTPRequestHead.end(in: Array(text.utf8)) == end)
  }

  @Test(
    "a head that has not ended yet has no end",
    arguments: ["", "GET /metrics HTTP/1.1", "GET /metrics HTTP/1.1\r\nHost: x\r\n", "GET /metrics HTTP/1.1\r\n\r"])
  func headNotEnded(_ text: String) {
    #expect(HTTPRequestHead.end(in: Array(text.utf8)) == nil)
  }

  @Test("a well-formed request: method, path without its query, version, headers in lower case, values trimmed")
  func wellFormed() {
    let head = Self.head("GET /metrics?name[]=x HTTP/1.1\r\nHost: example\r\nX-Odd:\t  spaced \t\r\n\r\n")
    #expect(head.isWellFormed)
    #expect(head.method == "GET" && head.path == "/metrics" && head.version == "HTTP/1.1")
    #expect(head.header("host") == "example")
    #expect(head.header("x-odd") == "spaced")
    #expect(head.header("Host") == nil)
  }

  @Test(
    "malformed heads are refused with 400 and the connection closed",
    arguments: [
      "GET  /metrics HTTP/1.1\r\n\r\n",  // two spaces
      "GET /metrics\r\n\r\n",  // HTTP/0.9 style
      "GET metrics HTTP/1.1\r\n\r\n",  // not a path
      "GET http://host/metrics HTTP/1.1\r\n\r\n",  // absolute form
      "GET /metrics HTTP/2.0\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
      "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
      " /metrics HTTP/1.1\r\n\r\n",  // no method
      "\r\n\r\n",
    ])
  func malformed(_ text: String) {
    #expect(!Self.head(text).isWellFormed)
    let response = Self.answer(text)
    #expect(response.status == 400 && response.close)
  }

  @Test("bytes that are not UTF-8 make the head malformed")
  func notUTF8() {
    let bytes = Array("GET /".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\n\r\n".utf8)
    #expect(!HTTPRequestHead(bytes).isWellFormed)
  }

  @Test(
    "only /metrics is served: other paths are 404, the query is ignored",
    arguments: [
      ("GET /metrics HTTP/1.1\r\n\r\n", 200),
      ("GET /metrics?debug=1 HTTP/1.1\r\n\r\n", 200),
      ("GET /metrics/ HTTP/1.1\r\n\r\n", 404),
      ("GET //metrics HTTP/1.1\r\n\r\n", 404),
      ("GET /Metrics HTTP/1.1\r\n\r\n", 404),
      ("GET /metrics%00 HTTP/1.1\r\n\r\n", 404),
      ("GET /../metrics HTTP/1.1\r\n\r\n", 404),
      ("GET * HTTP/1.1\r\n\r\n", 404),
      ("GET / HTTP/1.1\r\n\r\n", 404),
    ])
  func paths(_ text: String, status: Int) {
    #expect(Self.answer(text).status == status)
  }

  @Test(
    "whether the connection stays open: HTTP/1.1 unless close, HTTP/1.0 only with keep-alive",
    arguments: [
      ("GET /metrics HTTP/1.1\r\n\r\n", true),
      ("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", false),
      ("GET /metrics HTTP/1.1\r\nConnection: Close\r\n\r\n", false),
      ("GET /metrics HTTP/1.0\r\n\r\n", false),
      ("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
      ("GET /metrics HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", true),
      ("GET /metrics HTTP/1.0\r\nConnection: close\r\n\r\n", false),
    ])
  func keepAlive(_ text: String, keeps: Bool) {
    #expect(Self.head(text).keepsAlive == keeps)
    let response = Self.answer(text)
    #expect(response.close == !keeps)
    let wire = String(decoding: response.bytes, as: UTF8.self)
    #expect(wire.contains(keeps ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n"))
  }

  @Test(
    "a request with a body is refused and the connection closed",
    arguments: [
      "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
      "POST /metrics HTTP/1.1\r\nContent-Length: 12\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ])
  func bodies(_ text: String) {
    let response = Self.answer(text)
    #expect(response.status == 400 && response.close)
    #expect(response.body == "request bodies are not accepted\n")
  }

  @Test("Content-Length: 0 is no body")
  func emptyBody() {
    #expect(Self.answer("GET /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 200)
  }

  @Test("other methods are 405 with an Allow header")
  func methods() {
    let response = Self.answer("DELETE /metrics HTTP/1.1\r\n\r\n")
    #expect(response.status == 405 && !response.close)
    #expect(String(decoding: response.bytes, as: UTF8.self).contains("\r\nAllow: GET, HEAD\r\n"))
  }

  @Test("GET answers with the metrics and their length; HEAD with the same head and no body")
  func getAndHead() {
    let metrics = "memtop_rss_bytes{pid=\"1\"} 4096\n"
    let get = String(decoding: Self.answer("GET /metrics HTTP/1.1\r\n\r\n", metrics: metrics).bytes, as: UTF8.self)
    #expect(get.hasPrefix("HTTP/1.1 200 OK\r\n"))
    #expect(get.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
    #expect(get.contains("\r\nContent-Length: \(metrics.utf8.count)\r\n"))
    #expect(get.hasSuffix("\r\n\r\n" + metrics))
    let head = String(decoding: Self.answer("HEAD /metrics HTTP/1.1\r\n\r\n", metrics: metrics).bytes, as: UTF8.self)
    #expect(head.contains("\r\nContent-Length: \(metrics.utf8.count)\r\n"))
    #expect(head.hasSuffix("\r\n\r\n"))
  }

  @Test("the metrics are not read for a request that does not get them")
  func metricsOnlyWhenServed() {
    var read = 0
    func metrics() -> String {
      read += 1
      return ""
    }
    _ = HTTPResponse.answer(to: Self.head("GET /other HTTP/1.1\r\n\r\n"), metrics: metrics())
    #expect(read == 0)
    _ = HTTPResponse.answer(to: Self.head("GET /metrics HTTP/1.1\r\n\r\n"), metrics: metrics())
    #expect(read == 1)
  }

  @Test("an oversized head is 431, naming the limit, and closes the connection")
  func tooLarge() {
    let response = HTTPResponse.tooLarge(limit: 8192)
    #expect(response.status == 431 && response.close)
    #expect(response.body == "request line and headers exceed 8192 bytes\n")
  }
}
