import Foundation
import MemtopSampling
import MemtopSystem
import Testing

@testable import MemtopCore

#if canImport(Glibc)
import Glibc
#endif

/// The heap read with `PROCMAP_QUERY` + `PAGEMAP_SCAN` must equal the one summed from `smaps`.
@Suite("heap from the address-space ioctls on real processes", .serialized)
struct HeapIoctlTests {
  /// Whether the running kernel is 6.11 or newer (both ioctls present).
  static let kernelHasIoctls: Bool = {
    var name = utsname()
    guard uname(&name) == 0 else { return false }
    let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard parts.count == 2 else { return false }
    return (parts[0], parts[1]) >= (6, 11)
  }()

  @Test("the probe picks the ioctls exactly when the kernel has them")
  func probe() throws {
    let handle = try ProcessHandle(pid: getpid())
    #expect(handle.heapSource == (Self.kernelHasIoctls ? .ioctl : .smaps))
  }

  @Test(
    "ioctl heap equals smaps heap on a Python child",
    arguments: [
      "x = 1",
      "buf = bytearray(b'\\x01') * (200 * 1024 * 1024)",
      "objs = [str(i) * 20 for i in range(300000)]",
      "import mmap; m = mmap.mmap(-1, 8 << 20); m.write(b'y' * (8 << 20))",  // shared anon: not heap
    ])
  func agreesWithSmaps(_ statement: String) throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run(statement)
    let handle = try ProcessHandle(pid: child.pid)
    try #require(handle.heapSource == .ioctl, "this kernel lacks PROCMAP_QUERY/PAGEMAP_SCAN")
    // The child is blocked reading its next statement: its memory holds still between reads.
    let byIoctl = try handle.readHeap()
    let bySmaps = try handle.readSmaps()
    #expect(byIoctl.heap == bySmaps.heap)
    #expect(byIoctl.brkHeap == bySmaps.brkHeap)
    #expect(byIoctl.heap > 1 << 20)
  }

  @Test("the sampler reports ioctl heap and smaps_rollup PSS, and follows growth")
  func samplerUsesIoctls() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("x = 1")
    let handle = try ProcessHandle(pid: child.pid)
    try #require(handle.heapSource == .ioctl, "this kernel lacks PROCMAP_QUERY/PAGEMAP_SCAN")
    let sampler = Sampler(
      handle: handle, clock: SystemClock(), detailBudget: 1, startMonotonic: Syscalls.monotonicSeconds())
    #expect(sampler.heapSource == .ioctl)
    guard case .sample(let before) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    try child.run("buf = bytearray(b'\\x01') * (100 * 1024 * 1024)")
    guard case .sample(let after) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    let size = 100.0 * 1024 * 1024
    let grew = Double(after.heap ?? 0) - Double(before.heap ?? 0)
    #expect(abs(grew - size) / size < 0.05, "heap grew by \(grew) bytes")
    #expect(after.heap == (try handle.readSmaps()).heap)
    // The next tick has the rollup's turn.
    guard case .sample(let third) = sampler.sample() else { throw CocoaError(.fileReadUnknown) }
    #expect(third.pss != nil && third.uss != nil)
    #expect(sampler.heapCadence.source == "PROCMAP_QUERY+PAGEMAP_SCAN")
    #expect(sampler.rollupCadence.source == "smaps_rollup")
    #expect(sampler.takeWarnings().isEmpty)
  }

  @Test("the ioctl heap follows the process across exec")
  func acrossExec() throws {
    let child = try PythonChild()
    defer { child.stop() }
    try child.run("x = 1")
    let handle = try ProcessHandle(pid: child.pid)
    try #require(handle.heapSource == .ioctl, "this kernel lacks PROCMAP_QUERY/PAGEMAP_SCAN")
    _ = try handle.readHeap()
    // Replace the image with a fresh Python that allocates 64 MiB and waits.
    let script = "import sys; b = bytearray(b'z') * (64 << 20); print('ok', flush=True); sys.stdin.readline()"
    // The old image never answers; the new one says "ok" once it has allocated.
    try child.run("import os; os.execvp('python3', ['python3', '-c', \(repr(script))])")
    let after = try handle.readHeap()
    #expect(after.heap > 60 << 20)
    #expect(after.heap == (try handle.readSmaps()).heap)
  }

  private func repr(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'" }
}
