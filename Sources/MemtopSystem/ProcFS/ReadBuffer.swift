/// A growable byte buffer reused across reads so a tick allocates nothing.
package final class ReadBuffer {
  private(set) var storage: UnsafeMutableRawBufferPointer

  package init(capacity: Int = 8192) {
    storage = .allocate(byteCount: capacity, alignment: 16)
  }

  deinit { storage.deallocate() }

  /// Reads the whole of `fd` from offset 0 with `pread`, growing as needed.
  ///
  /// `/proc` files are generated on each read, so re-reading a kept-open descriptor at offset 0
  /// returns fresh data without the cost of `open`/`close`.
  ///
  /// - Parameter shortReadIsEnd: for files the kernel generates as one record (`status`,
  ///   `statm`, `stat`: `single_open` files), a read that does not fill the buffer has returned
  ///   everything, so the usual extra read to see end-of-file — which regenerates the whole
  ///   text and nearly doubles the cost — is skipped. Multi-record files (`smaps`) may return
  ///   short reads before their end and must pass false.
  package func readWhole(_ fd: Int32, shortReadIsEnd: Bool = false) throws(SystemError) -> UnsafeBufferPointer<UInt8> {
    var length = 0
    while true {
      if length == storage.count { grow() }
      guard let base = storage.baseAddress else { break }
      let room = storage.count - length
      let n = try Syscalls.pread(fd, base + length, count: room, offset: length)
      length += n
      if n == 0 || (shortReadIsEnd && n < room) { break }
    }
    return UnsafeBufferPointer(start: storage.baseAddress?.assumingMemoryBound(to: UInt8.self), count: length)
  }

  private func grow() {
    let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
    bigger.copyMemory(from: UnsafeRawBufferPointer(storage))
    storage.deallocate()
    storage = bigger
  }
}
