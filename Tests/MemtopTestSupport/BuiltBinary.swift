import Foundation

/// The built `memtop` binary that end-to-end tests run.
package enum BuiltBinary {
  /// Its path: `MEMTOP_BIN` when set, else the first folder holding an executable `memtop`
  /// going up from the test bundle (which may be a folder, …/memtopPackageTests.xctest/…, or a
  /// file) in the build folder.
  package static let memtop: String = {
    if let path = ProcessInfo.processInfo.environment["MEMTOP_BIN"] { return path }
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("memtop").path), dir.path != "/" {
      dir.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("memtop").path
  }()
}
