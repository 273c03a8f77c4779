import MemtopCore
import MemtopSystem
import MemtopTrend
import Testing

@testable import MemtopTUI

@Suite("The process table")
struct OverviewTableTests {
  static func row(
    _ pid: Int32, _ name: String, rss: UInt64?, growth: Double?, verdict: TrendVerdict? = nil, command: String? = nil
  ) -> ProcessOverview.Row {
    ProcessOverview.Row(
      identity: ProcessIdentity(pid: pid, startTimeTicks: 1), name: name, rss: rss, anon: rss.map { $0 / 2 },
      growthBytesPerSecond: growth, history: rss.map { [Double($0) - 1000, .nan, Double($0)] } ?? [.nan],
      verdict: verdict,
      command: command)
  }

  static let rows = [
    row(10, "idle", rss: 300 << 20, growth: 0),
    row(11, "leaky", rss: 100 << 20, growth: 2 * 1_048_576, verdict: .leak),
    row(12, "secret", rss: nil, growth: nil),
    row(13, "python3", rss: 200 << 20, growth: -1000, command: "python3 billing_service.py --port 8000"),
  ]

  @Test(
    "sorted by memory or by growth; unreadable processes last, never as 0",
    arguments: [
      (OverviewSort.memory, [Int32(10), 13, 11, 12]),
      (OverviewSort.growth, [Int32(11), 10, 13, 12]),
    ])
  func sorting(sort: OverviewSort, expected: [Int32]) {
    var state = OverviewState()
    state.sort = sort
    #expect(OverviewModel.arrange(Self.rows, state: state).map(\.identity.pid) == expected)
  }

  @Test(
    "the filter matches a name or command line in any case, or the start of a pid",
    arguments: [
      ("LEA", [Int32(11)]), ("1", [Int32(10), 11, 12, 13]), ("13", [Int32(13)]), ("nothing", []),
      ("billing", [Int32(13)]), ("--PORT 8000", [Int32(13)]),
    ])
  func filtering(filter: String, expected: [Int32]) {
    var state = OverviewState()
    state.filter = filter
    #expect(Set(OverviewModel.arrange(Self.rows, state: state).map(\.identity.pid)) == Set(expected))
  }

  @Test("rows show n/a for what may not be read, the flag, a sparkline with gaps; names are made safe")
  func drawing() {
    var rows = Self.rows
    rows.append(Self.row(14, "evil\u{1B}[2Jname", rss: 1 << 20, growth: 0))
    let model = OverviewModel(rows: rows, state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    var buffer = Fixtures.sentinel(width: 120, height: 10)
    OverviewTable(model: model).draw(into: &buffer)
    let lines = (0..<10).map { buffer.line($0) }
    #expect(lines[0].contains("5 listed (1 not readable: n/a)"))
    #expect(lines[1].contains("PID COMMAND") && lines[1].contains("FLAG"))
    #expect(lines[1].contains("HISTORY, height 1000 B"), "\(lines[1])")
    #expect(lines.contains { $0.contains("python3 billing_service.py") }, "the script, not just the interpreter")
    let secret = lines.first { $0.contains("secret") } ?? ""
    #expect(secret.contains("n/a") && !secret.contains(" 0 B"))
    let leaky = lines.first { $0.contains("leaky") } ?? ""
    #expect(leaky.contains("LEAK") && leaky.contains("+2.00 MiB/s"))
    #expect(leaky.contains("_~#"), "sparkline with a gap: \(leaky)")
    #expect(!lines.joined().contains("\u{1B}"))
    #expect(lines.contains { $0.contains("evil") })
    #expect(!lines.joined().contains("x"), "undrawn cells:\n\(lines.joined(separator: "\n"))")
    #expect(lines[9].contains("M sort mem") && lines[9].contains("/ filter") && lines[9].contains("enter open"))
  }

  @Test("a process unread for want of descriptors (EMFILE) is counted as that, never as 'not readable'")
  func outOfDescriptorsLabel() {
    var rows = Self.rows
    var starved = Self.row(15, "starved", rss: nil, growth: nil)
    starved.readFailure = .outOfDescriptors
    rows.append(starved)
    rows[2].readFailure = .permissionDenied
    let model = OverviewModel(rows: rows, state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    var buffer = Fixtures.sentinel(width: 200, height: 10)
    OverviewTable(model: model).draw(into: &buffer)
    let header = buffer.line(0)
    #expect(header.contains("(1 not readable: n/a)"), "\(header)")
    #expect(header.contains("(1 unread: out of file descriptors, raise ulimit -n)"), "\(header)")
  }

  @Test("sparklines share one scale: a small climb stays low beside a large one")
  func sharedScale() {
    var small = Self.row(20, "steady", rss: 100 << 20, growth: 1)
    small.history = [0, 1, 2, 3].map { Double(100 << 20) + $0 * 1024 }
    var large = Self.row(21, "leaky", rss: 200 << 20, growth: 1)
    large.history = [0, 1, 2, 3].map { Double(200 << 20) + $0 * 1_048_576 }
    let model = OverviewModel(
      rows: [small, large], state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    let table = OverviewTable(model: model)
    #expect(table.sparkSpan(width: 10) == Double(3 * 1_048_576))
    #expect(OverviewTable.sparkline(small.history, width: 10, mode: .ascii, span: table.sparkSpan(width: 10)) == "____")
    #expect(OverviewTable.sparkline(large.history, width: 10, mode: .ascii, span: table.sparkSpan(width: 10)) == "_-+#")
    #expect(OverviewTable.sparkline(small.history, width: 10, mode: .ascii) == "_-+#", "alone, its own range")
  }
}
