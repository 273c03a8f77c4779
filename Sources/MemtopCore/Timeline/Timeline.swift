/// The history of one recording, independent of any screen: every sample, in order.
///
/// Stored column by column (8 bytes per value, `UInt64.max` marking an absent value), so
/// one metric's series can be handed to the analyzer without touching the others. A column
/// no sample has a value for takes no memory: it is created at its first value.
public struct Timeline: Sendable {
  private static let absent = UInt64.max

  /// Monotonic seconds since the recording started, per sample.
  public private(set) var elapsed: [Double] = []
  /// Seconds since the Unix epoch, per sample.
  public private(set) var timeUnix: [Double] = []
  /// The process each sample came from.
  public private(set) var pids: [Int32] = []
  private var columns: [[UInt64]] = Array(repeating: [], count: Metric.allCases.count)
  /// Markers by sample index.
  public private(set) var markers: [Int: String] = [:]
  /// Each sample's process start time in clock ticks (`UInt64.max` when unknown).
  private var startTicks: [UInt64] = []
  /// Each sample's count of summed processes (a tree's total), or -1 for one process.
  private var processCounts: [Int32] = []

  public init() {}

  /// Creates a timeline holding `samples`.
  public init(_ samples: some Sequence<MemorySample>) {
    for sample in samples { append(sample) }
  }

  /// Makes room for `rows` samples in every column samples have filled so far (and in the
  /// columns every sample has), so a long recording is loaded without copying as it grows.
  public mutating func reserveCapacity(_ rows: Int) {
    elapsed.reserveCapacity(rows)
    timeUnix.reserveCapacity(rows)
    pids.reserveCapacity(rows)
    processCounts.reserveCapacity(rows)
  }

  /// Number of samples.
  public var count: Int { elapsed.count }
  /// Whether there are no samples.
  public var isEmpty: Bool { elapsed.isEmpty }

  /// Adds a sample at the end.
  public mutating func append(_ sample: MemorySample) {
    elapsed.append(sample.elapsed)
    timeUnix.append(sample.timeUnix)
    pids.append(sample.pid)
    let index = elapsed.count - 1
    let capacity = elapsed.capacity
    // In `Metric.allCases` order, spelled out: this runs once per sample of a long file.
    Self.append(sample.rss, to: &columns[0], at: index, capacity: capacity)
    Self.append(sample.anon, to: &columns[1], at: index, capacity: capacity)
    Self.append(sample.heap, to: &columns[2], at: index, capacity: capacity)
    Self.append(sample.file, to: &columns[3], at: index, capacity: capacity)
    Self.append(sample.shmem, to: &columns[4], at: index, capacity: capacity)
    Self.append(sample.swap, to: &columns[5], at: index, capacity: capacity)
    Self.append(sample.brkHeap, to: &columns[6], at: index, capacity: capacity)
    Self.append(sample.peakRSS, to: &columns[7], at: index, capacity: capacity)
    Self.append(sample.pss, to: &columns[8], at: index, capacity: capacity)
    Self.append(sample.uss, to: &columns[9], at: index, capacity: capacity)
    Self.append(sample.swapPss, to: &columns[10], at: index, capacity: capacity)
    Self.append(sample.startTicks, to: &startTicks, at: index, capacity: elapsed.capacity)
    processCounts.append(sample.processes.map { Int32(clamping: $0) } ?? -1)
    if let marker = sample.marker { markers[count - 1] = marker }
  }

  /// Appends `value` as row `index` of a column that stays empty until its first value.
  private static func append(_ value: UInt64?, to column: inout [UInt64], at index: Int, capacity: Int) {
    if column.isEmpty {
      guard let value else { return }
      column.reserveCapacity(Swift.max(index + 1, capacity))
      column.append(contentsOf: repeatElement(absent, count: index))
      column.append(value)
    } else {
      column.append(value ?? absent)
    }
  }

  private func startTicks(at index: Int) -> UInt64 {
    startTicks.isEmpty ? Self.absent : startTicks[index]
  }

  /// Whether the samples are a process tree's totals (`--children`).
  public var isTreeTotal: Bool { processCounts.contains { $0 >= 0 } }

  /// Whether sample `index` comes from another process lifetime than the sample before it:
  /// another pid, or the same pid with another start time (the pid was reused).
  public func startsLifetime(_ index: Int) -> Bool {
    guard index > 0, index < count else { return false }
    if pids[index] != pids[index - 1] { return true }
    let (a, b) = (startTicks(at: index), startTicks(at: index - 1))
    return a != Self.absent && b != Self.absent && a != b
  }

  /// The rows of the last sample's process lifetime (its pid and start time), wherever they
  /// are (two processes recorded into one file may interleave row by row), and how many other
  /// lifetimes the timeline holds. `rows` is nil when every row belongs to the last lifetime.
  public func lastLifetime() -> (rows: [Int]?, others: Int) {
    guard let pid = pids.last else { return (nil, 0) }
    let start = startTicks(at: count - 1)
    struct Key: Hashable { var pid: Int32, start: UInt64 }
    var others = Set<Key>()
    var rows: [Int] = []
    var mixed = false
    for i in 0..<count {
      let s = startTicks(at: i)
      if pids[i] == pid && (s == start || s == Self.absent || start == Self.absent) {
        if mixed { rows.append(i) }
      } else {
        if !mixed {
          mixed = true
          rows = Array(0..<i)
        }
        others.insert(Key(pid: pids[i], start: s))
      }
    }
    return (mixed ? rows : nil, others.count)
  }

  /// Attaches a marker to sample `index` (replacing any it had).
  public mutating func mark(_ index: Int, _ text: String) {
    guard elapsed.indices.contains(index) else { return }
    markers[index] = text
  }

  /// Attaches a marker to the latest sample (replacing any it had).
  public mutating func markLatest(_ text: String) {
    guard !isEmpty else { return }
    markers[count - 1] = text
  }

  /// The value of `metric` at sample `index`, or `nil` when absent.
  public func value(_ metric: Metric, at index: Int) -> UInt64? {
    let column = columns[Self.columnIndex(metric)]
    guard !column.isEmpty else { return nil }
    let raw = column[index]
    return raw == Self.absent ? nil : raw
  }

  /// Sample `index` rebuilt as a value.
  public subscript(index: Int) -> MemorySample {
    var sample = MemorySample(timeUnix: timeUnix[index], elapsed: elapsed[index], pid: pids[index])
    for metric in Metric.allCases { sample[metric] = value(metric, at: index) }
    sample.marker = markers[index]
    let start = startTicks(at: index)
    sample.startTicks = start == Self.absent ? nil : start
    sample.processes = processCounts[index] < 0 ? nil : Int(processCounts[index])
    return sample
  }

  /// One metric over time (elapsed seconds, bytes; absent values as NaN gaps).
  public func series(_ metric: Metric) -> MetricSeries {
    let column = columns[Self.columnIndex(metric)]
    guard !column.isEmpty else { return MetricSeries(times: elapsed, values: Array(repeating: .nan, count: count)) }
    return MetricSeries(times: elapsed, values: column.map { $0 == Self.absent ? .nan : Double($0) })
  }

  /// The largest value of `metric`, if any sample has it.
  public func maximum(_ metric: Metric) -> UInt64? {
    columns[Self.columnIndex(metric)].lazy.filter { $0 != Self.absent }.max()
  }

  private static func columnIndex(_ metric: Metric) -> Int {
    // allCases order is fixed by the enum declaration.
    Metric.allCases.firstIndex(of: metric) ?? 0
  }
}
