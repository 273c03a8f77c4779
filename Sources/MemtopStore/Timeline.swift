import MemtopSampling
import MemtopTrend

/// The history of one recording, independent of any screen: every sample, in order.
///
/// Stored column by column (8 bytes per value, `UInt64.max` marking an absent value), so
/// one metric's series can be handed to the analyzer without touching the others. A column
/// no sample has a value for takes no memory: it is created at its first value.
///
/// A timeline with a ``capacity`` (the live view's) stays bounded however long it runs: past
/// the capacity it keeps every second sample, then every fourth, and so on (``stride``), the
/// whole history evenly thinned so its spacing stays uniform (no false gaps); each kept slot
/// holds the latest of the samples it stands for, and keeps their markers.
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
  /// The command line a lifetime's first sample carries, by sample index (untrusted text).
  package private(set) var commands: [Int: String] = [:]
  /// Each sample's process start time in clock ticks (`UInt64.max` when unknown).
  private var startTicks: [UInt64] = []
  /// Each sample's count of summed processes (a tree's total), or -1 for one process.
  private var processCounts: [Int32] = []

  /// Most samples kept (nil: every sample, as for a file read back).
  public let capacity: Int?
  /// How many samples each slot stands for (1 until the capacity is first reached).
  public private(set) var stride = 1
  /// Samples taken into the latest slot.
  private var slotFill = 0

  public init() {
    capacity = nil
  }

  /// Creates an empty timeline that keeps at most `capacity` samples (at least 2).
  public init(capacity: Int) {
    self.capacity = max(capacity, 2)
  }

  /// Creates a timeline holding `samples`.
  public init(_ samples: some Sequence<MemorySample>) {
    capacity = nil
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
    if stride > 1, slotFill < stride, let last = pids.last, last == sample.pid,
      startTicks(at: count - 1) == (sample.startTicks ?? Self.absent)
    {
      // The latest slot stands for several samples: it takes this one's values.
      replaceLast(with: sample)
      slotFill += 1
      return
    }
    // Growing by doubling, the columns would pass the capacity (the row past it triggers the
    // thinning) at up to twice its size, for good: half-way there they get room for exactly
    // the capacity and that one row.
    if let capacity, count == capacity / 2 { reserveAllColumns(capacity + 1) }
    appendSlot(sample)
    slotFill = 1
    if let capacity, count > capacity { halve() }
  }

  /// Makes room for `rows` samples in every column, those still empty included (their first
  /// value reserves as many rows as the times hold).
  private mutating func reserveAllColumns(_ rows: Int) {
    reserveCapacity(rows)
    for c in columns.indices where !columns[c].isEmpty { columns[c].reserveCapacity(rows) }
    if !startTicks.isEmpty { startTicks.reserveCapacity(rows) }
  }

  private mutating func appendSlot(_ sample: MemorySample) {
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
    Self.append(sample.regionBrkHeap, to: &columns[11], at: index, capacity: capacity)
    Self.append(sample.regionMallocArenas, to: &columns[12], at: index, capacity: capacity)
    Self.append(sample.regionThreadStacks, to: &columns[13], at: index, capacity: capacity)
    Self.append(sample.regionOtherAnon, to: &columns[14], at: index, capacity: capacity)
    Self.append(sample.regionShmem, to: &columns[15], at: index, capacity: capacity)
    Self.append(sample.regionFile, to: &columns[16], at: index, capacity: capacity)
    Self.append(sample.threads, to: &columns[17], at: index, capacity: capacity)
    Self.append(sample.fds, to: &columns[18], at: index, capacity: capacity)
    Self.append(sample.arenas, to: &columns[19], at: index, capacity: capacity)
    Self.append(sample.observer, to: &columns[20], at: index, capacity: capacity)
    Self.append(sample.detailAge, to: &columns[21], at: index, capacity: capacity)
    Self.append(sample.startTicks, to: &startTicks, at: index, capacity: elapsed.capacity)
    processCounts.append(sample.processes.map { Int32(clamping: $0) } ?? -1)
    if let marker = sample.marker { markers[count - 1] = marker }
    if let command = sample.command { commands[count - 1] = command }
  }

  /// Adds a row as read from a recording, keeping the metrics at `kept` (indices in
  /// `Metric.allCases`); for a timeline without a capacity.
  ///
  /// - Parameters:
  ///   - values: each metric's value in `Metric.allCases` order, `UInt64.max` when absent.
  ///   - startTicks: the process start time in clock ticks, `UInt64.max` when unknown.
  ///   - processes: a tree total's count of processes, or -1 on a row of one process.
  package mutating func appendRow(
    elapsed rowElapsed: Double, timeUnix rowTime: Double, pid: Int32, values: UnsafePointer<UInt64>, kept: [Int],
    startTicks rowStart: UInt64, processes: Int32, marker: String?, command: String?
  ) {
    elapsed.append(rowElapsed)
    timeUnix.append(rowTime)
    pids.append(pid)
    let index = elapsed.count - 1
    let capacity = elapsed.capacity
    for c in kept {
      let value = values[c]
      if columns[c].isEmpty {
        if value == Self.absent { continue }
        Self.append(value, to: &columns[c], at: index, capacity: capacity)
      } else {
        columns[c].append(value)
      }
    }
    if startTicks.isEmpty {
      if rowStart != Self.absent { Self.append(rowStart, to: &startTicks, at: index, capacity: capacity) }
    } else {
      startTicks.append(rowStart)
    }
    processCounts.append(processes)
    if let marker { markers[index] = marker }
    if let command { commands[index] = command }
  }

  /// Removes every sample (of a timeline without a capacity), keeping the memory if asked.
  package mutating func removeAll(keepingCapacity keep: Bool) {
    elapsed.removeAll(keepingCapacity: keep)
    timeUnix.removeAll(keepingCapacity: keep)
    pids.removeAll(keepingCapacity: keep)
    for c in columns.indices { columns[c].removeAll(keepingCapacity: keep) }
    startTicks.removeAll(keepingCapacity: keep)
    processCounts.removeAll(keepingCapacity: keep)
    markers.removeAll()
    commands.removeAll()
  }

  /// Adds every sample of `other` at the end (both without a capacity).
  public mutating func append(contentsOf other: Timeline) {
    guard !other.isEmpty else { return }
    let offset = count
    let total = offset + other.count
    let capacity = Swift.max(elapsed.capacity, total)
    elapsed.append(contentsOf: other.elapsed)
    timeUnix.append(contentsOf: other.timeUnix)
    pids.append(contentsOf: other.pids)
    for c in columns.indices {
      Self.append(other.columns[c], to: &columns[c], offset: offset, count: other.count, capacity: capacity)
    }
    Self.append(other.startTicks, to: &startTicks, offset: offset, count: other.count, capacity: capacity)
    processCounts.append(contentsOf: other.processCounts)
    for (index, marker) in other.markers { markers[index + offset] = marker }
    for (index, command) in other.commands { commands[index + offset] = command }
  }

  /// Appends the `count` rows of `tail` (empty: all absent) after the `offset` rows of `column`.
  private static func append(
    _ tail: [UInt64], to column: inout [UInt64], offset: Int, count: Int, capacity: Int
  ) {
    if tail.isEmpty {
      if !column.isEmpty { column.append(contentsOf: repeatElement(absent, count: count)) }
      return
    }
    if column.isEmpty {
      column.reserveCapacity(capacity)
      column.append(contentsOf: repeatElement(absent, count: offset))
    }
    column.append(contentsOf: tail)
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

  /// Sets row `index` of a column that may still be empty (no value yet).
  private static func set(_ value: UInt64?, in column: inout [UInt64], at index: Int) {
    if column.isEmpty {
      guard value != nil else { return }
      column = Array(repeating: absent, count: index + 1)
    }
    column[index] = value ?? absent
  }

  private mutating func replaceLast(with sample: MemorySample) {
    let last = count - 1
    elapsed[last] = sample.elapsed
    timeUnix[last] = sample.timeUnix
    for (i, metric) in Metric.allCases.enumerated() {
      Self.set(sample[metric], in: &columns[i], at: last)
    }
    Self.set(sample.startTicks, in: &startTicks, at: last)
    processCounts[last] = sample.processes.map { Int32(clamping: $0) } ?? -1
    if let marker = sample.marker { markers[last] = markers[last].map { $0 + "; " + marker } ?? marker }
  }

  /// Keeps every second slot (the later of each pair, with both markers): half the samples,
  /// twice the stride. A pair that straddles two lifetimes keeps both.
  private mutating func halve() {
    var keep: [Int] = []
    keep.reserveCapacity(count / 2 + 1)
    var merged: [Int: String] = [:]
    var mergedCommands: [Int: String] = [:]
    var lastPaired = false
    var i = 0
    while i < count {
      if i + 1 < count && !startsLifetime(i + 1) {
        lastPaired = i + 1 == count - 1
        let texts = [markers[i], markers[i + 1]].compactMap { $0 }
        if !texts.isEmpty { merged[keep.count] = texts.joined(separator: "; ") }
        if let command = commands[i] ?? commands[i + 1] { mergedCommands[keep.count] = command }
        keep.append(i + 1)
        i += 2
      } else {
        if let text = markers[i] { merged[keep.count] = text }
        if let command = commands[i] { mergedCommands[keep.count] = command }
        keep.append(i)
        lastPaired = false
        i += 1
      }
    }
    // Compacted in place: thinning allocates nothing, so memory stays flat.
    for (slot, index) in keep.enumerated() {
      elapsed[slot] = elapsed[index]
      timeUnix[slot] = timeUnix[index]
      pids[slot] = pids[index]
      if !startTicks.isEmpty { startTicks[slot] = startTicks[index] }
      processCounts[slot] = processCounts[index]
    }
    for c in columns.indices where !columns[c].isEmpty {
      for (slot, index) in keep.enumerated() { columns[c][slot] = columns[c][index] }
      columns[c].removeLast(columns[c].count - keep.count)
    }
    let dropped = elapsed.count - keep.count
    elapsed.removeLast(dropped)
    timeUnix.removeLast(dropped)
    pids.removeLast(dropped)
    if !startTicks.isEmpty { startTicks.removeLast(dropped) }
    processCounts.removeLast(dropped)
    markers = merged
    commands = mergedCommands
    // The latest slot goes on filling up to the new stride: every slot stands for as many
    // samples, so the spacing stays even.
    slotFill = lastPaired ? stride + slotFill : slotFill
    stride *= 2
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

  /// Elapsed seconds of the rows marked as the observer's own edges (a Python tracing window
  /// opening or closing), in order.
  public var observerEdges: [Double] {
    markers.filter { $0.value.contains(MemorySample.observerEdgeMarker) }.map { elapsed[$0.key] }.sorted()
  }

  /// The rows of the last sample's process lifetime (its pid and start time), wherever they
  /// are (two processes recorded into one file may interleave row by row), and how many other
  /// lifetimes the timeline holds. `rows` is nil when every row belongs to the last lifetime.
  /// Rows before an exec in the lifetime's first ``MemorySample/startupExecSeconds`` (a row
  /// naming a new command line) are a launcher's, not the program's: left out.
  package func lastLifetime() -> (rows: [Int]?, others: Int) {
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
    // A launcher's exec into the program in the lifetime's first seconds (a pyenv shim, `env`,
    // a shell script): the series starts at the program's own exec.
    // (A row naming the command line it already had, as a tree's member rows do, is no exec.)
    let lifetime = mixed ? rows : Array(0..<count)
    var from: Int?
    var named = lifetime.first.flatMap { commands[$0] }
    for (position, i) in lifetime.enumerated().dropFirst() {
      guard elapsed[i] - elapsed[lifetime[0]] <= MemorySample.startupExecSeconds else { break }
      if let command = commands[i], command != named {
        from = position
        named = command
      }
    }
    if let from { return (Array(lifetime[from...]), others.count) }
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

  /// The command line of the last sample's process: the latest one a sample of its lifetime
  /// carried (nil when the recording has none, as before the `command` column).
  package var lastCommand: String? {
    guard let last = pids.indices.last else { return nil }
    var index = last
    while index >= 0 {
      if let command = commands[index] { return command }
      if startsLifetime(index) { return nil }
      index -= 1
    }
    return nil
  }

  /// Sample `index` rebuilt as a value.
  public subscript(index: Int) -> MemorySample {
    var sample = MemorySample(timeUnix: timeUnix[index], elapsed: elapsed[index], pid: pids[index])
    for metric in Metric.allCases { sample[metric] = value(metric, at: index) }
    sample.marker = markers[index]
    sample.command = commands[index]
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
