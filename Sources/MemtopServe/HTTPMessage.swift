import MemtopExport

/// The head of an HTTP/1.x request (request line and headers), parsed just enough to answer
/// `GET /metrics`: bodies are not accepted.
struct HTTPRequestHead: Equatable {
  var method = ""
  var path = ""
  var version = ""
  /// Header names in lower case, values trimmed.
  var headers: [(name: String, value: String)] = []
  /// False when the request line or a header is malformed.
  var isWellFormed = false

  static func == (a: Self, b: Self) -> Bool {
    a.method == b.method && a.path == b.path && a.version == b.version && a.isWellFormed == b.isWellFormed
      && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
  }

  /// The index just past the blank line that ends the head (CRLF CRLF, or LF LF), if present.
  static func end(in bytes: [UInt8]) -> Int? {
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "\n") {
        if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") { return index + 2 }
        if index + 2 < bytes.count && bytes[index + 1] == UInt8(ascii: "\r") && bytes[index + 2] == UInt8(ascii: "\n") {
          return index + 3
        }
      }
      index += 1
    }
    return nil
  }

  /// Parses a head (as cut by ``end(in:)``); anything unexpected leaves `isWellFormed` false.
  init(_ bytes: [UInt8]) {
    // Split on LF bytes (in Swift text, CR LF is one character), then drop each line's CR.
    var lines: [Substring] = []
    for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
      guard let text = String(validating: line, as: UTF8.self) else { return }
      lines.append(Substring(text))
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    guard let first = lines.first else { return }
    let parts = first.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*", parts[2].hasPrefix("HTTP/1.")
    else { return }
    method = String(parts[0])
    let target = parts[1]
    path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? target)
    version = String(parts[2])
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { return }
      let name = line[..<colon]
      guard !name.contains(" "), !name.contains("\t") else { return }
      let value = Self.trimmed(line[line.index(after: colon)...])
      headers.append((name.lowercased(), value))
    }
    isWellFormed = true
  }

  /// `text` without the spaces and tabs around it.
  private static func trimmed(_ text: Substring) -> String {
    var value = text
    while value.first == " " || value.first == "\t" { value.removeFirst() }
    while value.last == " " || value.last == "\t" { value.removeLast() }
    return String(value)
  }

  /// The value of the first header named `name` (lower case).
  func header(_ name: String) -> String? {
    headers.first { $0.name == name }?.value
  }

  /// Whether the client keeps the connection open after the answer (HTTP/1.1 unless it says
  /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
  var keepsAlive: Bool {
    let connection = header("connection")?.lowercased() ?? ""
    return version == "HTTP/1.0" ? connection == "keep-alive" : connection != "close"
  }
}

/// An answer of the metrics endpoint, as bytes on the wire.
struct HTTPResponse {
  var status: Int
  var reason: String
  var contentType = "text/plain; charset=utf-8"
  var body: String
  var headOnly = false
  var close: Bool
  var extraHeaders: [String] = []

  var bytes: [UInt8] {
    var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
    for header in extraHeaders { head += header + "\r\n" }
    head += "Connection: \(close ? "close" : "keep-alive")\r\n\r\n"
    return Array(head.utf8) + (headOnly ? [] : Array(body.utf8))
  }

  /// 431: the request line and headers exceed `limit` bytes.
  static func tooLarge(limit: Int) -> HTTPResponse {
    HTTPResponse(
      status: 431, reason: "Request Header Fields Too Large", body: "request line and headers exceed \(limit) bytes\n",
      close: true)
  }

  /// The answer to `head`: the metrics for `GET /metrics` (and `HEAD`), else an error.
  static func answer(to head: HTTPRequestHead, metrics: @autoclosure () -> String) -> HTTPResponse {
    guard head.isWellFormed else {
      return HTTPResponse(status: 400, reason: "Bad Request", body: "malformed request\n", close: true)
    }
    let close = !head.keepsAlive
    if let length = head.header("content-length"), length != "0" {
      return HTTPResponse(status: 400, reason: "Bad Request", body: "request bodies are not accepted\n", close: true)
    }
    if head.header("transfer-encoding") != nil {
      return HTTPResponse(status: 400, reason: "Bad Request", body: "request bodies are not accepted\n", close: true)
    }
    guard head.method == "GET" || head.method == "HEAD" else {
      return HTTPResponse(
        status: 405, reason: "Method Not Allowed", body: "only GET /metrics is served\n", close: close,
        extraHeaders: ["Allow: GET, HEAD"])
    }
    guard head.path == "/metrics" else {
      return HTTPResponse(
        status: 404, reason: "Not Found", body: "memtop serves /metrics only\n", headOnly: head.method == "HEAD",
        close: close)
    }
    return HTTPResponse(
      status: 200, reason: "OK", contentType: PrometheusExposition.contentType, body: metrics(),
      headOnly: head.method == "HEAD", close: close)
  }
}
