import Foundation
import MemtopCore
import MemtopExport
import MemtopTestSupport
import Testing

/// `NAME.python.jsonl`: written with the CSV's rules, read back defensively.
@Suite("Python jsonl beside a recording")
struct PythonJSONLTests {
  @Test("the name beside NAME.csv")
  func names() {
    #expect(PythonJSONLWriter.path(besideCSV: "/x/run.csv") == "/x/run.python.jsonl")
    #expect(PythonJSONLWriter.path(besideCSV: "run") == "run.python.jsonl")
  }

  @Test("each line as received, elapsed_s and the sender first")
  func stamped() {
    #expect(
      PythonJSONLWriter.stamped(#"{"type":"bye"}"#, elapsed: 1.23456, pid: 9)
        == #"{"elapsed_s":1.235,"agent_pid":9,"type":"bye"}"#)
    #expect(PythonJSONLWriter.stamped("{}", elapsed: 2) == #"{"elapsed_s":2.0}"#)
  }

  @Test(
    "never overwrites without --force; a new name is taken at once, given back if never committed; --force replaces on commit"
  )
  func rules() throws {
    let dir = try Scratch.directory("memtop-jsonl")
    let path = dir + "/a.python.jsonl"
    try "old\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: CSVWriteError.self) { try PythonJSONLWriter(path: path, replaceExisting: false, staged: true) }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
    let fresh = dir + "/b.python.jsonl"
    let writer = try PythonJSONLWriter(path: fresh, replaceExisting: false, staged: true)
    // Taken before anything is launched: a second recording to the name fails at once.
    #expect(FileManager.default.fileExists(atPath: fresh))
    #expect(throws: CSVWriteError.self) { try PythonJSONLWriter(path: fresh, replaceExisting: false, staged: true) }
    let dropped = dir + "/d.python.jsonl"
    do { _ = try PythonJSONLWriter(path: dropped, replaceExisting: false, staged: true) }
    #expect(!FileManager.default.fileExists(atPath: dropped), "an uncommitted new file is given back")
    try writer.commit()
    writer.append(#"{"type":"bye","reason":"x"}"#, elapsed: 1, pid: 4)
    try writer.finish()
    #expect(
      try String(contentsOfFile: fresh, encoding: .utf8)
        == #"{"elapsed_s":1.0,"agent_pid":4,"type":"bye","reason":"x"}"# + "\n")
    let replacing = try PythonJSONLWriter(path: path, replaceExisting: true, staged: true)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n", "replaced only on commit")
    try replacing.commit()
    try replacing.finish()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "")
  }

  @Test("a committed file is taken back when the recording beside it cannot start; a written one stays")
  func withdraw() throws {
    let dir = try Scratch.directory("memtop-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/c.python.jsonl"
    let writer = try PythonJSONLWriter(path: path, replaceExisting: false, staged: true)
    try writer.commit()
    #expect(FileManager.default.fileExists(atPath: path))
    writer.withdraw()
    #expect(!FileManager.default.fileExists(atPath: path))
    // A file that holds lines is a recording: never removed.
    let kept = dir + "/d.python.jsonl"
    let used = try PythonJSONLWriter(path: kept, replaceExisting: false, staged: true)
    try used.commit()
    used.append(#"{"type":"bye"}"#, elapsed: 1, pid: 4)
    try used.finish()
    used.withdraw()
    #expect(try String(contentsOfFile: kept, encoding: .utf8).contains("bye"))
  }

  @Test("reading back skips what is not a stamped record, and counts it")
  func reading() throws {
    let dir = try Scratch.directory("memtop-jsonl")
    let path = dir + "/r.python.jsonl"
    let text =
      [
        #"{"elapsed_s":1,"agent_pid":5,"type":"sample","caches":[{"function":"f","currsize":1,"maxsize":null}]}"#,
        "garbage",
        #"{"type":"sample"}"#,
        #"{"elapsed_s":-4,"type":"sample"}"#,
        #"{"elapsed_s":2,"agent_pid":5,"type":"sample","caches":[{"function":"f","currsize":9,"maxsize":null}]}"#,
      ].joined(separator: "\n") + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let (history, notes) = try #require(PythonRecordingReader.read(path))
    #expect(history.agents.count == 1 && history.agents[0].samples == 2 && history.agents[0].pid == 5)
    #expect(history.agents[0].cacheSeries["f"]?.values == [1, 9])
    #expect(notes.count == 1 && notes[0].contains(":2: skipped 3 lines"), "\(notes)")
    #expect(PythonRecordingReader.read(dir + "/none") == nil)
  }

  @Test("a file left by another run (its samples' times outside the recording's) is left out, with a note")
  func staleFile() throws {
    let dir = try Scratch.directory("memtop-jsonl")
    let path = dir + "/s.python.jsonl"
    let text =
      [
        #"{"elapsed_s":1,"agent_pid":5,"type":"sample","t":1764000001.0,"caches":[{"function":"f","currsize":1,"maxsize":null}]}"#,
        #"{"elapsed_s":2,"agent_pid":5,"type":"sample","t":1764000002.0,"caches":[{"function":"f","currsize":9,"maxsize":null}]}"#,
      ].joined(separator: "\n") + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let (stale, notes) = try #require(PythonRecordingReader.read(path, run: 1_764_090_000...1_764_090_060))
    #expect(stale.agents.isEmpty)
    #expect(notes.count == 1 && notes[0].contains("another run"), "\(notes)")
    let (same, sameNotes) = try #require(PythonRecordingReader.read(path, run: 1_764_000_000...1_764_000_030))
    #expect(same.agents.count == 1 && same.agents[0].samples == 2)
    #expect(sameNotes.isEmpty)
  }
}
