import Foundation
import MemtopExport
import MemtopSampling
import MemtopTestSupport
import Testing

@testable import MemtopCore

/// A plan's outputs through the session: staged before anything is launched, put in place once
/// the target runs, fed and finished with the watch.
@Suite("The watch plan: outputs staged, committed and finished by the session")
struct WatchPlanTests {
  /// A fresh folder, removed by the caller.
  static func folder() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-plan-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// The text of `path`, nil when it cannot be read.
  static func read(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
  }

  @Test("a command that cannot start leaves an existing CSV and its Python file untouched, even with --force")
  func failedStartTouchesNothing() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/rec.csv"
    let python = PythonJSONLWriter.path(besideCSV: csv)
    try "old rows\n".write(toFile: csv, atomically: true, encoding: .utf8)
    try "old lines\n".write(toFile: python, atomically: true, encoding: .utf8)
    var options = WatchOptions(interval: 1)
    options.python = PythonOptions(files: [])
    var plan = WatchPlan(target: .launch([dir + "/no-such-program"]), options: options)
    plan.csv = csv
    plan.replaceExisting = true
    #expect {
      _ = try WatchSession(plan: plan, clock: ManualClock())
    } throws: { error in
      (error as? MemtopError)?.status == 127
    }
    #expect(Self.read(csv) == "old rows\n")
    #expect(Self.read(python) == "old lines\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["rec.csv", "rec.python.jsonl"])
  }

  @Test("an existing CSV without --force is refused before the command is launched")
  func refusedBeforeLaunch() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let csv = dir + "/rec.csv"
    try "old rows\n".write(toFile: csv, atomically: true, encoding: .utf8)
    var plan = WatchPlan(target: .launch(["/bin/sh", "-c", "touch \(dir)/ran"]), options: WatchOptions(interval: 1))
    plan.csv = csv
    #expect {
      _ = try WatchSession(plan: plan, clock: ManualClock())
    } throws: { error in
      (error as? MemtopError)?.message.contains("rec.csv") == true
    }
    usleep(200_000)
    #expect(!FileManager.default.fileExists(atPath: dir + "/ran"), "the command was launched")
    #expect(Self.read(csv) == "old rows\n")
  }

  @Test("a textfile that cannot be written is refused before anything is launched")
  func textfileChecked() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var plan = WatchPlan(target: .launch(["/bin/sh", "-c", "touch \(dir)/ran"]), options: WatchOptions(interval: 1))
    plan.promTextfile = dir + "/missing/memtop.prom"
    #expect {
      _ = try WatchSession(plan: plan, clock: ManualClock())
    } throws: { error in
      (error as? MemtopError)?.message.hasPrefix("cannot write '\(dir)/missing/memtop.prom'") == true
    }
    usleep(200_000)
    #expect(!FileManager.default.fileExists(atPath: dir + "/ran"), "the command was launched")
  }

  @Test("the session writes the CSV, the textfile and the board itself; the board ends on the session's verdict")
  func outputsThroughTheSession() throws {
    let tree = try WatchSessionTests.masterAndWorkers()
    defer { tree.remove() }
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let board = MetricsBoard()
    var plan = WatchPlan(target: .pid(100), options: WatchSessionTests.options(tree))
    plan.options.duration = 120
    plan.csv = dir + "/rec.csv"
    plan.promTextfile = dir + "/memtop.prom"
    plan.metricsBoard = board
    let session = try WatchSession(plan: plan, clock: ManualClock())
    #expect(session.sinks.contains { $0 is CSVSink })
    #expect(session.sinks.contains { $0 is PrometheusSink })
    var n = 0
    let summary = session.run(stopRequested: { nil }) { event in
      if case .sample = event {
        n += 1
        try? WatchSessionTests.step(tree, n)
      }
    }
    #expect(summary.outputFailure == nil)
    #expect(summary.verdict?.verdict == .leak)
    let rows = try RecordingReader(path: plan.csv ?? "").read(Self.read(plan.csv ?? "") ?? "")
    #expect(RecordingReader.mainSeries(rows).count == summary.samples)
    let textfile = try #require(Self.read(dir + "/memtop.prom"))
    #expect(textfile == board.text, "the finish publishes one state to both")
    let leak = textfile.split(separator: "\n").first { $0.hasPrefix("memtop_leak_suspected{") }
    #expect(leak?.hasSuffix("} 1") == true, "\(textfile)")
    #expect(textfile.contains("memtop_member_leak_suspected{pid=\"101\""), "\(textfile)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["memtop.prom", "rec.csv"])
  }

  @Test("a launched command's private log goes when the watch is over; a chosen one stays")
  func childLog() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for chosen in [nil, dir + "/child.log"] {
      var plan = WatchPlan(
        target: .launch(["/bin/sh", "-c", "echo hello; sleep 30"]), options: WatchOptions(interval: 0.1))
      plan.launchOutput = .log(chosen)
      let session = try WatchSession(plan: plan)
      let log = try #require(session.childLog)
      #expect(log.isRemovedAtExit == (chosen == nil))
      let deadline = Date().addingTimeInterval(10)
      while Self.read(log.path) != "hello\n" && Date() < deadline { usleep(20_000) }
      #expect(Self.read(log.path) == "hello\n")
      session.finish(.stopped)
      #expect(FileManager.default.fileExists(atPath: log.path) == (chosen != nil))
    }
  }
}
