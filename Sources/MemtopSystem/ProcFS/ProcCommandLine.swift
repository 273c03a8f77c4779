/// A process's command line, from `/proc/PID/cmdline`, for naming tree members and launchers.
public enum ProcCommandLine {
  /// The program's base name and its arguments, joined by spaces (`python3 app.py` for
  /// `/usr/bin/python3 app.py`; at most `maxLength` characters), or nil when it cannot be read
  /// or is empty (a kernel thread, a zombie). Untrusted text.
  public static func read(pid: Int32, procRoot: String = "/proc", maxLength: Int = 200) -> String? {
    guard let fd = try? Syscalls.openReadOnly("\(procRoot)/\(pid)/cmdline") else { return nil }
    defer { Syscalls.close(fd) }
    let buffer = ReadBuffer(capacity: 4096)
    guard let bytes = try? buffer.readWhole(fd, shortReadIsEnd: true), !bytes.isEmpty else { return nil }
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false)
      .map { String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self) }
    var words = arguments.last == "" ? Array(arguments.dropLast()) : arguments
    if let first = words.first, first.hasPrefix("/") { words[0] = program(first) }
    let text = words.joined(separator: " ")
    guard !text.isEmpty else { return nil }
    return text.count > maxLength ? String(text.prefix(maxLength)) : text
  }

  /// The program's base name from a command line: `/usr/bin/python3 app.py` → `python3`.
  public static func program(_ commandLine: String) -> String {
    let first = commandLine.split(separator: " ").first.map(String.init) ?? commandLine
    return first.split(separator: "/").last.map(String.init) ?? first
  }
}
