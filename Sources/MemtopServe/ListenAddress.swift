import MemtopCore
import MemtopFormat

/// Where a metrics endpoint serves: a numeric IPv4 or IPv6 address and a TCP port.
public struct ListenAddress: Equatable, Sendable {
  /// A numeric address: `127.0.0.1`, `::1`, `0.0.0.0`.
  public var host: String
  /// The port; 0 lets the kernel choose a free one (``MetricsServer/boundAddress`` says which).
  public var port: UInt16

  /// Whether the host is an IPv6 address.
  public var isIPv6: Bool { host.contains(":") }

  /// Whether only this machine can connect: 127.0.0.0/8 or ::1.
  public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }

  /// `127.0.0.1:9464`, `[::1]:9464`.
  public var text: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// An address from its parts (not checked: ``MetricsServer`` refuses what it cannot bind).
  public init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  /// Parses `PORT` (loopback), `HOST:PORT` or `[IPV6]:PORT`; `localhost` means 127.0.0.1.
  ///
  /// - Parameter option: the flag the text came from (such as `--metrics-listen`), named in the
  ///   error, whose status is 64 (usage).
  public init(parsing raw: String, option: String) throws(MemtopError) {
    let bad = MemtopError(
      message:
        "\(option) '\(Sanitizer.terminalSafe(raw, maxLength: 60))' is not an address; give a port (9464, served on 127.0.0.1) or HOST:PORT such as 127.0.0.1:9464 or [::1]:9464",
      status: 64)
    var hostPart = "127.0.0.1"
    var portPart = Substring(raw)
    if raw.hasPrefix("["), let close = raw.firstIndex(of: "]") {
      hostPart = String(raw[raw.index(after: raw.startIndex)..<close])
      let rest = raw[raw.index(after: close)...]
      guard rest.hasPrefix(":") else { throw bad }
      portPart = rest.dropFirst()
    } else if let colon = raw.lastIndex(of: ":") {
      hostPart = String(raw[..<colon])
      portPart = raw[raw.index(after: colon)...]
      if hostPart.contains(":") { throw bad }  // IPv6 needs brackets
    }
    if hostPart == "localhost" { hostPart = "127.0.0.1" }
    guard let port = UInt16(portPart), !hostPart.isEmpty, Self.isNumeric(hostPart) else { throw bad }
    host = hostPart
    self.port = port
  }

  /// A dotted IPv4 address or a hex-and-colons IPv6 address (the socket layer checks further).
  private static func isNumeric(_ host: String) -> Bool {
    if host.contains(":") { return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
  }
}
