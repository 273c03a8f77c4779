import ArgumentParser
import MemtopCore
import MemtopExport
import MemtopFormat
import MemtopSystem

/// `memtop plot`: draw a recording as an SVG chart.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Draw a recording as an SVG chart (RSS, heap, anon, markers and the verdict).",
    discussion: """
      Reads a CSV recording made by memtop record (or exported from the interactive view) and \
      writes a self-contained SVG: the three series over time on human-unit axes, markers as \
      dashed lines, and the analyzer's verdict with its rate drawn as a line over the stretch \
      it is based on. View it in a browser or convert it, e.g. rsvg-convert FILE.svg -o FILE.png.
      """
  )

  @Argument(
    help: ArgumentHelp("The recording to draw (CSV).", valueName: "file"), completion: .file(extensions: ["csv"]))
  var file: String

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "SVG file to write, or - for standard output (default: the recording's name with .svg, a new name).",
      valueName: "file"),
    completion: .file(extensions: ["svg"]))
  var outputFile: String?

  /// The SVG path: --output, or the name ``validate()`` chose beside the recording.
  var output: String { outputFile ?? "-" }

  @OptionGroup var limit: LimitOptions

  mutating func validate() throws {
    if outputFile == nil {
      outputFile = DefaultOutput.unusedName(DefaultOutput.plotStem(for: file), extension: "svg")
    }
  }

  func run() throws {
    let timeline = try RecordingFile.loadMainSeries(file, note: printError)
    let limitBytes = limit.memoryLimit
    // The one policy, as analyze and replay judge the file: a member leaking alone is named.
    let judged = try RecordingFile.verdict(file, mainSeries: timeline, limit: limitBytes, note: printError)
    let (verdict, python) = PythonRecording.judged(
      besideCSV: file, timeline: timeline, verdict: judged, note: printError)
    let name = file.split(separator: "/").last.map(String.init) ?? file
    var chart = RecordingChart(timeline: timeline, verdict: verdict, title: name)
    // A --python recording's report goes under the chart.
    if let python {
      let about = python.python.map { ", Python \($0)" } ?? ""
      let evidence = python.evidence.map { ["  verdict evidence: " + $0.sentence] } ?? []
      chart.notes =
        ["Python (\(python.subject)\(about)):"] + evidence + python.lines(maxEach: 5).map { "  " + $0 }
    }
    let svg = chart.svg()
    if output == "-" {
      print(svg, terminator: "")
      return
    }
    do {
      try Syscalls.writeFileAtomically(output, Array(svg.utf8))
    } catch {
      throw UserFacingError(message: RecordingMessages.cannotWrite(output, error))
    }
    printError("\(Sanitizer.terminalSafe(file)) -> \(Sanitizer.terminalSafe(output)) (\(verdict.summary))")
  }
}
