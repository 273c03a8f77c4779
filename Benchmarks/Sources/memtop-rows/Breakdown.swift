// Where a row's bytes go (--breakdown): each part a row is made of, built for every process
// on its own and fed the same simulated seconds, measured as the heap bytes in use that it
// adds (glibc's mallinfo2 `uordblks`: chunk sizes, their headers included), per row.
import CMalloc
import MemtopAnalysis
import MemtopCore
import MemtopSampling
import MemtopTrend

/// Heap bytes in use now.
func heapInUse() -> Int { Int(mallinfo2().uordblks) }

/// One part measured along the run: its heap bytes per row at each mark.
struct PartCost {
  var name: String
  var bytesPerRow: [Int: Double] = [:]
}

/// Feeds `count` copies of a part `seconds` simulated seconds (`step(part, process, second)`)
/// and records the heap it adds per copy at each of `marks`.
func measure<Part>(
  _ name: String, count: Int, seconds: Int, marks: Set<Int>, make: (Int) -> Part,
  step: (inout Part, Int, Int) -> Void
) -> PartCost {
  var cost = PartCost(name: name)
  let before = heapInUse()
  var parts = (0..<count).map(make)
  for t in 1...seconds {
    for i in 0..<count { step(&parts[i], i, t) }
    if marks.contains(t) { cost.bytesPerRow[t] = Double(heapInUse() - before) / Double(count) }
  }
  withExtendedLifetime(parts) {}
  return cost
}

/// The parts of a row measured one by one, then the table's rows whole (over `proc`), for
/// the idle and the changing processes of the run.
func breakdown(
  count: Int, seconds: Int, marks: Set<Int>, procRoot: String, pages: (Int, Int) -> Int,
  write: (Int, Int) throws -> Void
) throws -> [PartCost] {
  /// RSS of process `i` at second `t`, bytes, as the table reads it.
  func rss(_ i: Int, _ t: Int) -> UInt64 { UInt64(pages(i, t)) * 4096 }
  func rowAnalysis(_ i: Int) -> LiveAnalysis {
    // As ProcessOverview makes a row's (its raw readings: the young-series count, 60).
    LiveAnalysis(
      metrics: [.rss], evaluateEvery: ProcessOverview.evaluateEveryTicks, rawCapacity: 60,
      maxFloorPoints: ProcessOverview.floorPoints, phase: 100_000 + i, skipsUnchanged: true)
  }
  func rowPyramid(_ i: Int) -> FloorPyramid {
    // As LiveAnalysis makes a row's (8 levels: its rowPyramidLevels).
    FloorPyramid(capacity: ProcessOverview.floorPoints, slack: 1, maxLevels: 8, lazy: true, compact: true)
  }
  let changingRow = 0  // a slow leak: its RSS moves every fourth second
  let idleRow = count  // past the changing share: constant
  var parts: [PartCost] = []
  for (kind, row) in [("changing", changingRow), ("idle", idleRow)] {
    parts.append(
      measure("pyramid, \(kind)", count: count, seconds: seconds, marks: marks, make: rowPyramid) { p, _, t in
        p.append(time: Double(t), value: Double(rss(row, t)))
      })
    parts.append(
      measure(
        "analysis (its pyramid included), \(kind)", count: count, seconds: seconds, marks: marks, make: rowAnalysis
      ) {
        a, _, t in
        a.append(MemorySample(timeUnix: 0, elapsed: Double(t), pid: 1, rss: rss(row, t)), limitBytes: nil)
      })
  }
  parts.append(
    measure(
      "sparkline (60 s of times and values)", count: count, seconds: seconds, marks: marks,
      make: { _ in (times: [Double](), values: [Double]()) }
    ) { s, i, t in
      // As a row keeps them: appended, those older than the window dropped from the front.
      s.times.append(Double(t))
      s.values.append(Double(rss(i, t)))
      var drop = 0
      while drop < s.times.count - 1 && s.times[drop] < Double(t) - 60 { drop += 1 }
      if drop > 0 {
        s.times.removeFirst(drop)
        s.values.removeFirst(drop)
      }
    })
  // The table's rows whole, all idle then the run's share changing; and without kept samplers.
  for (name, changing, descriptors) in [
    ("table rows, all idle", false, nil), ("table rows, all idle, no sampler kept", false, 0),
    ("table rows, all changing", true, nil),
  ] as [(String, Bool, Int?)] {
    for i in 0..<count { try write(i, changing ? pages(i % 3, 1) : 2500) }
    var cost = PartCost(name: name)
    let before = heapInUse()
    var overview: ProcessOverview? = ProcessOverview(procRoot: procRoot, window: 60, descriptorLimit: descriptors)
    for t in 1...seconds {
      // Every process changing: each takes the shape of one of the three kinds.
      if changing { for i in 0..<count where pages(i % 3, t) != pages(i % 3, t - 1) { try write(i, pages(i % 3, t)) } }
      overview?.refresh(now: Double(t))
      if marks.contains(t) { cost.bytesPerRow[t] = Double(heapInUse() - before) / Double(count) }
    }
    overview = nil
    parts.append(cost)
  }
  return parts
}
