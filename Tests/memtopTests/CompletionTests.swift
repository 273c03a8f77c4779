import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The bash completion script, sourced in a real bash and its function called as bash's
/// completion machinery would.
@Suite("bash completion", .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash")))
struct CompletionTests {
  /// Sources the generated script in `dir` and completes `words` (the last is the word under
  /// the cursor); returns the candidates, one a line.
  static func complete(_ words: [String], in dir: String) throws -> [String] {
    let script = dir + "/memtop.bash"
    if !FileManager.default.fileExists(atPath: script) {
      let generated = try MemtopRunner.run(["--generate-completion-script", "bash"])
      #expect(generated.status == 0)
      try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
    }
    let harness = """
      cd "$1" || exit 9
      PATH="$2:$PATH"
      source ./memtop.bash
      shift 2
      COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      COMPREPLY=()
      func=$(complete -p memtop | sed -E 's/.* -F ([^ ]+) .*/\\1/')
      "$func" memtop "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let out = dir + "/out-\(UUID())"
    let binDir = URL(fileURLWithPath: BuiltBinary.memtop).deletingLastPathComponent().path
    _ = try MemtopRunner.runTool(["bash", "-c", harness, "bash", dir, binDir, "memtop"] + words, output: out)
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
  }

  static func folder() throws -> String {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    for name in ["run.csv", "notes.txt", "chart.svg"] {
      FileManager.default.createFile(atPath: dir + "/" + name, contents: Data())
    }
    try FileManager.default.createDirectory(atPath: dir + "/old", withIntermediateDirectories: true)
    return dir
  }

  @Test(
    "recordings complete to .csv files and folders: analyze, plot, replay, record -o, monitor --record",
    arguments: [
      ["analyze", ""], ["plot", ""], ["replay", ""], ["record", "-o", ""], ["record", "--output", ""],
      ["monitor", "--record", ""], ["analyze", "r"],
    ])
  func recordings(_ words: [String]) throws {
    let dir = try Self.folder()
    let got = try Self.complete(words, in: dir)
    if words.last == "r" {
      #expect(got == ["run.csv"], "\(got)")
    } else {
      #expect(Set(got) == ["run.csv", "old"], "\(got)")
    }
  }

  @Test("plot -o completes to .svg files and folders")
  func plotOutput() throws {
    let dir = try Self.folder()
    #expect(Set(try Self.complete(["plot", "run.csv", "-o", ""], in: dir)) == ["chart.svg", "old"])
  }

  @Test(
    "--pid and -p complete to running pids, at the top level and in monitor and record",
    arguments: [
      ["--pid"], ["-p"], ["monitor", "--pid"], ["monitor", "-p"], ["record", "--pid"], ["record", "-p"],
    ])
  func pids(_ words: [String]) throws {
    let dir = try Self.folder()
    let me = String(getpid())
    let all = try Self.complete(words + [""], in: dir)
    #expect(all.contains(me) && all.contains("1"), "\(all.prefix(20))")
    #expect(all.allSatisfy { Int32($0) != nil }, "\(all.prefix(20))")
    // A typed prefix narrows them.
    let narrowed = try Self.complete(words + [String(me.prefix(me.count - 1))], in: dir)
    #expect(
      narrowed.contains(me) && narrowed.allSatisfy { $0.hasPrefix(me.prefix(me.count - 1)) }, "\(narrowed.prefix(20))")
  }

  @Test("the first word completes to subcommands and options")
  func firstWord() throws {
    let dir = try Self.folder()
    let got = Set(try Self.complete([""], in: dir))
    #expect(got.isSuperset(of: ["record", "serve", "analyze", "plot", "replay", "monitor"]), "\(got)")
    let options = Set(try Self.complete(["--p"], in: dir))
    #expect(options.contains("--pid"), "\(options)")
  }
}
