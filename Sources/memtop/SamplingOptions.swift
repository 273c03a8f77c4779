import ArgumentParser

/// How often to sample and how much the detailed reads (heap, PSS, USS) may cost, shared by the
/// live view and `record` (shown under SAMPLING in their help).
struct SamplingOptions<Wording: OptionWording>: ParsableArguments {
  @Option(name: [.customShort("i"), .long], help: ArgumentHelp(Wording.interval, valueName: "seconds"))
  var interval: Double?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Percent of one core the detailed reads (heap, PSS, USS) may use; 0 turns them off.", valueName: "percent"))
  var budget: Double = 1

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Milliseconds per second the detailed reads may stall the target (they hold its memory lock); 0 removes the cap.",
      valueName: "ms"))
  var maxStall: Double = 5

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Seconds after which the detailed reads are repeated though the target's memory did not move (they follow its changes otherwise), doubling to 4× while those reads find nothing new; 0 reads them as often as the budget allows.",
      valueName: "seconds"))
  var detailMaxAge: Double = 60

  func validate() throws {
    try Validation.budget(budget)
    try Validation.maxStall(maxStall)
    try Validation.detailMaxAge(detailMaxAge)
  }

  /// The budget as a share of one core (0.01 = 1 %).
  var fraction: Double { budget / 100 }
  /// The stall cap in seconds per second.
  var stallSecondsPerSecond: Double { maxStall / 1000 }
}

/// The live view's `-d`, htop's way to say the interval; shown under SAMPLING beside
/// `--interval` (the command checks the two together).
struct DelayOption: ParsableArguments {
  @Option(
    name: [.customShort("d"), .long],
    help: ArgumentHelp("Delay between samples in tenths of a second, as in htop (-d 10 = 1 s).", valueName: "tenths"))
  var delay: Double?
}

/// `record`'s `--duration`, shown under SAMPLING (the command checks it).
struct DurationOption: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Stop after this many seconds (default: until the process exits or a signal arrives).", valueName: "seconds"))
  var duration: Double?
}
