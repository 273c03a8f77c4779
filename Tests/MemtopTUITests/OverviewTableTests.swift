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
    "suspected leaks first, then by memory or by growth; unreadable processes last, never as 0",
    arguments: [
      (OverviewSort.memory, [Int32(11), 10, 13, 12]),
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
    rows[1].history = [Double(96 << 20), .nan, Double(100 << 20)]
    let model = OverviewModel(rows: rows, state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    var buffer = Fixtures.sentinel(width: 120, height: 10)
    OverviewTable(model: model).draw(into: &buffer)
    let lines = (0..<10).map { buffer.line($0) }
    #expect(lines[0].contains("5 listed (1 not readable: n/a)"))
    #expect(lines[1].contains("PID COMMAND") && lines[1].contains("FLAG"))
    #expect(lines[1].contains("HISTORY (own scale)"), "\(lines[1])")
    #expect(lines.contains { $0.contains(" billing_service.py --port 8000") }, "the script, not just the interpreter")
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

  @Test("each sparkline has its own scale of at least 1 MiB: a leaker's climb shows beside a large steady process")
  func ownScale() {
    var steady = Self.row(20, "big", rss: 1 << 30, growth: 1)
    steady.history = [0, 1, 2, 3].map { Double(1 << 30) + $0 * 40_000 }
    var leaky = Self.row(21, "leaky", rss: 100 << 20, growth: 1)
    leaky.history = [0, 1, 2, 3].map { Double(100 << 20) + $0 * 1_048_576 }
    var jitter = Self.row(22, "small", rss: 4 << 20, growth: 0)
    jitter.history = [0, 8192, 0, 8192].map { Double(4 << 20) + $0 }
    // 2 % of 1 GiB (~20 MiB) is the big row's least height: 120 kB of noise stays low.
    #expect(OverviewTable.sparkline(steady.history, width: 10, mode: .ascii) == "____")
    #expect(OverviewTable.sparkline(leaky.history, width: 10, mode: .ascii) == "_-+#")
    #expect(OverviewTable.sparkline(jitter.history, width: 10, mode: .ascii) == "____", "8 KiB of jitter is flat")
  }

  @Test("the growth column reads in one time unit, the largest rate's")
  func growthUnit() {
    let fast = Self.row(30, "fast", rss: 10 << 20, growth: 3.2 * 1_048_576 / 60)
    let slow = Self.row(31, "slow", rss: 10 << 20, growth: 49.2 * 1_048_576 / 3600)
    let model = OverviewModel(
      rows: [fast, slow], state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    var buffer = Fixtures.sentinel(width: 120, height: 6)
    OverviewTable(model: model).draw(into: &buffer)
    let lines = (0..<6).map { buffer.line($0) }
    let slowLine = lines.first { $0.contains("slow") } ?? ""
    #expect(slowLine.contains("+840 KiB/min"), "\(slowLine)")
    #expect(!lines.joined().contains("/h"), "\(lines.joined(separator: "\n"))")
    #expect(OverviewTable.growth(slow) == "+49.2 MiB/h", "alone, its own unit")
  }

  @Test("memtop's own process is left out of the table and of the count")
  func hidesItself() {
    var state = OverviewState()
    state.hidden = 13
    let model = OverviewModel(rows: Self.rows, state: state, interval: 1, window: 60, message: nil, mode: .ascii)
    #expect(!model.rows.contains { $0.identity.pid == 13 })
    #expect(model.total == Self.rows.count - 1)
    state.filter = "billing"
    #expect(OverviewModel.arrange(Self.rows, state: state).isEmpty)
    state.filter = "13"
    #expect(OverviewModel.arrange(Self.rows, state: state).map(\.identity.pid) == [13], "asked for by its pid")
  }

  @Test("the command column shows what tells instances apart: the script and its arguments")
  func distinguishingCommand() {
    let rows = [
      Self.row(
        40, "python3", rss: 50 << 20, growth: 0,
        command: "/usr/bin/python3 -u /srv/app/server.py --port 9401 --mode leak"),
      Self.row(
        41, "python3", rss: 50 << 20, growth: 0,
        command: "/usr/bin/python3 -u /srv/app/server.py --port 9402 --mode idle"),
    ]
    let model = OverviewModel(rows: rows, state: OverviewState(), interval: 1, window: 60, message: nil, mode: .ascii)
    var buffer = Fixtures.sentinel(width: 120, height: 6)
    OverviewTable(model: model).draw(into: &buffer)
    let lines = (0..<6).map { buffer.line($0) }
    #expect(lines.contains { $0.contains(" server.py --port 9401 --mode leak") }, "\(lines.joined(separator: "\n"))")
    #expect(lines.contains { $0.contains(" server.py --port 9402 --mode idle") })
    #expect(!lines.joined().contains("/usr/bin/python3"))
    // Narrower: the script and the end of the arguments stay, the middle goes.
    var narrow = Fixtures.sentinel(width: 100, height: 6)
    OverviewTable(model: model).draw(into: &narrow)
    let cut = (0..<6).map { narrow.line($0) }
    #expect(cut.contains { $0.contains(" server.py~") && $0.contains("leak ") }, "\(cut.joined(separator: "\n"))")
    #expect(cut.contains { $0.contains(" server.py~") && $0.contains("idle ") })
  }

  @Test("every flag the table shows is explained in the legend (help box, --help, man page)")
  func legendCoversFlags() {
    let explained = Set(OverviewTable.legend.map(\.flag))
    let verdicts: [TrendVerdict?] = [.leak, .plateau, .inconclusive, .stable, .shrinking, .insufficientData, nil]
    for verdict in verdicts {
      #expect(explained.contains(OverviewTable.flag(verdict).0))
    }
    #expect(explained.contains(OverviewTable.flag(.leak, confirmed: false).0))
    #expect(explained.contains("..."))
  }
}
