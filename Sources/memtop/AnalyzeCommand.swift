import ArgumentParser
import Foundation
import MemtopCore

/// `memtop analyze`: judge a recording for leaks.
struct AnalyzeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract: "Tell whether a recording shows a leak (RSS, anon and heap).",
    discussion: """
      Reads a CSV recording made by memtop record (or exported from the interactive view) and \
      prints a verdict per metric: leak, plateau, stable, shrinking or insufficient-data, with \
      the growth rate, its 95 % interval and, given --limit, the time until the limit is reached.
      """
  )

  @Argument(help: ArgumentHelp("The recording to analyze (CSV).", valueName: "file"), completion: .file(extensions: ["csv"]))
  var file: String

  @Flag(name: .long, help: "Print one JSON object instead of the human report.")
  var json = false

  @Option(name: .long, help: ArgumentHelp("Memory limit to project against, e.g. 2G or 512M.", valueName: "size"))
  var limit: String?

  @Flag(name: .long, help: "Exit with status 10 when a leak is found.")
  var failOnLeak = false

  func validate() throws {
    if let limit, Validation.parseLimit(limit) == nil {
      throw ValidationError(Validation.badLimit(limit))
    }
  }

  func run() throws {
    let timeline = try RecordingFile.loadMainSeries(file)
    let limitBytes = limit.flatMap(Validation.parseLimit).map { MemoryLimit(bytes: $0, source: .user) }
    let analysis = RecordingAnalysis(timeline: timeline, limit: limitBytes)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let text = String(decoding: try encoder.encode(analysis.report), as: UTF8.self)
      print(text)
    } else {
      print(analysis.reportText(path: file), terminator: "")
    }
    if failOnLeak && analysis.verdict == .leak {
      throw ExitWith(status: ExitStatus.leak)
    }
  }
}
