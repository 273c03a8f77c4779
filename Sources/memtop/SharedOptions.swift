import ArgumentParser
import MemtopSystem

/// How the interactive view looks: shared by the live view and `replay`.
struct ViewOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Theme name (default, light, high-contrast, monochrome) or path to a .theme file (memtop or btop format).",
      valueName: "name|path"))
  var theme: String?

  @Option(name: .long, help: ArgumentHelp("Folder searched first for --theme NAME.theme.", valueName: "dir"))
  var themesDir: String?

  @Flag(name: .long, help: "Draw with ASCII characters only (also used when the locale is not UTF-8).")
  var ascii = false
}

/// `--limit`: the memory limit a verdict projects against; shared by every subcommand that judges.
struct LimitOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Memory limit to project against, e.g. 2G or 512M (live: default the cgroup limit, else current use + MemAvailable).",
      valueName: "size"))
  var limit: String?

  func validate() throws {
    if let limit, Validation.parseLimit(limit) == nil {
      throw ValidationError(Validation.badLimit(limit))
    }
  }

  /// The limit given, if any.
  var memoryLimit: MemoryLimit? {
    limit.flatMap(Validation.parseLimit).map { MemoryLimit(bytes: $0, source: .user) }
  }
}

/// `--force`: replace existing output files (never done without it).
struct ForceOption: ParsableArguments {
  @Flag(name: .long, help: "Replace an existing output file (without it memtop refuses to overwrite one).")
  var force = false
}
