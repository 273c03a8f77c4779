import ArgumentParser
import MemtopCore
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

  @Argument(help: ArgumentHelp("The recording to replay (CSV written by memtop record or exported with e).", valueName: "file"))
  var file: String

  @Option(name: .long, help: ArgumentHelp("Memory limit the verdict projects against, e.g. 2G (as memtop analyze --limit).", valueName: "size"))
  var limit: String?

  @Option(name: .long, help: ArgumentHelp("Theme name (default, light, high-contrast, monochrome) or path to a .theme file (memtop or btop format).", valueName: "name|path"))
  var theme: String?

  @Option(name: .long, help: ArgumentHelp("Folder searched first for --theme NAME.theme.", valueName: "dir"))
  var themesDir: String?

  @Flag(name: .long, help: "Draw with ASCII characters only (also used when the locale is not UTF-8).")
  var ascii = false

  func validate() throws {
    if let limit, Validation.parseLimit(limit) == nil {
      throw ValidationError(Validation.badLimit(limit))
    }
  }

  func run() throws {
    let samples = try RecordingFile.load(file)
    guard Syscalls.isTerminal(1) else {
      throw UserFacingError(message: "standard output is not a terminal, so the replay cannot be shown; to judge the file without it use memtop analyze FILE", status: ExitStatus.usage)
    }
    var config = MonitorConfiguration(
      target: .replay(path: file, samples: samples), interval: 1, theme: theme, themesDir: themesDir, ascii: ascii)
    config.replayLimitBytes = limit.flatMap(Validation.parseLimit)
    let status: Int32
    do {
      status = try MonitorApp.run(config)
    } catch {
      throw UserFacingError(message: error.message, status: error.status)
    }
    if status != 0 { throw ExitWith(status: status) }
  }
}
