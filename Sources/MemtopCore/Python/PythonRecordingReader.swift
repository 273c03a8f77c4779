import Foundation
import MemtopFormat
import MemtopSystem

/// Reads `NAME.python.jsonl` (written by `record --python`) back into a ``PythonHistory``:
/// the file is as untrusted as the agent that wrote its lines. A line that is not a record
/// (malformed, too long, a time out of range) is skipped and counted, never trusted.
public enum PythonRecordingReader {
  /// Longest line read, bytes.
  package static let maxLineBytes = (1 << 20) + 4096

  /// Seconds an agent's clock may lie outside the recording's and still be of the same run.
  static let runSlack = 120.0

  /// Bytes read at a time; a stop request is heard between two reads.
  static let chunkBytes = 1 << 20

  /// The history in `path`, and notes for the user (escaped); nil when there is no such file,
  /// or when `stopRequested` said stop (asked between reads of a MiB, so a huge file never
  /// holds memtop deaf to `q` or a signal). When `run` (the recording's first and last Unix
  /// times) is given and every timed sample of the file lies outside it, the history is empty
  /// and a note says so: a file left by another run (a CSV replaced with `--force` without
  /// `--python`) is never reported as this one's.
  ///
  /// The file is opened as the recording is, and more warily, since memtop finds it by itself
  /// beside the CSV: a regular file only, never waited on (`O_NONBLOCK`: a FIFO) and never
  /// followed (`O_NOFOLLOW`: a link to `/dev/zero`); anything else is left out with a note.
  public static func read(
    _ path: String, run: ClosedRange<Double>? = nil, stopRequested: () -> Bool = { false }
  ) -> (history: PythonHistory, notes: [String])? {
    let fd: Int32
    do {
      fd = try Syscalls.openRegularFile(path, followLinks: false)
    } catch {
      if error == .system(.noSuchFile) { return nil }
      let fix =
        if case .notRegular = error {
          "memtop reads only the regular file record --python writes there; remove it, or put that file back"
        } else {
          "check its permissions"
        }
      return (PythonHistory(), ["\(Sanitizer.terminalSafe(path)): left out: \(error); \(fix)"])
    }
    defer { Syscalls.close(fd) }
    let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
    defer { chunk.deallocate() }
    var history = PythonHistory()
    var skipped = 0
    var firstSkipped: Int?
    var lineNumber = 0
    var buffer: [UInt8] = []
    var discarding = false
    var inRun = 0
    var outOfRun = 0
    var readError: SystemError?
    func file(_ bytes: [UInt8]) {
      lineNumber += 1
      if !bytes.isEmpty, !Self.take(line: bytes, into: &history, run: run, inRun: &inRun, outOfRun: &outOfRun) {
        skipped += 1
        firstSkipped = firstSkipped ?? lineNumber
      }
    }
    var offset = 0
    while true {
      if stopRequested() { return nil }
      let got: Int
      do {
        got = try Syscalls.pread(fd, chunk, count: chunkBytes, offset: offset)
      } catch {
        readError = error
        break
      }
      if got == 0 { break }
      offset += got
      let bytes = UnsafeBufferPointer(start: chunk.assumingMemoryBound(to: UInt8.self), count: got)
      var start = 0
      while start < got {
        let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
        let piece = bytes[start..<(newline ?? got)]
        if !discarding {
          buffer.append(contentsOf: piece)
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
        start = newline + 1
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
    if let readError {
      notes.append(
        "\(Sanitizer.terminalSafe(path)):\(lineNumber + 1): cannot read on: \(readError); the lines before it are used")
    }
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
