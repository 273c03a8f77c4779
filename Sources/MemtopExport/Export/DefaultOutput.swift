import MemtopSystem

#if canImport(Glibc)
import Glibc
#endif

/// Names for `record` and `plot` output when `-o` is not given, as mprof picks them: a new
/// file, never one that exists.
public enum DefaultOutput {
  /// `YYYYMMDD-HHMMSS` in local time.
  public static func timestamp(_ seconds: time_t = time(nil)) -> String {
    var now = seconds
    var parts = tm()
    localtime_r(&now, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return
      "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
  }

  /// `memtop-NAME` for a launched command or followed name: its base name, with anything but
  /// letters, digits, `.`, `_` and `-` replaced by `_` (a file name, never a path or a control byte).
  public static func stem(command: String) -> String {
    let base = command.split(separator: "/").last.map(String.init) ?? ""
    let safe = String(
      base.prefix(40).map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
    return safe.isEmpty || safe.hasPrefix(".") ? "memtop-command" : "memtop-" + safe
  }

  /// `X` for the recording `X.csv` (any other name keeps its extension: `X.txt` gives
  /// `X.txt.svg`); standard input gives `memtop-plot-TIME`.
  public static func plotStem(for recording: String) -> String {
    if recording == "-" { return "memtop-plot-" + timestamp() }
    return recording.hasSuffix(".csv") ? String(recording.dropLast(4)) : recording
  }

  /// `stem.ext`, or `stem-2.ext`, `stem-3.ext`… the first that does not exist.
  public static func unusedName(_ stem: String, extension ext: String) -> String {
    var candidate = "\(stem).\(ext)"
    var number = 2
    while Syscalls.exists(candidate) || isDanglingLink(candidate) {
      candidate = "\(stem)-\(number).\(ext)"
      number += 1
    }
    return candidate
  }

  /// A symbolic link whose target is missing: `access` says it does not exist, but writing
  /// through it would create a file elsewhere.
  private static func isDanglingLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }
}
