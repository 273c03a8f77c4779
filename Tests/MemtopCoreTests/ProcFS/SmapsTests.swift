import Testing

@testable import MemtopCore
@testable import MemtopSystem

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

/// Memory by kind from `smaps` text: each rule of `RegionClassifier` on a mapping made for it.
@Suite("memory by kind from smaps")
struct SmapsRegionTests {
  /// One smaps entry: the header line and its `Rss`.
  static func entry(_ range: String, _ perms: String, _ rssKiB: UInt64, _ path: String = "") -> String {
    let inode = path.hasPrefix("/") ? "1234" : "0"
    return """
      \(range) \(perms) 00000000 00:00 \(inode)\(path.isEmpty ? "" : "                          \(path)")
      Size:               4 kB
      Rss:             \(rssKiB) kB
      Pss:             \(rssKiB) kB
      VmFlags: rd wr mr mw me ac

      """
  }

  static let text = [
    entry("55d0c0a00000-55d0c0a21000", "r--p", 100, "/usr/bin/prog"),
    entry("55d0c0a21000-55d0c0a42000", "r-xp", 28, "/usr/bin/prog"),
    entry("55d0c1000000-55d0c1100000", "rw-p", 512, "[heap]"),
    // An arena: rw-p on a 64 MiB boundary, ---p to the next one.
    entry("7fa4e4000000-7fa4e430e000", "rw-p", 3000),
    entry("7fa4e430e000-7fa4e8000000", "---p", 0),
    // An arena merged with 1 MiB of anonymous memory below its boundary (counted whole as the
    // arena here), its reservation merged with the guard page of the thread stack above it.
    entry("7fa4e7f00000-7fa4e8100000", "rw-p", 2000),
    entry("7fa4e8100000-7fa4ec001000", "---p", 0),
    entry("7fa4ec001000-7fa4ec801000", "rw-p", 40),
    // An arena that filled all 64 MiB.
    entry("7fa4f0000000-7fa4f4000000", "rw-p", 65536),
    // A guard page and a thread stack.
    entry("7fa4f4fff000-7fa4f5000000", "---p", 0),
    entry("7fa4f5000000-7fa4f5800000", "rw-p", 32),
    // Merged anonymous memory: large, but neither on a boundary nor above a guard.
    entry("7fa4f6000000-7fa4f8300000", "rw-p", 20000),
    entry("7fa4f8300000-7fa4f8400000", "rw-p", 7, "[anon:glibc: malloc]"),
    entry("7fa4f9000000-7fa4f9800000", "rw-s", 8192, "/memfd:pool (deleted)"),
    entry("7fa4f9800000-7fa4f9c00000", "rw-s", 4096, "/dev/shm/segment"),
    entry("7fa4f9c00000-7fa4f9d00000", "rw-s", 1024, "/SYSV0000162e (deleted)"),
    entry("7fa4f9d00000-7fa4f9e00000", "rw-s", 256, "/dev/zero (deleted)"),
    entry("7fa4f9e00000-7fa4f9f00000", "rw-s", 64),
    entry("7fa4fa000000-7fa4fa400000", "r--p", 2048, "/data/big.bin"),
    entry("7fa4fb000000-7fa4fb028000", "r--p", 160, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    entry("7fa4fb028000-7fa4fb1bd000", "r-xp", 1100, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    entry("7ffd2b5fe000-7ffd2b61f000", "rw-p", 20, "[stack]"),
    entry("7ffd2b7d8000-7ffd2b7dc000", "r--p", 0, "[vvar]"),
    entry("7ffd2b7dc000-7ffd2b7de000", "r-xp", 8, "[vdso]"),
  ].joined()

  @Test("each rule puts its mapping in its kind, and the kinds add up to Rss")
  func rules() throws {
    let summary = try SmapsSummary.parse(Self.text)
    let bytes = summary.regions.bytes
    let kib: UInt64 = 1024
    #expect(bytes.brkHeap == 512 * kib)
    #expect(bytes.mallocArenas == (3000 + 2000 + 65536) * kib)
    #expect(bytes.threadStacks == (40 + 32 + 20) * kib)
    #expect(bytes.otherAnon == (20000 + 7) * kib)
    #expect(bytes.shmem == (8192 + 4096 + 1024 + 256 + 64) * kib)
    #expect(bytes.file == (100 + 28 + 2048 + 160 + 1100 + 8) * kib)
    #expect(bytes.total == summary.totals.rss)
    #expect(summary.regions.arenas == 3)
    #expect(summary.regions.threadStacks == 3)
    #expect(summary.regions.mappings == summary.mappings)
    // heap keeps its definition: [heap] plus private anonymous mappings, stacks above guards included.
    #expect(summary.heap == (512 + 3000 + 2000 + 40 + 65536 + 32 + 20000 + 7) * kib)
  }

  @Test("the largest files, shared segments and named mappings are kept with their names")
  func names() throws {
    let regions = try SmapsSummary.parse(Self.text).regions
    #expect(
      regions.topFiles.map(\.text).prefix(3) == [
        "/data/big.bin", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/prog",
      ])
    #expect(regions.topFiles.first { $0.text.hasSuffix("libc.so.6") }?.bytes == 1260 * 1024)
    #expect(regions.topFiles.first { $0.text == "/usr/bin/prog" }?.bytes == 128 * 1024)
    #expect(regions.topFiles.count <= RegionReading.topCount)
    #expect(!regions.topFiles.contains { $0.text.hasPrefix("[") })
    #expect(
      regions.topShared.map(\.text) == [
        "/memfd:pool (deleted)", "/dev/shm/segment", "/SYSV0000162e (deleted)", "/dev/zero (deleted)",
      ])
    #expect(regions.topNamedAnon == [NamedResidency(name: Array("glibc: malloc".utf8), bytes: 7 * 1024)])
  }

  @Test("the walk splits an arena merged with memory below its boundary")
  func split() {
    func facts(_ start: UInt64, _ end: UInt64, _ perms: String) -> MappingFacts {
      let letters = Array(perms)
      return MappingFacts(
        start: start, end: end, readable: letters[0] == "r", writable: letters[1] == "w",
        executable: letters[2] == "x", shared: letters[3] == "s", name: .anonymous)
    }
    let mib: UInt64 = 1 << 20
    let boundary: UInt64 = 0x7fa4_e800_0000
    let guardPage = facts(boundary - 9 * mib - 4096, boundary - 9 * mib, "---p")
    let merged = facts(boundary - 9 * mib, boundary + mib, "rw-p")
    let reservation = facts(boundary + mib, boundary + 64 * mib, "---p")
    let region = RegionClassifier.classify(previous: guardPage, current: merged, next: reservation, pageSize: 4096)
    #expect(region == RegionClass(kind: .mallocArenas, split: boundary, lowerKind: .threadStacks))
    #expect(region.stacks == 1)
    // Without the reservation after it, the same mapping is a thread stack.
    let alone = RegionClassifier.classify(previous: guardPage, current: merged, next: nil, pageSize: 4096)
    #expect(alone == RegionClass(kind: .threadStacks))
    // A reservation that stops short of the next boundary is no arena's.
    let short = facts(boundary + mib, boundary + 32 * mib, "---p")
    let notArena = RegionClassifier.classify(previous: nil, current: merged, next: short, pageSize: 4096)
    #expect(notArena == RegionClass(kind: .otherAnon))
    // A full arena is exactly 64 MiB from one boundary to the next; a 200 MiB array that merely
    // ends on a boundary is other anonymous memory, not an arena's last 64 MiB.
    let full = facts(boundary, boundary + 64 * mib, "rw-p")
    #expect(
      RegionClassifier.classify(previous: nil, current: full, next: nil, pageSize: 4096)
        == RegionClass(kind: .mallocArenas))
    let array = facts(boundary + 64 * mib - 200 * mib, boundary + 64 * mib, "rw-p")
    #expect(
      RegionClassifier.classify(previous: nil, current: array, next: nil, pageSize: 4096)
        == RegionClass(kind: .otherAnon))
  }

  @Test("kinds add up to Rss on real captures", arguments: ["tiny", "python100m", "many-mappings"])
  func captures(_ capture: String) throws {
    let summary = try SmapsSummary.parse(Fixtures.text(capture, "smaps"))
    #expect(summary.regions.bytes.total == summary.totals.rss)
    #expect(summary.regions.bytes.brkHeap == summary.brkHeap)
    #expect(summary.regions.mappings == summary.mappings)
  }
}
