import Foundation
import Testing

@testable import MemtopCore

/// The Python agent memtop writes out must be exactly the files in `Sources/MemtopCore/Agent`.
@Suite("the bundled Python agent")
struct BundledAgentTests {
  static let agentDir = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/MemtopCore/Agent")

  @Test("the bundle holds the agent and both loaders, once each")
  func names() {
    #expect(BundledAgent.files.map(\.name) == ["memtop_agent.py", "sitecustomize.py", "attach.py"])
  }

  @Test(
    "each embedded file is identical to its .py file",
    arguments: ["memtop_agent.py", "sitecustomize.py", "attach.py"])
  func identical(name: String) throws {
    let text = try String(contentsOf: Self.agentDir.appendingPathComponent(name), encoding: .utf8)
    let embedded = BundledAgent.files.first { $0.name == name }?.text
    #expect(embedded == text, "run scripts/embed-agent to copy \(name) into BundledAgent.swift")
  }
}
