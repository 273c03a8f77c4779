import Benchmark
import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopSampling
import MemtopStore
import MemtopSystem
import MemtopTUI
import MemtopTrend

/// The `/proc` captures the parser tests use (real files from Linux 6.18).
let captures = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("Tests/MemtopCoreTests/Fixtures/captures")

func capture(_ process: String, _ file: String) -> [UInt8] {
  guard let data = FileManager.default.contents(atPath: captures.appendingPathComponent("\(process)/\(file)").path)
  else {
    fatalError("missing capture \(process)/\(file) under \(captures.path)")
  }
  return [UInt8](data)
}

/// A leaking series with garbage-collector sawtooth, page-quantised: `count` samples at 0.1 s.
func leakSamples(_ count: Int, pid: Int32 = 7) -> [MemorySample] {
  (0..<count).map { i in
    let t = Double(i) * 0.1
    let v = UInt64((300e6 + 20_000 * t + Double(i % 40) * 250_000) / 4096) * 4096
    return MemorySample(
      timeUnix: 1_764_000_000 + t, elapsed: t, pid: pid, rss: v, anon: v - 50 << 20, file: 40 << 20, shmem: 0,
      swap: 0, heap: v - 80 << 20, brkHeap: 2 << 20, peakRSS: v)
  }
}

let benchmarks: @Sendable () -> Void = {
  // Microsecond work runs 1,000 times per measurement (results are per iteration): the
  // harness's own cost per measurement is ~10 µs and would otherwise swamp it.
  let quick = Benchmark.Configuration(
    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(2),
    maxIterations: 10_000)
  let slowRead = Benchmark.Configuration(
    metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 10_000)
  let heavy = Benchmark.Configuration(
    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(10),
    maxIterations: 20)

  // MARK: - Parsers, on the captures of a 100 MiB Python process

  for file in ["status", "statm", "stat", "smaps_rollup", "smaps"] {
    let bytes = capture("python100m", file)
    Benchmark("parse \(file) (python100m)", configuration: file == "smaps" ? slowRead : quick) { benchmark in
      bytes.withUnsafeBufferPointer { buffer in
        for _ in benchmark.scaledIterations {
          switch file {
          case "status": blackHole(try? ProcStatus.parse(buffer))
          case "statm": blackHole(try? ProcStatm.parse(buffer, pageSize: 4096))
          case "stat": blackHole(try? ProcStat.parse(buffer))
          case "smaps_rollup": blackHole(try? MemoryRollup.parse(buffer))
          default: blackHole(try? SmapsSummary.parse(buffer))
          }
        }
      }
    }
  }

  // MARK: - Reading a live process (this one)

  // This process by default; MEMTOP_BENCH_PID=PID reads another one (e.g. a small idle
  // process, as the peer comparison's C loop does).
  let pid = ProcessInfo.processInfo.environment["MEMTOP_BENCH_PID"].flatMap { Int32($0) } ?? getpid()
  Benchmark("sample: tier 1 (status, kept open)", configuration: quick) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid) else { fatalError("cannot open own /proc entry") }
    let sampler = Sampler(handle: handle, clock: SystemClock(), detailBudget: 0, startMonotonic: 0)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(sampler.sample()) }
  }
  Benchmark("read: status pread alone (the floor for tier 1)", configuration: quick) { benchmark in
    // The syscall a C loop makes each tick, with nothing parsed: what tier 1 is measured against.
    guard let fd = try? Syscalls.openReadOnly("/proc/\(pid)/status") else { fatalError("cannot open own status") }
    var buffer = [UInt8](repeating: 0, count: 8192)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      buffer.withUnsafeMutableBytes { raw in
        guard let base = raw.baseAddress else { return }
        blackHole(try? Syscalls.pread(fd, base, count: raw.count, offset: 0))
      }
    }
    benchmark.stopMeasurement()
    Syscalls.close(fd)
  }
  Benchmark("read: statm (kept open)", configuration: quick) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid) else { fatalError("cannot open own /proc entry") }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.readStatm()) }
  }
  Benchmark("read: heap by PROCMAP_QUERY+PAGEMAP_SCAN", configuration: slowRead) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid), handle.heapSource == .ioctl else { return }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.readHeap()) }
  }
  Benchmark("read: heap and kinds by PROCMAP_QUERY+PAGEMAP_SCAN", configuration: slowRead) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid), handle.heapSource == .ioctl else { return }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.readRegions()) }
  }
  Benchmark("read: open descriptors (getdents64)", configuration: quick) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid) else { fatalError("cannot open own /proc entry") }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.countFileDescriptors()) }
  }
  Benchmark("read: heap by smaps", configuration: slowRead) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid) else { fatalError("cannot open own /proc entry") }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.readSmaps()) }
  }
  Benchmark("read: smaps_rollup", configuration: slowRead) { benchmark in
    guard let handle = try? ProcessHandle(pid: pid) else { fatalError("cannot open own /proc entry") }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { blackHole(try? handle.readRollup()) }
  }

  // MARK: - One frame of the live view

  Benchmark("render: 200x50 frame, an hour of 1 s samples", configuration: slowRead) { benchmark in
    var timeline = Timeline()
    var analysis = LiveAnalysis()
    var extremes = Extremes()
    for var sample in leakSamples(3600) {
      sample.elapsed *= 10
      timeline.append(sample)
      analysis.append(sample, limitBytes: nil)
      extremes.add(sample)
    }
    let session = SessionInfo(pid: 7, name: "bench", interval: 1)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      let model = ScreenModel(
        timeline: timeline, session: session, ui: UIState(), analysis: analysis, extremes: extremes,
        themeName: "default", mode: .braille)
      var buffer = CellBuffer(width: 200, height: 50)
      Screen.draw(model, into: &buffer)
      blackHole(buffer)
    }
  }

  // MARK: - Analysis

  for count in [10_000, 100_000, 1_000_000] {
    Benchmark("analyze: RSS series of \(count) samples", configuration: heavy) { benchmark in
      let series = Timeline(leakSamples(count)).series(.rss)
      let analyzer = TrendAnalyzer()
      benchmark.startMeasurement()
      for _ in benchmark.scaledIterations { blackHole(analyzer.analyze(series, label: "RSS")) }
    }
  }

  // MARK: - CSV, 10^6 rows

  let csvPath = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-bench-\(getpid()).csv").path
  let million = leakSamples(1_000_000)
  /// Writes the million rows as a recording does: flushed in batches.
  @Sendable func writeMillion() {
    guard let writer = try? CSVFileWriter(path: csvPath) else { fatalError("cannot write \(csvPath)") }
    for (i, sample) in million.enumerated() {
      writer.append(sample)
      if i % 10_000 == 9_999 { try? writer.flush() }
    }
    try? writer.finish()
  }
  Benchmark("csv: write 1,000,000 rows", configuration: heavy) { benchmark in
    for _ in benchmark.scaledIterations { writeMillion() }
  }
  Benchmark("csv: read 1,000,000 rows", configuration: heavy) { benchmark in
    // Benchmarks run in name order, so the file is written here rather than relied upon.
    writeMillion()
    guard let data = FileManager.default.contents(atPath: csvPath) else { fatalError("cannot read \(csvPath)") }
    let bytes = [UInt8](data)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      bytes.withUnsafeBufferPointer { blackHole(try? RecordingReader(path: csvPath).read($0)) }
    }
  }
}
