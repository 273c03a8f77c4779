import Foundation
import MemtopSystem
import MemtopTestSupport
import Testing

@testable import MemtopCore

#if canImport(Glibc)
import Glibc
#endif

/// The process table's reader over real processes, with fewer descriptors than processes.
@Suite("process table reads", .serialized)
struct ProcessOverviewTests {
  @Test(
    "with room for 8 kept-open descriptors (4 processes), 40 sleeping children are all read every tick and no more than 8 stay open"
  )
  func descriptorLimit() throws {
    var sleepers: [TestProcess] = []
    defer { for sleeper in sleepers { sleeper.stop() } }
    for _ in 0..<40 {
      sleepers.append(try TestProcess(["sleep", "600"], stdin: .inherit, stdout: .inherit, stderr: .inherit))
    }
    let children = sleepers.map(\.pid)
    let overview = ProcessOverview(descriptorLimit: 8)
    // Each child has exec'd sleep once it shows its name; wait for that (a loaded machine).
    let deadline = Date().addingTimeInterval(60)
    var ours: [ProcessOverview.Row] = []
    for tick in 1...3 {
      repeat {
        overview.refresh(now: Double(tick))
        ours = overview.rows.filter { children.contains($0.identity.pid) }
      } while ours.contains(where: { $0.name != "sleep" }) && Date() < deadline
      #expect(ours.count == 40)
      #expect(
        ours.allSatisfy { $0.rss != nil && $0.readFailure == nil },
        "unread: \(ours.filter { $0.rss == nil }.map(\.identity.pid))")
      #expect(overview.descriptorsHeld <= 8)
    }
    // The table's figure is the one a watch shows: sleep's RSS does not move, so statm's
    // resident size equals status' VmRSS.
    for row in ours {
      let status = try ProcStatus.parse(try #require(Syscalls.readSmallFile("/proc/\(row.identity.pid)/status")))
      #expect(row.rss == status.vmRSS && row.anon == status.rssAnon, "pid \(row.identity.pid)")
    }
    #expect(overview.descriptorLimit == 8)
  }
}
