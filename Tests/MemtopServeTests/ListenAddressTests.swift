import MemtopCore
import MemtopServe
import Testing

/// `--metrics-listen` values: what is an address, and how a wrong one is answered.
@Suite("listen address parsing")
struct ListenAddressTests {
  @Test(
    "a port, HOST:PORT or [IPV6]:PORT",
    arguments: [
      ("9464", "127.0.0.1", 9464, "127.0.0.1:9464"),
      ("0", "127.0.0.1", 0, "127.0.0.1:0"),
      ("127.0.0.1:9464", "127.0.0.1", 9464, "127.0.0.1:9464"),
      ("localhost:80", "127.0.0.1", 80, "127.0.0.1:80"),
      ("0.0.0.0:65535", "0.0.0.0", 65535, "0.0.0.0:65535"),
      ("[::1]:9464", "::1", 9464, "[::1]:9464"),
      ("[::]:1", "::", 1, "[::]:1"),
      ("[::ffff:127.0.0.1]:9", "::ffff:127.0.0.1", 9, "[::ffff:127.0.0.1]:9"),
    ])
  func parses(_ raw: String, host: String, port: UInt16, text: String) throws {
    let address = try ListenAddress(parsing: raw, option: "--metrics-listen")
    #expect(address.host == host && address.port == port)
    #expect(address.text == text)
  }

  @Test(
    "what is not an address",
    arguments: [
      "", ":", "65536", "-1", "9464x", "host:9464", "example.com:80", "1.2.3:80", "1.2.3.4.5:80", "256.0.0.1:80",
      "::1:9464", "[::1]9464", "[::1]", "[]:80", "[g::1]:80", "127.0.0.1:", ":9464", "127.0.0.1: 80",
    ])
  func refuses(_ raw: String) {
    #expect(throws: MemtopError.self) { try ListenAddress(parsing: raw, option: "--metrics-listen") }
  }

  @Test("the refusal names the option and the value, and how to write one; its status is 64")
  func refusalText() {
    do {
      _ = try ListenAddress(parsing: "nine", option: "--listen")
      Issue.record("'nine' was taken for an address")
    } catch {
      #expect(
        error.message
          == "--listen 'nine' is not an address; give a port (9464, served on 127.0.0.1) or HOST:PORT such as 127.0.0.1:9464 or [::1]:9464"
      )
      #expect(error.status == 64)
    }
  }

  @Test("a control character in the value is shown escaped, never sent to the terminal")
  func escaped() {
    do {
      _ = try ListenAddress(parsing: "\u{1B}[2J:80", option: "--metrics-listen")
      Issue.record("an escape sequence was taken for an address")
    } catch {
      #expect(!error.message.contains("\u{1B}"))
    }
  }

  @Test(
    "loopback is 127.0.0.0/8 and ::1 only",
    arguments: [
      ("127.0.0.1:1", true), ("127.3.2.1:1", true), ("[::1]:1", true), ("0.0.0.0:1", false), ("[::]:1", false),
      ("10.0.0.1:1", false),
    ])
  func loopback(_ raw: String, isLoopback: Bool) throws {
    #expect(try ListenAddress(parsing: raw, option: "--metrics-listen").isLoopback == isLoopback)
  }
}
