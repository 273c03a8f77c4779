import Foundation
import MemtopTUI
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The manual page covers every option `--help` shows, and formats without warnings.
@Suite("man page")
struct ManPageTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let page = root.appendingPathComponent("man/memtop.1").path

  /// Every `--long` and `-s` option named in a help text.
  static func options(inHelp help: String) -> Set<String> {
    var found: Set<String> = []
    for word in help.split(whereSeparator: { " ,\n[]()|<>".contains($0) }) {
      let w = String(word)
      if w.hasPrefix("--") && w.count > 2 && w.dropFirst(2).allSatisfy({ $0.isLetter || $0 == "-" }) {
        found.insert(w)
      } else if w.count == 2 && w.hasPrefix("-") && w.last?.isLetter == true {
        found.insert(w)
      }
    }
    return found
  }

  @Test(
    "every option of every subcommand appears in man/memtop.1",
    arguments: ["", "monitor", "record", "serve", "analyze", "replay", "plot"])
  func optionsDocumented(_ subcommand: String) throws {
    let args = subcommand.isEmpty ? ["--help"] : [subcommand, "--help"]
    let help = try MemtopRunner.run(args)
    #expect(help.status == 0)
    let options = Self.options(inHelp: help.stdout)
    #expect(!options.isEmpty)
    // In roff source a dash is written \-.
    let manual = try String(contentsOfFile: Self.page, encoding: .utf8).replacingOccurrences(of: "\\-", with: "-")
    for option in options where option != "--generate-completion-script" {
      #expect(manual.contains(option), "\(option) of 'memtop \(subcommand)' is missing from the man page")
    }
    if !subcommand.isEmpty {
      #expect(manual.contains(".B \(subcommand)") || manual.contains(".B memtop \(subcommand)"))
    }
  }

  @Test("every key binding is in the KEYS section")
  func keysDocumented() throws {
    let manual = try String(contentsOfFile: Self.page, encoding: .utf8)
    let start = try #require(manual.range(of: ".SH KEYS"))
    let end = try #require(manual.range(of: ".SH", range: start.upperBound..<manual.endIndex))
    let section = String(manual[start.upperBound..<end.lowerBound])
      .replacingOccurrences(of: "\\-", with: "-")
      .replacingOccurrences(of: "\\(<-", with: "←")
      .replacingOccurrences(of: "\\(->", with: "→")
      .replacingOccurrences(of: "\\(ua", with: "↑")
      .replacingOccurrences(of: "\\(da", with: "↓")
    // The key names on the .B / .BR lines, e.g. `.BR + " or " =` gives + and =.
    var documented: Set<String> = []
    for line in section.split(separator: "\n") where line.hasPrefix(".B") {
      for token in line.split(separator: " ").dropFirst() where token != "\"" && !token.contains("\"") {
        documented.insert(String(token))
      }
    }
    for binding in KeyMap.bindings {
      for key in binding.keys {
        #expect(documented.contains(key.label(.braille)), "key \(key.label(.braille)) (\(binding.help)) is not in KEYS")
      }
    }
    for binding in KeyMap.mouse {
      #expect(documented.contains(binding.gesture), "mouse \(binding.gesture) (\(binding.help)) is not in KEYS")
    }
  }

  @Test("top-level --help and the SYNOPSIS show watching a pid (-p, as in top) and launching a command first")
  func firstThingsFirst() throws {
    let help = try MemtopRunner.run(["--help"])
    #expect(help.status == 0)
    let text = help.stdout
    let usage = try #require(text.range(of: "USAGE: "), "\(text)")
    let pid = try #require(text.range(of: "memtop --pid PID"), "\(text)")
    let launch = try #require(text.range(of: "memtop -- COMMAND [ARGS...]"), "\(text)")
    let subcommands = try #require(text.range(of: "SUBCOMMANDS:"), "\(text)")
    #expect(usage.upperBound == pid.lowerBound, "USAGE does not begin with --pid:\n\(text)")
    #expect(pid.lowerBound < launch.lowerBound && launch.lowerBound < subcommands.lowerBound)
    #expect(text.contains("-p PID"))

    let manual = try String(contentsOfFile: Self.page, encoding: .utf8)
    let synopsis = try #require(manual.range(of: ".SH SYNOPSIS\n"))
    let lines = manual[synopsis.upperBound...].split(separator: "\n").prefix(6).map(String.init)
    #expect(
      lines == [
        ".B memtop", ".RB ( \\-p | \\-\\-pid )", ".I pid", ".br", ".B memtop \\-\\-", ".IR command \" [\" args ...]",
      ], "\(lines)")
  }

  @Test(
    "-p is --pid everywhere --pid is: the help of monitor and record, the man page, and the top level",
    arguments: ["monitor", "record"])
  func shortPID(_ subcommand: String) throws {
    let help = try MemtopRunner.run([subcommand, "--help"])
    #expect(help.stdout.contains("-p, --pid <pid>"), "\(help.stdout)")
    let manual = try String(contentsOfFile: Self.page, encoding: .utf8)
    #expect(manual.contains(".BR \\-p \", \" \\-\\-pid \" \\fIpid\\fR\""))
  }

  @Test("memtop -p PID at the top level is the live view's --pid (parsed, then refused only for want of a terminal)")
  func topLevelShortPID() throws {
    let result = try MemtopRunner.run(["-p", "\(getpid())"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("standard output is not a terminal"), "\(result.stderr)")
    let bad = try MemtopRunner.run(["-p", "abc"])
    #expect(bad.stderr.contains("invalid PID 'abc'"), "\(bad.stderr)")
  }

  @Test("monitor --help lists every key of the key table, with its help, as the man page's KEYS does")
  func keysInHelp() throws {
    let help = try MemtopRunner.run(["monitor", "--help"]).stdout
    // The help text is wrapped: compare with whitespace collapsed.
    let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for line in KeyMap.helpLines(mode: .braille, includeOverview: true) {
      let words = "\(line.keys) \(line.help)".split(whereSeparator: \.isWhitespace).joined(separator: " ")
      #expect(flat.contains(words), "'\(words)' is not in monitor --help")
    }
  }

  @Test("monitor --help and the man page explain every flag of the process table")
  func tableLegend() throws {
    let help = try MemtopRunner.run(["monitor", "--help"]).stdout
    let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    let manual = try String(contentsOfFile: Self.page, encoding: .utf8)
    for entry in OverviewTable.legend {
      let words = "\(entry.flag) \(entry.meaning)".split(whereSeparator: \.isWhitespace).joined(separator: " ")
      #expect(flat.contains(words), "'\(words)' is not in monitor --help")
      let flag = entry.flag == "-" ? "\\-" : entry.flag
      #expect(manual.contains(".B \(flag)\n") || entry.flag == "...", "the man page does not explain \(entry.flag)")
    }
  }

  @Test("the page has the sections users look for")
  func sections() throws {
    let manual = try String(contentsOfFile: Self.page, encoding: .utf8)
    for section in [
      "NAME", "SYNOPSIS", "DESCRIPTION", "SUBCOMMANDS", "OPTIONS", "KEYS", "FILES", "ENVIRONMENT", "MEMORY SIZES",
      "CSV FORMAT", "LEAK VERDICTS", "EXIT STATUS", "EXAMPLES", "SEE ALSO",
    ] {
      #expect(manual.contains(".SH \(section)") || manual.contains(".SH \"\(section)\""), "no \(section) section")
    }
    for column in [
      "time_unix_s", "elapsed_s", "rss_bytes", "anon_bytes", "heap_bytes", "brk_heap_bytes", "peak_rss_bytes",
      "pss_bytes", "uss_bytes", "swap_pss_bytes", "marker",
    ] {
      #expect(manual.contains(column), "CSV column \(column) undocumented")
    }
  }

  @Test(
    "groff formats it with no warnings", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/groff")))
  func lint() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let script = dir + "/lint.sh"
    try "groff -man -ww -z '\(Self.page)' 2>&1; echo \"rc=$?\"\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    let out = dir + "/out"
    let result = try MemtopRunner.shell(script, output: out)
    #expect(result == "rc=0")
  }

  @Test(
    "mandoc's linter finds no warnings or errors",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc")))
  func mandocLint() throws {
    // STYLE notes (such as source lines over 80 bytes) are below the warning level.
    let out = try Scratch.directory(anyoneMayWrite: true) + "/mandoc"
    let status = try MemtopRunner.runTool(["mandoc", "-T", "lint", "-W", "warning", Self.page], output: out)
    #expect(status == 0)
    #expect(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "x").isEmpty)
  }
}
