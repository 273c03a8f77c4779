import MemtopCore
import Testing

/// `memtop record`'s progress line on a terminal: drawn in place at most every 0.25 s, wiped
/// before other messages; nothing at all when standard error is not a terminal.
@Suite("record's status line")
struct StatusLineTests {
  @Test("redrawn in place at most every 0.25 s of recording, the text built only when shown")
  func enabled() {
    var line = StatusLine(enabled: true)
    var built = 0
    func show(_ elapsed: Double) -> String? {
      line.update(at: elapsed) {
        built += 1
        return "at \(elapsed)"
      }
    }
    #expect(show(0) == "\r\u{1B}[Kat 0.0")
    #expect(show(0.1) == nil)
    #expect(show(0.2) == nil)
    #expect(show(0.25) == "\r\u{1B}[Kat 0.25")
    #expect(show(0.3) == nil)
    #expect(built == 2)
    #expect(line.clear == "\r\u{1B}[K")
  }

  @Test("disabled (not a terminal, or the CSV goes to it): never writes")
  func disabled() {
    var line = StatusLine(enabled: false)
    var built = 0
    for t in 0..<10 {
      #expect(
        line.update(at: Double(t)) {
          built += 1
          return "x"
        } == nil)
    }
    #expect(built == 0)
    #expect(line.clear.isEmpty)
  }
}
