/// A process's command line, from `/proc/PID/cmdline`, for naming tree members and launchers.
package enum ProcCommandLine {
  /// The program's base name and its arguments, joined by spaces (`python3 app.py` for
  /// `/usr/bin/python3 app.py`; at most `maxLength` characters), or nil when it cannot be read
  /// or is empty (a kernel thread, a zombie). Untrusted text.
  ///
  /// Split by ``ProcessCommandLine/arguments(_:)``, as the process table does; unlike the
  /// table's ``ProcessCommandLine/display(_:name:)`` a script keeps its whole path.
  public static func read(pid: Int32, procRoot: String = "/proc", maxLength: Int = 200) -> String? {
    guard let text = Syscalls.readSmallFile("\(procRoot)/\(pid)/cmdline") else { return nil }
    var words = ProcessCommandLine.arguments(String(text.prefix(4096)))
    if let first = words.first, first.hasPrefix("/") { words[0] = program(first) }
    let line = words.joined(separator: " ")
    guard !line.isEmpty else { return nil }
    return line.count > maxLength ? String(line.prefix(maxLength)) : line
  }

  /// The program's base name from a command line: `/usr/bin/python3 app.py` → `python3`.
  public static func program(_ commandLine: String) -> String {
    let first = commandLine.split(separator: " ").first.map(String.init) ?? commandLine
    return first.split(separator: "/").last.map(String.init) ?? first
  }
}
