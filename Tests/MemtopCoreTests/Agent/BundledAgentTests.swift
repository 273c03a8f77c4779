import MemtopCore
import Testing

/// The Python agent memtop writes out: the files the build embeds from `Sources/MemtopCore/Agent`.
@Suite("the bundled Python agent")
struct BundledAgentTests {
  @Test("the bundle holds the agent and both loaders, once each")
  func names() {
    #expect(BundledAgent.files.map(\.name) == ["memtop_agent.py", "sitecustomize.py", "attach.py"])
  }

  @Test("each file is embedded whole: its opening line first, its final newline last")
  func whole() {
    for (name, text) in BundledAgent.files {
      #expect(text.prefix { $0 != "\n" }.contains("memtop's"), "\(name)")
      #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"), "\(name)")
    }
  }
}
