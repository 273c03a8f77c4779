import Foundation

/// Reads `NAME.python.jsonl` (written by `record --python`) back into a ``PythonHistory``:
/// the file is as untrusted as the agent that wrote its lines. A line that is not a record
/// (malformed, too long, a time out of range) is skipped and counted, never trusted.
public enum PythonRecordingReader {
  /// Longest line read, bytes.
  public static let maxLineBytes = (1 << 20) + 4096

  /// The history in `path`, and notes for the user (escaped); nil when there is no such file.
  public static func read(_ path: String) -> (history: PythonHistory, notes: [String])? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    var history = PythonHistory()
    var skipped = 0
    var firstSkipped: Int?
    var lineNumber = 0
    var buffer: [UInt8] = []
    var discarding = false
    func file(_ bytes: [UInt8]) {
      lineNumber += 1
      if !bytes.isEmpty, !Self.take(line: bytes, into: &history) {
        skipped += 1
        firstSkipped = firstSkipped ?? lineNumber
      }
    }
    while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
      var start = chunk.startIndex
      while start < chunk.endIndex {
        let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n"))
        let piece = chunk[start..<(newline ?? chunk.endIndex)]
        if !discarding {
          buffer += piece
          if buffer.count > maxLineBytes {
            buffer = []
            discarding = true
          }
        }
        guard let newline else { break }
        if discarding {
          lineNumber += 1
          skipped += 1
          firstSkipped = firstSkipped ?? lineNumber
        } else {
          file(buffer)
        }
        buffer = []
        discarding = false
        start = chunk.index(after: newline)
      }
    }
    // A last line without its newline: an interrupted write; used when whole.
    if !buffer.isEmpty && !discarding { file(buffer) }
    var notes: [String] = []
    if skipped > 0, let firstSkipped {
      notes.append(
        "\(Sanitizer.terminalSafe(path)):\(firstSkipped): skipped \(skipped) \(skipped == 1 ? "line" : "lines") that \(skipped == 1 ? "is" : "are") not agent records (malformed, over 1 MiB, or without elapsed_s)"
      )
    }
    return (history, notes)
  }

  /// Files one line; false when it is not a stamped record.
  static func take(line: [UInt8], into history: inout PythonHistory) -> Bool {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
      let elapsed = AgentRecord.number(object["elapsed_s"]), elapsed >= 0, elapsed <= 1e9,
      let record = AgentRecord.parse(object)
    else { return false }
    let pid =
      AgentRecord.pid(object["agent_pid"]) ?? AgentRecord.pid(object["pid"]) ?? history.agents.last?.pid ?? 0
    history.take(record, pid: pid, elapsed: elapsed)
    return true
  }
}
