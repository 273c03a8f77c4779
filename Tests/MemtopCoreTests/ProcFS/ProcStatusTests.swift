import MemtopSystem
import Testing

@testable import MemtopCore

@Suite("status parser on real captures")
struct ProcStatusTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var capture: String
    var name: String
    var rssKiB: UInt64?
    var anonKiB: UInt64?
    var fileKiB: UInt64?
    var shmemKiB: UInt64?
    var hwmKiB: UInt64?
    var testDescription: String { capture }
  }

  static let cases: [Case] = [
    Case(capture: "tiny", name: "sleep", rssKiB: 1684, anonKiB: 108, fileKiB: 1576, shmemKiB: 0, hwmKiB: 1684),
    Case(
      capture: "python100m", name: "python3", rssKiB: 131976, anonKiB: 125212, fileKiB: 6764, shmemKiB: 0,
      hwmKiB: 131976),
    Case(
      capture: "many-mappings", name: "python3", rssKiB: 26004, anonKiB: 7096, fileKiB: 6908, shmemKiB: 12000,
      hwmKiB: 26004),
    Case(capture: "kthread", name: "kthreadd", rssKiB: nil, anonKiB: nil, fileKiB: nil, shmemKiB: nil, hwmKiB: nil),
  ]

  @Test("reads name and memory lines in bytes", arguments: cases)
  func parsesCapture(_ c: Case) throws {
    let status = try ProcStatus.parse(Fixtures.text(c.capture, "status"))
    #expect(status.name == c.name)
    #expect(status.state == "S")
    #expect(status.vmRSS == c.rssKiB.map { $0 * 1024 })
    #expect(status.rssAnon == c.anonKiB.map { $0 * 1024 })
    #expect(status.rssFile == c.fileKiB.map { $0 * 1024 })
    #expect(status.rssShmem == c.shmemKiB.map { $0 * 1024 })
    #expect(status.vmHWM == c.hwmKiB.map { $0 * 1024 })
    #expect(status.hasMemory == (c.rssKiB != nil))
  }

  @Test("VmRSS is RssAnon + RssFile + RssShmem", arguments: ["tiny", "python100m", "many-mappings"])
  func rssIsSumOfParts(_ capture: String) throws {
    let s = try ProcStatus.parse(Fixtures.text(capture, "status"))
    #expect(s.vmRSS == (s.rssAnon ?? 0) + (s.rssFile ?? 0) + (s.rssShmem ?? 0))
  }

  @Test("a zombie is recognised")
  func zombie() throws {
    let text = try Fixtures.text("tiny", "status").replacingOccurrences(
      of: "State:\tS (sleeping)", with: "State:\tZ (zombie)")
    #expect(try ProcStatus.parse(text).isZombie)
  }

  @Test("truncation before any Name line is an error")
  func truncatedEmpty() {
    #expect(throws: ProcParseError.self) { try ProcStatus.parse("") }
    #expect(throws: ProcParseError.self) { try ProcStatus.parse("Na") }
  }

  @Test("truncation mid-file keeps what was read and leaves the rest absent")
  func truncatedMidway() throws {
    let full = try Fixtures.text("python100m", "status")
    let cut = String(full[..<full.range(of: "VmRSS")!.lowerBound])
    let status = try ProcStatus.parse(cut + "VmR")
    #expect(status.name == "python3")
    #expect(status.vmRSS == nil)
    #expect(status.vmHWM == 131976 * 1024)
  }

  @Test(
    "garbage and overflowing values are errors, not zeros",
    arguments: [
      "Name:\tx\nVmRSS:\t  12a4 kB\n",
      "Name:\tx\nVmRSS:\t 99999999999999999999 kB\n",
      "Name:\tx\nVmRSS:\t 18014398509481984 kB\n",  // fits UInt64 in KiB, overflows in bytes
      "Name:\tx\nRssAnon:\t kB\n",
    ])
  func malformedValue(_ text: String) {
    #expect(throws: ProcParseError.self) { try ProcStatus.parse(text) }
  }

  @Test("binary junk does not crash the parser")
  func junk() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      let bytes = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
      _ = try? ProcStatus.parse(String(decoding: bytes, as: UTF8.self))
    }
  }
}
