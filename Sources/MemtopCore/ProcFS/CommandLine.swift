/// A process's command line, as `/proc/PID/cmdline` holds it (arguments separated by NUL),
/// turned into one line a user recognises: `python3 app.py --port 8000`, not `python3`.
///
/// Pure: the caller reads the file.
public enum ProcessCommandLine {
  /// The arguments in `text` (NUL-separated, a trailing NUL or none); empty for a kernel
  /// thread or a process that has exited.
  public static func arguments(_ text: String) -> [String] {
    text.split(separator: "\0", omittingEmptySubsequences: false).map(String.init).reversed()
      .drop { $0.isEmpty }.reversed()
  }

  /// One line for the table: the program's base name, then its arguments — so an
  /// interpreter shows the script it runs. Falls back to `name` (the `stat` comm) when the
  /// command line is empty. Untrusted text: sanitise before drawing.
  public static func display(_ arguments: [String], name: String) -> String {
    guard let program = arguments.first, !program.isEmpty else { return name }
    // A process that rewrote its argv[0] as one spaced title (nginx: master process ...) keeps it.
    let base = program.contains(" ") ? program : program.split(separator: "/").last.map(String.init) ?? program
    return ([base] + arguments.dropFirst()).joined(separator: " ")
  }
}
