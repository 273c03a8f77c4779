/// A process's command line, as `/proc/PID/cmdline` holds it (arguments separated by NUL),
/// turned into one line a user recognises: `python3 app.py --port 8000`, not `python3`.
///
/// Pure: the caller reads the file.
package enum ProcessCommandLine {
  /// The arguments in `text` (NUL-separated, a trailing NUL or none); empty for a kernel
  /// thread or a process that has exited.
  public static func arguments(_ text: String) -> [String] {
    text.split(separator: "\0", omittingEmptySubsequences: false).map(String.init).reversed()
      .drop { $0.isEmpty }.reversed()
  }

  /// One line for the table: the program's base name, then its arguments, the first
  /// operand that is a path (an interpreter's script) by its base name too — so
  /// `/usr/bin/python3 /srv/billing/main.py --port 8000` reads `python3 main.py --port 8000`.
  /// Falls back to `name` (the `stat` comm) when the command line is empty. Untrusted text:
  /// sanitise before drawing.
  package static func display(_ arguments: [String], name: String) -> String {
    guard let program = arguments.first, !program.isEmpty else { return name }
    var words = [baseName(program)]
    var scriptShortened = false
    for argument in arguments.dropFirst() {
      if !scriptShortened, !argument.hasPrefix("-"), argument.contains("/") {
        words.append(baseName(argument))
        scriptShortened = true
      } else {
        words.append(argument)
      }
    }
    return words.joined(separator: " ")
  }

  /// The last path component; a spaced title (nginx: master process /usr/sbin/nginx) is kept whole.
  static func baseName(_ word: String) -> String {
    guard !word.contains(" "), !word.hasSuffix("/") else { return word }
    return word.split(separator: "/").last.map(String.init) ?? word
  }
}
