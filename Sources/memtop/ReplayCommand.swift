import ArgumentParser
import MemtopCore
import MemtopSystem
import MemtopTUI

/// `memtop replay`: open a recording in the interactive view.
struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Open a CSV recording in the interactive view: charts, zoom, markers and the analyzer's verdict.",
    discussion: """
      The view opens paused on the whole recording; zoom with + and -, scroll with the arrow \
      keys, add markers with m, and export the visible time window with e. The verdict is the \
      one memtop analyze gives on the file.
      """
  )

  @Argument(
    help: ArgumentHelp("The recording to replay (CSV written by memtop record or exported with e).", valueName: "file"),
    completion: .file(extensions: ["csv"]))
  var file: String

  @OptionGroup var limit: LimitOptions

  @OptionGroup var view: ViewOptions

  func run() throws {
    let samples = try RecordingFile.load(file, note: printError)
    guard Syscalls.isTerminal(1) else {
      throw UserFacingError(
        message:
          "standard output is not a terminal, so the replay cannot be shown; to judge the file without it use memtop analyze FILE",
        status: ExitStatus.usage)
    }
    var config = MonitorConfiguration(
      target: .replay(path: file, samples: samples), interval: 1, theme: view.theme, themesDir: view.themesDir,
      ascii: view.ascii)
    config.replayLimitBytes = limit.memoryLimit?.bytes
    try runView(config)
  }
}
