import Testing

@testable import MemtopCore

@Suite("smaps and smaps_rollup parsers")
struct SmapsTests {
  @Test("rollup totals from a real capture")
  func rollupPython() throws {
    let r = try MemoryRollup.parse(Fixtures.text("python100m", "smaps_rollup"))
    #expect(r.rss == 131976 * 1024)
    #expect(r.pss == 128111 * 1024)
    #expect(r.uss == (160 + 125212) * 1024)
    #expect(r.anonymous == 125212 * 1024)
    #expect(r.swap == 0 && r.swapPss == 0)
  }

  @Test("summing smaps gives the rollup's totals", arguments: ["tiny", "python100m", "many-mappings"])
  func smapsSumsToRollup(_ capture: String) throws {
    let summary = try SmapsSummary.parse(Fixtures.text(capture, "smaps"))
    let rollup = try MemoryRollup.parse(Fixtures.text(capture, "smaps_rollup"))
    #expect(summary.totals.rss == rollup.rss)
    #expect(summary.totals.anonymous == rollup.anonymous)
    #expect(summary.totals.uss == rollup.uss)
    // Pss is rounded per mapping in smaps and once in smaps_rollup: allow 1 KiB per mapping.
    let slack = UInt64(summary.mappings) * 1024
    #expect(summary.totals.pss + slack >= rollup.pss && summary.totals.pss <= rollup.pss + slack)
  }

  // Expected heap figures were computed independently with a short Python script over the
  // same files ([heap] Rss, plus Rss of private mappings with no path or an [anon:] name).
  @Test(
    "heap and brk heap",
    arguments: [
      ("tiny", UInt64(49152), UInt64(16384), 37),
      ("python100m", 126_644_224, 1_818_624, 108),
      ("many-mappings", 5_656_576, 1_634_304, 3119),
    ])
  func heap(_ capture: String, _ heap: UInt64, _ brk: UInt64, _ mappings: Int) throws {
    let summary = try SmapsSummary.parse(Fixtures.text(capture, "smaps"))
    #expect(summary.heap == heap)
    #expect(summary.brkHeap == brk)
    #expect(summary.mappings == mappings)
  }

  @Test("heap covers the Python process's anonymous memory, brk alone badly under-reports it")
  func heapVersusBrk() throws {
    let summary = try SmapsSummary.parse(Fixtures.text("python100m", "smaps"))
    #expect(summary.heap > 100 * 1024 * 1024)
    #expect(summary.brkHeap < 4 * 1024 * 1024)
  }

  @Test("a kernel thread's empty files")
  func kthread() throws {
    let summary = try SmapsSummary.parse(Fixtures.text("kthread", "smaps"))
    #expect(summary.mappings == 0 && summary.heap == 0)
    #expect(throws: ProcParseError.self) { try MemoryRollup.parse(Fixtures.text("kthread", "smaps_rollup")) }
  }

  @Test("stack, vdso and shared anonymous mappings are not heap")
  func classification() throws {
    let text = """
      7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
      Rss:                1024 kB
      7f0000100000-7f0000200000 rw-p 00000000 00:00 0                          [anon:arena]
      Rss:                 512 kB
      7f0000200000-7f0000300000 rw-s 00000000 00:01 77                         /dev/zero (deleted)
      Rss:                2048 kB
      7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
      Rss:                 132 kB
      7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]
      Rss:                   8 kB
      5600000000-5600100000 rw-p 00000000 00:00 0                              [heap]
      Rss:                 256 kB
      """
    let summary = try SmapsSummary.parse(text)
    #expect(summary.heap == (1024 + 512 + 256) * 1024)
    #expect(summary.brkHeap == 256 * 1024)
    #expect(summary.totals.rss == (1024 + 512 + 2048 + 132 + 8 + 256) * 1024)
  }

  @Test("truncated smaps keeps the complete mappings", arguments: [0.25, 0.5, 0.9])
  func truncated(_ fraction: Double) throws {
    let full = try Fixtures.text("python100m", "smaps")
    let cut = String(full.utf8.prefix(Int(Double(full.utf8.count) * fraction)))!
    // A cut can land mid-line; the parser either reads what it can or reports the bad line.
    do {
      let summary = try SmapsSummary.parse(cut)
      #expect(summary.mappings > 0)
    } catch {
      #expect(error.description.contains("smaps"))
    }
  }

  @Test(
    "malformed smaps lines are errors",
    arguments: [
      "Rss: 4 kB\n",
      "7f00-7f01 rw-p 0 00:00 0\nRss: lots kB\n",
      "7f00-7f01 rw-p 0 00:00 0\nthis is not a field\n",
    ])
  func malformed(_ text: String) {
    #expect(throws: ProcParseError.self) { try SmapsSummary.parse(text) }
  }
}
