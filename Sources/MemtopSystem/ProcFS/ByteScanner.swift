#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Splits `/proc` text into lines and numbers without building intermediate strings.
///
/// The `/proc` parsers run every tick, so they work on raw UTF-8 bytes; only names and
/// paths become `String`s.
struct ByteScanner {
  let bytes: UnsafeBufferPointer<UInt8>

  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  /// Calls `body` with each line (without its newline); stops early when `body` returns false.
  ///
  /// Lines are found with `memchr`, which scans many bytes per instruction: the parsers run
  /// every tick, and `smaps` can be megabytes long.
  func forEachLine(_ body: (Slice<UnsafeBufferPointer<UInt8>>) throws -> Bool) rethrows {
    guard let base = bytes.baseAddress else { return }
    var start = 0
    let count = bytes.count
    while start < count {
      let end: Int
      if let newline = memchr(base + start, 0x0A, count - start) {
        end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
      } else {
        end = count
      }
      if try !body(bytes[start..<end]) { return }
      start = end + 1
    }
  }

  static func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
  }

  /// Parses an unsigned decimal, rejecting empty text, non-digits and overflow.
  static func parseUInt(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
    guard !text.isEmpty else { return nil }
    var value: UInt64 = 0
    for byte in text {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
      if o1 || o2 { return nil }
      value = sum
    }
    return value
  }

  /// Parses a signed decimal (a leading `-` allowed).
  static func parseInt(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
    if let first = text.first, first == UInt8(ascii: "-") {
      guard let magnitude = parseUInt(text.dropFirst()), magnitude <= UInt64(Int64.max) else { return nil }
      return -Int64(magnitude)
    }
    guard let magnitude = parseUInt(text), magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
  }

  /// Splits on runs of spaces and tabs.
  static func fields(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> [Slice<UnsafeBufferPointer<UInt8>>] {
    var result: [Slice<UnsafeBufferPointer<UInt8>>] = []
    var index = line.startIndex
    while index < line.endIndex {
      while index < line.endIndex && isSpace(line[index]) { index += 1 }
      let start = index
      while index < line.endIndex && !isSpace(line[index]) { index += 1 }
      if start < index { result.append(line[start..<index]) }
    }
    return result
  }

  /// Splits a `Key:   value kB` line into the key (without colon) and the text after it, trimmed.
  static func keyValue(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> (
    key: Slice<UnsafeBufferPointer<UInt8>>, value: Slice<UnsafeBufferPointer<UInt8>>
  )? {
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
    var start = colon + 1
    var end = line.endIndex
    while start < end && isSpace(line[start]) { start += 1 }
    while end > start && isSpace(line[end - 1]) { end -= 1 }
    return (line[line.startIndex..<colon], line[start..<end])
  }

  /// Parses `N kB` (or a bare `N`) into bytes; nil when malformed or overflowing.
  static func parseKiB(_ value: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
    var end = value.endIndex
    if value.count >= 2, value[end - 2] == UInt8(ascii: "k"), value[end - 1] == UInt8(ascii: "B") {
      end -= 2
      while end > value.startIndex && isSpace(value[end - 1]) { end -= 1 }
    }
    guard let kib = parseUInt(value[value.startIndex..<end]) else { return nil }
    let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
    return overflow ? nil : bytes
  }

  static func equals(_ text: Slice<UnsafeBufferPointer<UInt8>>, _ literal: StaticString) -> Bool {
    guard text.count == literal.utf8CodeUnitCount else { return false }
    return literal.withUTF8Buffer { lit in
      var i = text.startIndex
      for byte in lit {
        if text[i] != byte { return false }
        i += 1
      }
      return true
    }
  }

  static func string(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: text), as: UTF8.self)
  }
}

extension String {
  /// Runs `body` over this string's UTF-8 bytes without copying when possible.
  package func withUTF8Bytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
    var copy = self
    let result: Result<R, E> = copy.withUTF8 { bytes in
      do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
  }
}
