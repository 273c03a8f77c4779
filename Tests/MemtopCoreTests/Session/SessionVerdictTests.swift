import Foundation
import MemtopExport
import MemtopSampling
import MemtopStore
import MemtopTestSupport
import MemtopTrend
import Testing

@testable import MemtopCore

/// Takes what a watch hands its sinks: the verdicts, for comparing with the events.
private final class VerdictRecorder: WatchSink {
  var verdicts: [SessionVerdict] = []
  var finished = false
  func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError) {}
  func take(_ verdict: SessionVerdict) { verdicts.append(verdict) }
  func flush() throws(CSVWriteError) {}
  func finish() throws(CSVWriteError) { finished = true }
}

@Suite("The session owns the verdict: one value for every surface")
struct SessionVerdictTests {
  @Test(
    "on a fixture tree and a manual clock, the session's verdict events name the leaking worker; sinks, the closing line, the Prometheus text and the file's judgment agree"
  )
  func oneVerdictEverywhere() throws {
    let tree = try WatchSessionTests.masterAndWorkers()
    defer { tree.remove() }
    let csv = FileManager.default.temporaryDirectory.path + "/memtop-verdict-\(UUID()).csv"
    defer { try? FileManager.default.removeItem(atPath: csv) }
    var plan = WatchPlan(target: .pid(100), options: WatchSessionTests.options(tree))
    plan.csv = csv
    let session = try WatchSession(plan: plan, clock: ManualClock())
    let recorder = VerdictRecorder()
    session.add(recorder)
    var events: [SessionVerdict] = []
    var samples = 0
    let summary = session.run(stopRequested: { nil }) { event in
      switch event {
      case .sample:
        samples += 1
        try? WatchSessionTests.step(tree, samples)
      case .verdict(let verdict): events.append(verdict)
      default: break
      }
    }

    // Judged on the live cadence: every 2 samples while young, then every 5.
    #expect(events.count >= samples / 5 && events.count <= samples / 2 + 1)
    // The sinks got every verdict the drivers saw, then the final one.
    let final = try #require(summary.verdict)
    #expect(recorder.verdicts.dropLast() == events[...])
    #expect(recorder.verdicts.last == final)
    #expect(session.verdict() == final)
    #expect(recorder.finished)

    // The live alert on worker 101 needs two leak judgments in a row, and then holds.
    let firstLeak = try #require(events.firstIndex { $0.leakingMembers.map(\.pid) == [101] })
    let firstRaised = try #require(events.firstIndex { $0.members.contains { $0.pid == 101 && $0.alertRaised } })
    #expect(firstRaised >= firstLeak + 1)
    #expect(events[firstRaised...].allSatisfy { $0.alertRaised })
    #expect(events.allSatisfy { $0.members.allSatisfy { $0.pid == 101 || !$0.alertRaised } })

    // record's closing line.
    #expect(final.verdict == .leak && final.analysis.verdict != .leak)
    #expect(final.verdictLine.hasPrefix("verdict: leak: worker 101 (python3 app.py) leaks +"))

    // The Prometheus text rendered from the same value.
    var exposition = PrometheusExposition(pid: 100, comm: "python3")
    exposition.render(final)
    let text = exposition.text
    #expect(text.contains("memtop_verdict{pid=\"100\",comm=\"python3\",verdict=\"leak\"} 1\n"))
    #expect(text.contains("memtop_leak_suspected{pid=\"100\",comm=\"python3\"} 1\n"))
    #expect(text.contains("memtop_member_leak_suspected{pid=\"101\",command=\"python3 app.py\"} 1\n"))
    #expect(text.contains("memtop_member_leak_suspected{pid=\"102\",command=\"python3 app.py\"} 0\n"))

    // The file, judged as analyze, plot and replay judge it, gives the same verdict.
    let rows = try RecordingReader(path: csv).read(try String(contentsOfFile: csv, encoding: .utf8))
    let fromFile = VerdictPolicy.judge(recording: rows, limit: nil)
    #expect(fromFile.verdict == final.verdict)
    #expect(fromFile.leakingMembers.map(\.pid) == final.leakingMembers.map(\.pid))
    let chart = RecordingChart(
      timeline: Timeline(RecordingReader.mainSeries(rows)), verdict: fromFile, title: "tree.csv")
    let heading = chart.svg().split(separator: "\n").first { $0.contains("id=\"verdict\"") } ?? ""
    #expect(heading.contains("verdict: leak: worker 101 (python3 app.py) leaks +"), "\(heading)")
  }

  @Test("a member's command label is escaped per the exposition format and capped")
  func memberLabelEscaped() {
    var exposition = PrometheusExposition(pid: 1, comm: "sh")
    let long = String(repeating: "a", count: 500)
    exposition.members = [
      .init(pid: 7, command: "evil\"} 1\nmemtop_fake 1 \\", leaks: true), .init(pid: 8, command: long, leaks: false),
    ]
    let lines = exposition.text.split(separator: "\n").filter { $0.hasPrefix("memtop_member_leak_suspected{") }
    #expect(lines.count == 2)
    #expect(lines.first == #"memtop_member_leak_suspected{pid="7",command="evil\"} 1\\nmemtop_fake 1 \\"} 1"#)
    let capped = PrometheusExposition.commandLabelLength
    #expect(lines.last == "memtop_member_leak_suspected{pid=\"8\",command=\"\(long.prefix(capped))…\"} 0")
    #expect(!exposition.text.contains("\nmemtop_fake"))
  }

  @Test("the live policy judges every 2 samples while young, then every 5 and at most once a second")
  func liveCadence() {
    var live = VerdictPolicy.Live()
    let young = TrendConfiguration().youngSampleCount
    let due = (1..<young).filter { n in
      guard live.sampleTaken(count: n, now: Double(n)) else { return false }
      _ = live.judge(RecordingDigest(), members: [], limit: nil, now: Double(n))
      return true
    }
    #expect(due == Array(stride(from: 2, to: young, by: 2)))
    var fast = VerdictPolicy.Live()
    // Past youth at 0.1 s a sample: 5 samples are not enough until a second has passed.
    var judged: [Int] = []
    for n in young..<(young + 40) where fast.sampleTaken(count: n, now: Double(n) * 0.1) {
      judged.append(n)
      _ = fast.judge(RecordingDigest(), members: [], limit: nil, now: Double(n) * 0.1)
    }
    #expect(zip(judged, judged.dropFirst()).allSatisfy { $1 - $0 == 10 })
  }
}
