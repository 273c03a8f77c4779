import Foundation
import MemtopSystem
import Testing

@testable import MemtopCore

@Suite("statm and stat parsers")
struct ProcStatmStatTests {
  @Test("statm resident and anon agree with status", arguments: ["tiny", "python100m", "many-mappings"])
  func statmMatchesStatus(_ capture: String) throws {
    let statm = try ProcStatm.parse(Fixtures.text(capture, "statm"), pageSize: 4096)
    let status = try ProcStatus.parse(Fixtures.text(capture, "status"))
    #expect(statm.resident == status.vmRSS)
    #expect(statm.anon == status.rssAnon)
  }

  @Test("a kernel thread's statm is all zeros")
  func kthreadStatm() throws {
    let statm = try ProcStatm.parse(Fixtures.text("kthread", "statm"), pageSize: 4096)
    #expect(statm.resident == 0 && statm.size == 0)
  }

  @Test("malformed statm", arguments: ["", "1 2 3", "1 2 x 4 5 6 7", "1 99999999999999999999 3 4 5 6 7"])
  func malformedStatm(_ text: String) {
    #expect(throws: ProcParseError.self) { try ProcStatm.parse(text, pageSize: 4096) }
  }

  @Test(
    "stat gives pid, comm, ppid and start time",
    arguments: [
      ("tiny", Int32(4369), "sleep", Int32(4364)),
      ("python100m", 4371, "python3", 4364),
      ("kthread", 2, "kthreadd", 0),
    ])
  func statCapture(_ capture: String, _ pid: Int32, _ comm: String, _ ppid: Int32) throws {
    let stat = try ProcStat.parse(Fixtures.text(capture, "stat"))
    #expect(stat.pid == pid)
    #expect(stat.comm == comm)
    #expect(stat.ppid == ppid)
    #expect(stat.startTimeTicks > 0)
  }

  @Test("a name with spaces and parentheses is read up to the last ')'")
  func hostileComm() throws {
    let line = "77 (a) b (c)) R 1 77 77 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 123456 1000 50 18446744073709551615"
    let stat = try ProcStat.parse(line)
    #expect(stat.comm == "a) b (c)")
    #expect(stat.state == "R")
    #expect(stat.startTimeTicks == 123456)
    #expect(stat.rssPages == 50)
  }

  @Test(
    "malformed stat",
    arguments: ["", "12 no parens", "12 (x) S 1 2", "12 (x) S one 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0"])
  func malformedStat(_ text: String) {
    #expect(throws: ProcParseError.self) { try ProcStat.parse(text) }
  }
}

@Suite("read buffer")
struct ReadBufferTests {
  @Test(
    "a whole file comes back, larger than the buffer or not, with or without the short-read shortcut",
    arguments: [
      (100, true), (100, false), (8192, true), (20_000, true), (20_000, false),
    ])
  func wholeFile(_ size: Int, _ shortReadIsEnd: Bool) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-readbuffer-\(UUID().uuidString)")
      .path
    let text = String((0..<size).map { i in Character(UnicodeScalar(UInt8(65 + i % 26))) })
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fd = try Syscalls.openReadOnly(path)
    defer { Syscalls.close(fd) }
    let buffer = ReadBuffer()
    for _ in 0..<2 {  // re-read in place, as every tick does
      let bytes = try buffer.readWhole(fd, shortReadIsEnd: shortReadIsEnd)
      #expect(String(decoding: bytes, as: UTF8.self) == text)
    }
  }
}
