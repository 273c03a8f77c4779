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

  @Argument(
    help: ArgumentHelp("The recording to analyze (CSV).", valueName: "file"), completion: .file(extensions: ["csv"]))
  var file: String

  @Flag(name: .long, help: "Print one JSON object instead of the human report.")
  var json = false

  @OptionGroup var limit: LimitOptions

  @Flag(name: .long, help: "Exit with status 10 when a leak is found.")
  var failOnLeak = false

  func run() throws {
    // Streamed into the main series alone (bounded memory whatever the file's size); a
    // process tree's recording is read whole, so each process's own rows are judged too.
    let timeline = try RecordingFile.loadMainSeries(file, note: printError)
    let judged = try RecordingFile.verdict(file, mainSeries: timeline, limit: limit.memoryLimit, note: printError)
    // Python evidence beside the file joins the verdict; the report is the leaking member's.
    let (verdict, python) = PythonRecording.judged(
      besideCSV: file, timeline: timeline, verdict: judged, note: printError)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let document = AnalyzeDocument(verdict: VerdictReport(verdict), python: python)
      let text = String(decoding: try encoder.encode(document), as: UTF8.self)
      print(text)
    } else {
      print(verdict.reportText(path: file), terminator: "")
      if let python { print(python.reportText, terminator: "") }
    }
    if failOnLeak && verdict.verdict == .leak {
      throw ExitWith(status: ExitStatus.leak)
    }
  }
}
