import MemtopSampling
import Testing

@Suite("detail schedule: heap and smaps_rollup under one budget and one stall cap")
struct DetailScheduleTests {
  @Test("without a stall cap both reads may run in the same tick")
  func bothWithoutCap() {
    var schedule = DetailSchedule(fraction: 0.02, maxStall: 0, hasRollup: true)
    #expect(schedule.tier(at: 0) == [.heap, .rollup])
    var costs = DetailCosts()
    costs.heap = 0.001
    costs.rollup = 0.002
    schedule.spent([.heap, .rollup], costs: costs, startedAt: 0)
    // Each waits cost / its half of the budget: heap 0.1 s, rollup 0.2 s.
    #expect(schedule.tier(at: 0.05) == [])
    #expect(schedule.tier(at: 0.15) == .heap)
    #expect(schedule.tier(at: 0.25) == [.heap, .rollup])
  }

  @Test("under a stall cap both start only while the credit covers their expected cost")
  func bothOnlyWithinCredit() {
    var schedule = DetailSchedule(fraction: 0.02, maxStall: 0.005, hasRollup: true)
    // Nothing is known of their cost yet: both go.
    #expect(schedule.tier(at: 0) == [.heap, .rollup])
    var costs = DetailCosts()
    costs.heap = 0.001
    costs.rollup = 0.004
    schedule.spent([.heap, .rollup], costs: costs, startedAt: 0)
    // Heap due again at 0.1 s, the rollup at 0.4 s; the 5 ms of credit are spent.
    #expect(schedule.tier(at: 0.2) == .heap)
    // At 0.5 s both are due, but 2.5 ms of credit do not cover 5 ms: the heap, due longer, first.
    #expect(schedule.tier(at: 0.5) == .heap)
    // At 2 s the credit is full again (5 ms): both.
    #expect(schedule.tier(at: 2) == [.heap, .rollup])
  }

  @Test("the stall cap holds both reads back once its credit is spent")
  func capHoldsBack() {
    var schedule = DetailSchedule(fraction: 1, maxStall: 0.005, hasRollup: true)
    var costs = DetailCosts()
    costs.heap = 0.02
    schedule.spent(.heap, costs: costs, startedAt: 0)
    // 20 ms against 5 ms a second of credit: nothing may start for about three seconds.
    #expect(schedule.tier(at: 1) == [])
    #expect(schedule.tier(at: 2.5) == [])
    #expect(!schedule.tier(at: 3.5).isEmpty)
  }

  @Test("without smaps_rollup the heap read (an smaps walk) has the whole budget")
  func noRollup() {
    let schedule = DetailSchedule(fraction: 0.01, hasRollup: false)
    #expect(schedule.heap.fraction == 0.01)
    #expect(schedule.rollup.fraction == 0)
    #expect(schedule.tier(at: 0) == .heap)
    #expect(schedule.rollupCadence(heapSource: .smaps).source == schedule.heapCadence(source: .smaps).source)
  }
}
