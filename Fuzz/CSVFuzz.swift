import Foundation
import MemtopAnalysis
import MemtopExport
import MemtopFormat
import MemtopSampling
import MemtopStore
import MemtopSystem

/// libFuzzer entry for a recording's whole path: any bytes must give a `file:line` error, or
/// samples that `analyze` (text and JSON), `plot` (SVG) and `replay` (chart models, the live
/// analyzer) all handle without a crash. The parser alone was fuzzed 10⁶ times and never
/// reached the conversions that trapped further down.
///
/// The bytes are also fed in two pieces, as the streaming reader gets them from a file, and
/// must give the same rows as one whole read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let samples: [MemorySample]
  do {
    samples = try RecordingReader(path: "fuzz.csv").read(bytes)
  } catch {
    // The message must name the file; a crash building it would be a bug too.
    precondition(error.description.hasPrefix("fuzz.csv"))
    return 0
  }
  checkStreaming(bytes, against: samples)
  let main = RecordingReader.mainSeries(samples)
  guard !main.isEmpty else { return 0 }

  // analyze: the report as text and JSON, with and without a limit.
  let timeline = Timeline(main)
  for limit in [nil, MemoryLimit(bytes: 1 << 20, source: .user)] {
    let analysis = RecordingAnalysis(timeline: timeline, limit: limit)
    _ = analysis.reportText(path: "fuzz.csv")
    _ = try? JSONEncoder().encode(analysis.report)
    // plot: the SVG.
    _ = RecordingChart(timeline: timeline, analysis: analysis, title: "fuzz.csv").svg()
  }

  // replay: the chart models of the whole recording and of a zoomed window, and the live
  // analyzer run once over every sample.
  let first = timeline.elapsed[0]
  let last = timeline.elapsed[timeline.count - 1]
  for (metric, role) in [(Metric.rss, ColorRole.chartRSS), (.heap, .chartHeap), (.anon, .chartAnon)] {
    for (start, end) in [(first, last), (last - 60, last), (first, first + 1e-9)] {
      let model = ChartModel(
        timeline: timeline, metric: metric, title: metric.label, role: role, start: start, end: end, interval: 1,
        extremes: (nil, timeline.maximum(metric)))
      _ = model.columns(80)
      _ = model.columns(1)
    }
  }
  var live = LiveAnalysis(evaluateEvery: .max)
  for sample in main { live.append(sample, limitBytes: nil) }
  live.evaluate(limitBytes: 1e9)
  for result in live.results {
    if let result { _ = ByteFormat.rate(bytesPerSecond: result.slopeBytesPerSecond) }
  }
  return 0
}

/// Parses `bytes` in two pieces split where the first byte says, carrying the unparsed tail
/// over as the file reader does, and checks the rows match `whole`.
private func checkStreaming(_ bytes: UnsafeBufferPointer<UInt8>, against whole: [MemorySample]) {
  guard let firstByte = bytes.first else { return }
  let split = bytes.count * Int(firstByte) / 256
  var parser = RecordingRowParser(path: "fuzz.csv")
  var rows: [MemorySample] = []
  var buffer = Array(bytes[..<split])
  do {
    let used = try buffer.withUnsafeBufferPointer { piece throws(CSVReadError) in
      try parser.parse(piece, atEnd: false) { sample throws(CSVReadError) in rows.append(sample) }
    }
    buffer.removeFirst(used)
    buffer += bytes[split...]
    _ = try buffer.withUnsafeBufferPointer { piece throws(CSVReadError) in
      try parser.parse(piece, atEnd: true) { sample throws(CSVReadError) in rows.append(sample) }
    }
  } catch {
    preconditionFailure("a whole read succeeded but a read in two pieces failed: \(error)")
  }
  precondition(rows.count == whole.count, "\(rows.count) rows in two pieces, \(whole.count) whole")
  for (a, b) in zip(rows, whole) {
    precondition(a.elapsed == b.elapsed && a.pid == b.pid && a.rss == b.rss && a.marker == b.marker)
  }
}
