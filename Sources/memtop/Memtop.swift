import ArgumentParser

@main
struct Memtop: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memtop",
    abstract: "A live memory monitor for Linux processes."
  )
}
