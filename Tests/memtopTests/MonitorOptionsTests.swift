import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The live view's options as the command line takes them (without a terminal, so the view
/// itself never starts).
@Suite("memtop monitor options")
struct MonitorOptionsTests {
  @Test("--limit is accepted by the live view: with a valid size it gets as far as needing a terminal")
  func limitAccepted() throws {
    let result = try MemtopRunner.run(["--pid", "\(getpid())", "--limit", "2G"])
    #expect(result.status == 64)
    #expect(!result.stderr.contains("Unknown option"), "\(result.stderr)")
    #expect(result.stderr.hasPrefix("memtop: standard output is not a terminal"), "\(result.stderr)")
  }

  @Test("a bad --limit is one line naming the value and the fix")
  func badLimit() throws {
    let result = try MemtopRunner.run(["--pid", "\(getpid())", "--limit", "lots"])
    #expect(result.status == 64)
    #expect(
      result.stderr
        == "memtop: --limit 'lots' is not a size; give bytes with an optional K, M, G or T suffix, e.g. --limit 2G (see 'memtop --help')\n"
    )
  }

  @Test("monitor --help lists the new keys from the key table")
  func helpKeys() throws {
    let result = try MemtopRunner.run(["monitor", "--help"])
    #expect(result.status == 0)
    for text in ["q F10", "? h F1", "p t", "fit all", "colour themes"] {
      #expect(result.stdout.contains(text), "\(text) missing from:\n\(result.stdout)")
    }
  }
}
