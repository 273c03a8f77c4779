import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `record` and `plot` without `-o`: a new file named as mprof would, never an existing one.
@Suite("default output names", .serialized)
struct DefaultOutputTests {
  /// Runs `memtop ARGS` in `dir` (through `sh -c 'cd …; exec …'`: no shell parses the arguments).
  static func run(in dir: String, _ arguments: [String]) throws -> (status: Int32?, stderr: String) {
    let running = try MemtopRunner.spawn(
      ["sh", "-c", "cd \"$0\" && exec \"$@\"", dir, BuiltBinary.memtop] + arguments)
    let status = running.wait(timeout: 120)
    return (status, running.stderr)
  }

  /// `memtop-PID-YYYYMMDD-HHMMSS` for the second `date` falls in, local time.
  static func stem(_ pid: Int32, _ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = .current
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return "memtop-\(pid)-\(formatter.string(from: date))"
  }

  @Test(
    "record -p PID without -o writes memtop-PID-YYYYMMDD-HHMMSS.csv here, says so, and never overwrites a file of that name"
  )
  func recordName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let target = try MemtopRunner.spawn(["sleep", "600"])
    defer { target.signal(SIGKILL) }
    // Files already holding every name of the next minute: each must survive untouched.
    let now = Date()
    var precious: [String] = []
    for second in -2..<60 {
      let name = Self.stem(target.pid, now.addingTimeInterval(Double(second))) + ".csv"
      try "precious\n".write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
      precious.append(name)
    }
    let result = try Self.run(in: dir, ["record", "-p", "\(target.pid)", "--interval", "0.2", "--duration", "1"])
    #expect(result.status == 0, "\(result.stderr)")
    for name in precious {
      #expect(try String(contentsOfFile: dir + "/" + name, encoding: .utf8) == "precious\n", "\(name) was overwritten")
    }
    let made = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !precious.contains($0) }
    #expect(made.count == 1, "\(made)")
    let name = try #require(made.first)
    #expect(name.hasPrefix("memtop-\(target.pid)-") && name.hasSuffix("-2.csv"), "\(name)")
    #expect(result.stderr.contains("no --output given: recording to \(name)"), "\(result.stderr)")
    #expect(result.stderr.contains("-> \(name)"), "\(result.stderr)")
    let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
    #expect(text.hasPrefix("time_unix_s,") && text.split(separator: "\n").count >= 2)
  }

  @Test("record -- COMMAND without -o names the file after the command")
  func recordLaunchName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try Self.run(in: dir, ["record", "--interval", "0.2", "--duration", "1", "--", "/bin/sleep", "30"])
    #expect(result.status == 0, "\(result.stderr)")
    let made = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(made.count == 1 && made[0].hasPrefix("memtop-sleep-") && made[0].hasSuffix(".csv"), "\(made)")
  }

  @Test("plot X.csv without -o writes X.svg beside it, then X-2.svg, never over an existing file")
  func plotName() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let recorded = try MemtopRunner.run([
      "record", "-p", "\(getpid())", "--interval", "0.2", "--duration", "1", "-o", dir + "/run.csv",
    ])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    let first = try Self.run(in: dir, ["plot", "run.csv"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.contains("run.csv -> run.svg"), "\(first.stderr)")
    let svg = try String(contentsOfFile: dir + "/run.svg", encoding: .utf8)
    #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
    let second = try Self.run(in: dir, ["plot", "run.csv"])
    #expect(second.stderr.contains("run.csv -> run-2.svg"), "\(second.stderr)")
    #expect(try String(contentsOfFile: dir + "/run.svg", encoding: .utf8) == svg)
    // A path elsewhere: the SVG goes beside the recording, not into the current folder.
    let elsewhere = try Scratch.directory(anyoneMayWrite: true)
    let third = try Self.run(in: elsewhere, ["plot", dir + "/run.csv"])
    #expect(third.stderr.contains("-> \(dir)/run-3.svg"), "\(third.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
  }
}
