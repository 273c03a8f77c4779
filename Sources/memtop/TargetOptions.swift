import ArgumentParser

/// What to watch, shared by the live view and `record` (shown under TARGET in their help): a
/// running process, a name to follow across restarts, and whether its descendants count. A
/// command to launch is each command's own argument after `--`.
struct TargetOptions<Wording: OptionWording>: ParsableArguments {
  @Option(
    name: [.customShort("p"), .long], parsing: .unconditional,
    help: ArgumentHelp(Wording.pid, valueName: "pid"), completion: .processIDs)
  var pid: String?

  @Option(name: .long, help: ArgumentHelp(Wording.followName, valueName: "name"))
  var followName: String?

  @Flag(name: .long, help: ArgumentHelp(Wording.children))
  var children = false

  /// Checks that exactly one target is given with `command` (the arguments after `--`), for
  /// `subcommand`'s messages.
  func check(command: [String], subcommand: String) throws {
    try Validation.target(pid: pid, command: command, subcommand: subcommand, followName: followName)
  }

  /// Whether a target is named at all (a process, a name or a command).
  func names(command: [String]) -> Bool {
    pid != nil || followName != nil || !command.isEmpty
  }
}
