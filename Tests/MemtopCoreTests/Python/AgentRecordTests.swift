import Foundation
import MemtopCore
import Testing

/// Agent lines are untrusted: escaped, range-checked, capped.
@Suite("Python agent records: defensive parsing")
struct AgentRecordTests {
  @Test("a sample with every field parses")
  func fullSample() throws {
    let line = """
      {"type":"sample","t":1764250000.25,"pid":123,"gc":{"enabled":false,"counts":[1,2,3],"collections":[10,2,1],\
      "collected":[5,0,0],"uncollectable":[0,0,1],"garbage":2},"caches":[{"function":"shop.prices.price",\
      "currsize":48210,"maxsize":null,"hits":10,"misses":48210}],"types":[{"type":"dict","count":1234}],\
      "census_ms":12.5,"tracing":true,"traced":{"current":123456,"peak":234567},\
      "lines":[{"location":"/abs/app.py:42","bytes":1048576,"count":1000}]}
      """
    guard case .sample(let sample) = try #require(AgentRecord.parse(Substring(line))) else {
      Issue.record("not a sample")
      return
    }
    #expect(sample.pid == 123)
    #expect(
      sample.gc
        == GCState(
          enabled: false, counts: [1, 2, 3], collections: [10, 2, 1], collected: [5, 0, 0],
          uncollectable: [0, 0, 1], garbage: 2))
    #expect(
      sample.caches == [
        CacheReading(function: "shop.prices.price", currsize: 48210, maxsize: nil, hits: 10, misses: 48210)
      ])
    #expect(sample.types == [NamedCount(name: "dict", value: 1234)])
    #expect(sample.tracing == true && sample.tracedCurrent == 123456 && sample.tracedPeak == 234567)
    #expect(sample.lines == [NamedCount(name: "/abs/app.py:42", value: 1_048_576)])
    #expect(sample.censusMilliseconds == 12.5)
  }

  @Test("escape sequences in names never survive")
  func escapes() throws {
    let line =
      #"{"type":"sample","caches":[{"function":"evil\u001b]0;owned\u0007\u001b[2J","currsize":1,"maxsize":2}],"types":[{"type":"\u202etxt.exe","count":1}]}"#
    guard case .sample(let sample) = try #require(AgentRecord.parse(Substring(line))) else {
      Issue.record("not a sample")
      return
    }
    let name = try #require(sample.caches?.first?.function)
    #expect(!name.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    #expect(name == #"evil\e]0;owned\a\e[2J"#)
    #expect(sample.types?.first?.name == #"\u{202e}txt.exe"#)
  }

  @Test(
    "numbers out of range, of the wrong type, or booleans are left out",
    arguments: [
      #"{"type":"sample","caches":[{"function":"f","currsize":-1,"maxsize":null}]}"#,
      #"{"type":"sample","caches":[{"function":"f","currsize":1e300,"maxsize":null}]}"#,
      #"{"type":"sample","caches":[{"function":"f","currsize":true,"maxsize":null}]}"#,
      #"{"type":"sample","caches":[{"function":"f","currsize":"12","maxsize":null}]}"#,
      #"{"type":"sample","caches":[{"function":7,"currsize":12}]}"#,
    ])
  func badNumbers(_ line: String) throws {
    guard case .sample(let sample) = try #require(AgentRecord.parse(Substring(line))) else {
      Issue.record("not a sample")
      return
    }
    #expect(sample.caches == [])
  }

  @Test("a pid that is not a positive 32-bit number is no pid")
  func badPID() throws {
    for value in ["0", "-5", "4294967296", "1.5e12", "\"12\""] {
      guard case .hello(let hello) = try #require(AgentRecord.parse(Substring(#"{"type":"hello","pid":\#(value)}"#)))
      else {
        Issue.record("not a hello")
        continue
      }
      #expect(hello.pid == nil, "\(value)")
    }
  }

  @Test("lists are capped, notes cut to 300 characters")
  func caps() throws {
    let many = (0..<1000).map { #"{"type":"t\#($0)","count":\#($0)}"# }.joined(separator: ",")
    guard
      case .sample(let sample) = try #require(AgentRecord.parse(Substring(#"{"type":"sample","types":[\#(many)]}"#)))
    else {
      Issue.record("not a sample")
      return
    }
    #expect(sample.types?.count == AgentRecord.maxEntries)
    let note = try #require(
      AgentRecord.parse(Substring(#"{"type":"note","message":"\#(String(repeating: "x", count: 5000))"}"#)))
    guard case .note(let text) = note else {
      Issue.record("not a note")
      return
    }
    #expect(text.count <= 301)
  }

  @Test(
    "not an object, or an unknown type, is no record", arguments: ["[1,2]", "{\"type\":\"evil\"}", "{", "null", "{}"])
  func notRecords(_ line: String) {
    #expect(AgentRecord.parse(Substring(line)) == nil)
  }
}
