import Foundation
import MemtopTestSupport
import Testing

/// `scripts/check-layers` on copies of the package: a clean copy passes, and each wrong edge
/// (a plain import between siblings that Package.swift allows, a re-export, a table naming a
/// target that does not exist) fails with a line naming the file and the rule.
@Suite("scripts/check-layers")
struct LayerCheckTests {
  static let repoRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// One change to a copy of the package and what the checker must say about it.
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    /// The sibling edge `MemtopTrend` → `MemtopSystem` is declared in the copy's Package.swift.
    var declareTrendToSystem = false
    /// Files written into the copy: path relative to the package, text.
    var files: [String: String] = [:]
    /// A row appended to the allowed-imports table of the copy's docs/architecture.md.
    var extraTableRow: String?
    /// Lines the checker's output must contain; none means it must pass.
    var expected: [String] = []

    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "a clean copy passes"),
    Case(
      name: "a plain import of a sibling that Package.swift allows fails, naming the file and the edge",
      declareTrendToSystem: true,
      files: ["Sources/MemtopTrend/WrongWay.swift": "import MemtopSystem\n\nfunc wrongWay() -> Int { 0 }\n"],
      expected: [
        "Sources/MemtopTrend/WrongWay.swift:1: import MemtopSystem: MemtopTrend may not import the target MemtopSystem",
        "Package.swift: MemtopTrend depends on MemtopSystem",
      ]),
    Case(
      name: "an import the table does not allow fails even when Package.swift does not declare it",
      files: [
        "Sources/MemtopStore/WrongWay.swift": "import Foundation\n@testable import struct MemtopSystem.Syscalls\n"
      ],
      expected: [
        "Sources/MemtopStore/WrongWay.swift:1: import Foundation: MemtopStore may not import Foundation",
        "Sources/MemtopStore/WrongWay.swift:2: @testable import struct MemtopSystem.Syscalls: "
          + "MemtopStore may not import the target MemtopSystem",
      ]),
    Case(
      name: "an import in an #if branch counts",
      files: ["Sources/MemtopFormat/WrongWay.swift": "#if canImport(Glibc)\nimport Glibc\n#endif\n"],
      expected: ["Sources/MemtopFormat/WrongWay.swift:2: import Glibc: MemtopFormat may not import Glibc"]),
    Case(
      name: "imports inside comments and string literals do not count",
      files: [
        "Sources/MemtopTrend/NotAnImport.swift": """
        // import MemtopSystem
        /* import MemtopCore
           /* import MemtopTUI */ import MemtopExport */
        let python = \"\"\"
          import MemtopSystem
          \"\"\"
        let raw = #\"\"\"
          import MemtopCore "\"\"\"
          \"\"\"#

        """
      ]),
    Case(
      name: "the line named is the import's own, after a string continued over lines",
      files: [
        "Sources/MemtopTrend/WrongWay.swift": #"""
        let text = """
          one \
          two
          """
        import MemtopSystem

        """#
      ],
      expected: ["Sources/MemtopTrend/WrongWay.swift:5: import MemtopSystem: MemtopTrend may not import"]),
    Case(
      name: "a re-export fails",
      files: ["Sources/MemtopStore/Exports.swift": "@_exported import MemtopTrend\n"],
      expected: ["Sources/MemtopStore/Exports.swift:1: @_exported import MemtopTrend: a re-export"]),
    Case(
      name: "a table row for a target that does not exist fails",
      extraTableRow: "| `MemtopRadar` | `MemtopCore` | — |",
      expected: ["the table names a target MemtopRadar, which Package.swift does not have"]),
  ]

  @Test("the checker on a copy of the package", arguments: cases)
  func check(_ example: Case) throws {
    let copy = try Self.copyPackage()
    defer { try? FileManager.default.removeItem(atPath: copy) }
    if example.declareTrendToSystem {
      let manifest = copy + "/Package.swift"
      let text = try String(contentsOfFile: manifest, encoding: .utf8)
      let edge = #".target(name: "MemtopTrend", dependencies: ["MemtopFormat"])"#
      try #require(text.contains(edge), "Package.swift no longer declares MemtopTrend as \(edge): update this test")
      try text.replacingOccurrences(
        of: edge, with: #".target(name: "MemtopTrend", dependencies: ["MemtopFormat", "MemtopSystem"])"#
      ).write(toFile: manifest, atomically: true, encoding: .utf8)
    }
    for (path, text) in example.files {
      try text.write(toFile: copy + "/" + path, atomically: true, encoding: .utf8)
    }
    if let row = example.extraTableRow {
      let doc = copy + "/docs/architecture.md"
      let text = try String(contentsOfFile: doc, encoding: .utf8)
      let last = try #require(text.range(of: "| `memtopTests` |"), "no memtopTests row in the table")
      let end = try #require(text.range(of: "\n", range: last.upperBound..<text.endIndex))
      var changed = text
      changed.insert(contentsOf: "\n" + row, at: end.lowerBound)
      try changed.write(toFile: doc, atomically: true, encoding: .utf8)
    }

    let output = copy + "/check-layers.out"
    let status = try MemtopRunner.runTool(
      [Self.repoRoot.appendingPathComponent("scripts/check-layers").path, copy], output: output)
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    if example.expected.isEmpty {
      #expect(status == 0, "\(text)")
      #expect(text.contains("check-layers: ok:"), "\(text)")
    } else {
      #expect(status == 1, "\(text)")
      for line in example.expected {
        #expect(text.contains(line), "missing \"\(line)\" in:\n\(text)")
      }
    }
  }

  /// A copy of Package.swift, Sources, Tests and docs/architecture.md in a new directory.
  static func copyPackage() throws -> String {
    let copy = try Scratch.directory(anyoneMayWrite: true)
    let files = FileManager.default
    for item in ["Package.swift", "Sources", "Tests"] {
      try files.copyItem(atPath: repoRoot.appendingPathComponent(item).path, toPath: copy + "/" + item)
    }
    try files.createDirectory(atPath: copy + "/docs", withIntermediateDirectories: true)
    try files.copyItem(
      atPath: repoRoot.appendingPathComponent("docs/architecture.md").path, toPath: copy + "/docs/architecture.md")
    return copy
  }
}
