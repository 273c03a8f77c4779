/// The part of a command line that tells one process from another: the script and its
/// arguments for an interpreter (`/usr/bin/python3 -u /srv/app/server.py --port 9401` →
/// `server.py --port 9401`), the program's name and its arguments otherwise
/// (`/usr/lib/firefox/firefox -contentproc` → `firefox -contentproc`). Input is untrusted
/// text; the result is for display after sanitizing, never to run.
public enum CommandSummary {
  /// The command line `line` (arguments joined by spaces) without the interpreter's path and
  /// options, or the program's directory.
  public static func distinguishing(_ line: String) -> String {
    let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    guard let first = words.first else { return line }
    let program = basename(first)
    guard let options = interpreterOptions(program) else {
      return ([program] + words.dropFirst()).joined(separator: " ")
    }
    var index = 1
    while index < words.count, words[index].hasPrefix("-"), words[index] != "-" {
      let option = words[index]
      // `-m module` and `-c code` are what runs: keep the interpreter's name in front.
      if options.runs.contains(option) { return ([program] + words.dropFirst()).joined(separator: " ") }
      index += options.takesValue.contains(option) ? 2 : 1
    }
    guard index < words.count else { return ([program] + words.dropFirst()).joined(separator: " ") }
    return ([basename(words[index])] + words.dropFirst(index + 1)).joined(separator: " ")
  }

  /// The last component of a path (`/srv/app/server.py` → `server.py`); the path itself when
  /// it ends in a slash.
  static func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), path.index(after: slash) < path.endIndex else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// For an interpreter's name, its options that run something other than a script and those
  /// that take a value; nil for any other program.
  static func interpreterOptions(_ name: String) -> (runs: Set<String>, takesValue: Set<String>)? {
    let stem = name.drop { $0.isLetter }
    let letters = String(name.prefix(name.count - stem.count))
    // python3, python3.12, pypy3, ruby2.7, perl5.36, php8.2: a version may follow the name.
    guard stem.allSatisfy({ $0.isNumber || $0 == "." || $0 == "m" }) else { return nil }
    switch letters {
    case "python", "pypy": return (["-m", "-c"], ["-X", "-W", "-Q"])
    case "node", "nodejs", "deno", "bun": return (["-e", "--eval", "-p", "--print"], ["-r", "--require"])
    case "ruby": return (["-e"], ["-I", "-r"])
    case "perl": return (["-e", "-E"], ["-I", "-M"])
    case "php": return (["-r"], ["-c", "-d"])
    case "bash", "sh", "dash", "zsh": return (["-c"], ["-o"])
    default: return nil
    }
  }
}
