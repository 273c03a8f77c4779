import Foundation
import MemtopFormat

/// Reads `NAME.python.jsonl` (written by `record --python`) back into a ``PythonHistory``:
/// the file is as untrusted as the agent that wrote its lines. A line that is not a record
/// (malformed, too long, a time out of range) is skipped and counted, never trusted.
public enum PythonRecordingReader {
  /// Longest line read, bytes.
  package static let maxLineBytes = (1 << 20) + 4096

  /// Seconds an agent's clock may lie outside the recording's and still be of the same run.
  static let runSlack = 120.0

  /// The history in `path`, and notes for the user (escaped); nil when there is no such file,
  /// or when `run` (the recording's first and last Unix times) is given and every timed
  /// sample of the file lies outside it: a file left by another run (a CSV replaced with
  /// `--force` without `--python`) is never reported as this one's.
  public static func read(
    _ path: String, run: ClosedRange<Double>? = nil
  ) -> (history: PythonHistory, notes: [String])? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    var history = PythonHistory()
    var skipped = 0
    var firstSkipped: Int?
    var lineNumber = 0
    var buffer: [UInt8] = []
    var discarding = false
    var inRun = 0
    var outOfRun = 0
    func file(_ bytes: [UInt8]) {
      lineNumber += 1
      if !bytes.isEmpty, !Self.take(line: bytes, into: &history, run: run, inRun: &inRun, outOfRun: &outOfRun) {
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
    if outOfRun > 0 && inRun == 0 {
      return (
        PythonHistory(),
        [
          "\(Sanitizer.terminalSafe(path)): left out: its samples are from another run (their times fall outside this recording's); remove it, or record again with --python"
        ]
      )
    }
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
    var (inRun, outOfRun) = (0, 0)
    return take(line: line, into: &history, run: nil, inRun: &inRun, outOfRun: &outOfRun)
  }

  static func take(
    line: [UInt8], into history: inout PythonHistory, run: ClosedRange<Double>?, inRun: inout Int,
    outOfRun: inout Int
  ) -> Bool {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
      let elapsed = AgentRecord.number(object["elapsed_s"]), elapsed >= 0, elapsed <= 1e9,
      let record = AgentRecord.parse(object)
    else { return false }
    if let run, let time = AgentRecord.number(object["t"]) {
      if time >= run.lowerBound - runSlack && time <= run.upperBound + runSlack {
        inRun += 1
      } else {
        outOfRun += 1
      }
    }
    let pid =
      AgentRecord.pid(object["agent_pid"]) ?? AgentRecord.pid(object["pid"]) ?? history.agents.last?.pid ?? 0
    history.take(record, pid: pid, elapsed: elapsed)
    return true
  }
}
