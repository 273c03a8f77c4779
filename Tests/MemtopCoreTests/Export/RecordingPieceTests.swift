import Foundation
import MemtopSampling
import Testing

@testable import MemtopCore
@testable import MemtopExport

/// The reader's pieces: a file read in windows split into pieces parsed on several threads
/// gives the rows, errors (text and line) and notes of a read from start to end, wherever the
/// piece and window ends fall.
@Suite("Recording reader, pieces on threads")
struct RecordingPieceTests {
  /// Piece sizes small enough to put a piece end inside every kind of row, field and line ending.
  static let pieceSizes = [1, 7, 23, 64, 100, 257, 1000]

  /// The outcome of a read, comparable: rows and notes, or the error.
  enum Outcome: Equatable {
    case rows([MemorySample], [String])
    case failed(CSVReadError)
  }

  static func sequential(_ text: String) -> Outcome {
    var parser = RecordingRowParser(path: "rec.csv")
    var rows: [MemorySample] = []
    do {
      var bytes = Array(text.utf8)
      _ = try bytes.withUnsafeMutableBufferPointer { buffer throws(CSVReadError) in
        try parser.parse(UnsafeBufferPointer(buffer), atEnd: true) { rows.append($0) }
      }
      return .rows(rows, parser.notes)
    } catch {
      return .failed(error)
    }
  }

  static func pieces(_ path: String, pieceBytes: Int, perWindow: Int) -> Outcome {
    var reader = RecordingReader(path: "rec.csv")
    reader.pieceBytes = pieceBytes
    reader.piecesPerWindow = perWindow
    do {
      let (rows, notes) = try reader.readAll(file: path)
      return .rows(rows, notes)
    } catch {
      return .failed(error)
    }
  }

  static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-pieces-\(UUID()).csv").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
  }

  /// Reads `text` every way and requires the outcome of the sequential read; returns it.
  @discardableResult
  static func sameEveryWay(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
    let expected = sequential(text)
    try withFile(text) { path in
      for size in pieceSizes {
        for perWindow in [2, 3, 5] {
          let got = pieces(path, pieceBytes: size, perWindow: perWindow)
          #expect(got == expected, "pieces of \(size) bytes, \(perWindow) a window", sourceLocation: sourceLocation)
        }
      }
      // The defaults: 1 MiB pieces, one window.
      #expect(pieces(path, pieceBytes: RecordingReader.chunkBytes, perWindow: 4) == expected)
    }
    return expected
  }

  // With time_unix_s: a sample without one holds NaN, which no sample equals.
  static let header = "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,marker,start_ticks,processes\n"

  /// A row at `i` + 0.5 s; `rest` is everything after the time columns.
  static func row(_ i: Int, _ rest: String) -> String {
    "\(1_764_000_000 + i).25,\(i).5,\(rest)"
  }

  static func rows(_ range: Range<Int>, pid: Int = 42, ending: String = "\n") -> String {
    range.map { i in row(i, "\(pid),\(4096 * (i + 1)),\(2048 * i),,777,\(ending)") }.joined()
  }

  @Test("a row cut by a piece's end is read whole, with LF and with CRLF line endings")
  func rowAcrossPieces() throws {
    let lf = try Self.sameEveryWay(Self.header + Self.rows(0..<60))
    guard case .rows(let samples, let notes) = lf else {
      Issue.record("expected rows: \(lf)")
      return
    }
    #expect(samples.count == 60 && notes.isEmpty)
    #expect(samples[59].rss == 4096 * 60 && samples[59].startTicks == 777)
    let crlf = try Self.sameEveryWay(
      Self.header.replacingOccurrences(of: "\n", with: "\r\n") + Self.rows(0..<60, ending: "\r\n"))
    #expect(crlf == lf)
  }

  @Test("quoted commas, doubled quotes and quoted line breaks, even across a piece's end")
  func quotedFields() throws {
    var text = Self.header
    for i in 0..<40 {
      let marker =
        switch i % 4 {
        case 1: "\"load, then save\""
        case 2: "\"two\nlines, \"\"quoted\"\"\r\nthree\""
        case 3: "plain"
        default: ""
        }
      text += Self.row(i, "42,\(4096 * (i + 1)),1,\(marker),777,\n")
    }
    let outcome = try Self.sameEveryWay(text)
    guard case .rows(let samples, _) = outcome else {
      Issue.record("expected rows: \(outcome)")
      return
    }
    #expect(samples.count == 40)
    #expect(samples[1].marker == "load, then save")
    #expect(samples[2].marker == "two\nlines, \"quoted\"\r\nthree")
  }

  @Test(
    "an error in a later piece names its line, as a read from the start does",
    arguments: [
      ("1764000030.25,30.5,42,12x,1,,777,\n", "rss_bytes is '12x'"),
      ("1764000030.25,30.5,42,5\n", "4 fields where the header has 8"),
      ("1764000030.25,30.5,42,5,1,a\"b,777,\n", "a quote inside an unquoted field"),
      ("1764000030.25,3.5,42,5,1,,777,\n", "before line 31's"),
      ("1764000030.25,29.5,42,5,1,,777,\n", "repeats the time of line 31"),
    ])
  func errorInLaterPiece(_ bad: String, _ fragment: String) throws {
    // Line 1 is the header, rows 0…29 are lines 2…31: the bad row is line 32, then more rows.
    let text = Self.header + Self.rows(0..<30) + bad + Self.rows(40..<60)
    let outcome = try Self.sameEveryWay(text)
    guard case .failed(let error) = outcome else {
      Issue.record("expected an error: \(outcome)")
      return
    }
    #expect(error.line == 32)
    #expect(error.description.contains(fragment), "\(error.description)")
  }

  @Test("a row out of order with a row many pieces before it names both lines")
  func orderAcrossPieces() throws {
    // Two processes interleave; pid 7's row on line 52 goes back before its row on line 4.
    var text = Self.header
    for i in 0..<50 { text += Self.row(i, "\(i == 2 ? 7 : 42),\(4096 * (i + 1)),1,,777,\n") }
    text += Self.row(1, "7,4096,1,,777,\n")
    let outcome = try Self.sameEveryWay(text)
    guard case .failed(let error) = outcome else {
      Issue.record("expected an error: \(outcome)")
      return
    }
    #expect(error.line == 52)
    #expect(error.description.contains("before line 4's (2.5 s) for pid 7"), "\(error.description)")
  }

  @Test("a cut last line is left out with a note naming its line, whatever the pieces")
  func cutLastLine() throws {
    for tail in [
      "1764000060.25,60.5,42,409", "1764000060.25,60.5,42,4096,1,\"half a mar", Self.row(60, "42,4096,1,,777,"),
    ] {
      let outcome = try Self.sameEveryWay(Self.header + Self.rows(0..<60) + tail)
      guard case .rows(let samples, let notes) = outcome else {
        Issue.record("expected rows: \(outcome)")
        continue
      }
      #expect(samples.count == 60)
      #expect(
        notes == [
          "rec.csv:62: the last line has no line ending, so it was cut short (a full disk or a killed recorder) and is left out; every row before it was read"
        ])
    }
  }

  @Test("blank lines, a byte order mark and a header cut by the first piece")
  func oddShapes() throws {
    try Self.sameEveryWay("\u{FEFF}" + Self.header + Self.rows(0..<5) + "\n\n" + Self.rows(5..<10))
    try Self.sameEveryWay(Self.header)
    try Self.sameEveryWay("elapsed_s,rss_bytes")
    try Self.sameEveryWay("")
  }

  @Test("a tree's main series across pieces: the total rows from the first one on")
  func mainSeriesAcrossPieces() throws {
    var text = Self.header
    for i in 0..<20 { text += Self.row(i, "42,\(4096 * (i + 1)),1,,777,\n") }  // before the tree starts
    for i in 20..<60 {
      text += Self.row(i, "42,\(8192 * (i + 1)),1,,777,2\n")
      text += Self.row(i, "42,\(4096 * (i + 1)),1,,777,\n")
      text += Self.row(i, "43,\(4096 * (i + 1)),1,,778,\n")
    }
    let expected = RecordingReader.mainSeries(try RecordingReader(path: "t").read(text))
    #expect(expected.count == 40)
    try Self.withFile(text) { path in
      for size in Self.pieceSizes {
        var reader = RecordingReader(path: "t")
        reader.pieceBytes = size
        reader.piecesPerWindow = 3
        let (timeline, notes) = try reader.readMainSeries(file: path, keeping: Metric.allCases)
        #expect(notes.isEmpty)
        #expect((0..<timeline.count).map { timeline[$0] } == expected, "pieces of \(size) bytes")
      }
    }
  }

  @Test("a line longer than the limit is refused when pieces are small too")
  func lineTooLong() throws {
    let long = String(repeating: "9", count: 3 * RecordingRowParser.maxLineBytes)
    let text = Self.header + Self.rows(0..<3) + Self.row(3, "42," + long + ",1,,777,\n")
    try Self.withFile(text) { path in
      let outcome = Self.pieces(path, pieceBytes: 4096, perWindow: 2)
      guard case .failed(let error) = outcome else {
        Issue.record("expected an error: \(outcome)")
        return
      }
      #expect(error.line == 5)
      #expect(error.description.contains("longer than 1 MiB"), "\(error.description)")
    }
    // Shorter than a window: read whole by one piece, refused all the same, as in one pass.
    let notSoLong = Self.header + Self.rows(0..<3) + Self.row(3, "42," + long.prefix(1_500_000) + ",1,,777,\n")
    let expected = Self.sequential(notSoLong)
    guard case .failed(let error) = expected else {
      Issue.record("expected an error: \(expected)")
      return
    }
    #expect(error.line == 5 && error.description.contains("the line is longer than 1 MiB"), "\(error.description)")
    try Self.withFile(notSoLong) { path in
      #expect(Self.pieces(path, pieceBytes: RecordingReader.chunkBytes, perWindow: 4) == expected)
    }
  }
}

/// The one-pass reading of plain rows against the general path, on rows made odd at random.
@Suite("Recording reader, plain rows")
struct RecordingPlainRowTests {
  /// A small deterministic generator (the same rows on every run).
  struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(next() % UInt64(choices.count))] }
  }

  /// A field of a numeric column: mostly plain, sometimes another spelling that is accepted
  /// (general path), rarely one that is refused.
  static func number(_ g: inout Generator, _ plain: String) -> String {
    if g.next() % 600 == 0 {
      return g.pick([
        "-" + plain, plain + "x", "2147483648", "99999999999999999999", "1152921504606846977", plain + "\r", "a\"b",
      ])
    }
    guard g.next() % 25 == 0 else { return plain }
    return g.pick(["", " " + plain, plain + ".0", "\"" + plain + "\"", "1e3", "0" + plain, plain + " "])
  }

  static func outcome(_ text: String, plainRows: Bool) -> RecordingPieceTests.Outcome {
    var parser = RecordingRowParser(path: "rec.csv", keeping: [.rss, .heap, .pss])
    parser.readsPlainRows = plainRows
    var rows: [MemorySample] = []
    do {
      var bytes = Array(text.utf8)
      _ = try bytes.withUnsafeMutableBufferPointer { buffer throws(CSVReadError) in
        try parser.parse(UnsafeBufferPointer(buffer), atEnd: true) { rows.append($0) }
      }
      return .rows(rows, parser.notes)
    } catch {
      return .failed(error)
    }
  }

  @Test("one pass and the general path read the same rows and refuse the same row with the same words")
  func sameAsGeneralPath() {
    var g = Generator(state: 7)
    var refused = 0
    for file in 0..<300 {
      var text =
        "time_unix_s,elapsed_s,pid,rss_bytes,anon_bytes,heap_bytes,pss_bytes,marker,start_ticks,processes,extra\n"
      for i in 0..<20 {
        let time = Self.number(&g, "\(1_764_000_000 + i).\(g.next() % 1000)")
        let elapsed = Self.number(&g, "\(i).\(g.next() % 10)")
        let pid = Self.number(&g, "\(g.pick([1, 42, 2_147_483_647]))")
        let sizes = (0..<4).map { _ in Self.number(&g, "\(g.next() % (1 << 40))") }
        let marker = g.pick(["", "", "", "m", "\"a, b\"", " "])
        let start = Self.number(&g, "\(g.pick([777, 909_310]))")
        let processes = g.pick(["", "", "", "2"])
        let extra = g.pick(["", "x", "1"])
        let ending = g.pick(["\n", "\n", "\n", "\r\n"])
        let fields = [time, elapsed, pid] + sizes + [marker, start, processes, extra]
        // Now and then a field too many or too few.
        let row = g.next() % 500 == 0 ? fields.dropLast() : (g.next() % 500 == 0 ? fields + ["9"] : fields[...])
        text += row.joined(separator: ",") + ending
      }
      if file % 3 == 0 { text.removeLast() }  // a last line without its line ending
      let onePass = Self.outcome(text, plainRows: true)
      let general = Self.outcome(text, plainRows: false)
      // Compared as text: a row without time_unix_s holds NaN, which equals nothing.
      let (a, b) = (String(describing: onePass), String(describing: general))
      let firstDifference =
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
      #expect(
        a == b,
        "file \(file) differs at character \(firstDifference): \(a.dropFirst(max(firstDifference - 200, 0)).prefix(400))\nvs\n\(b.dropFirst(max(firstDifference - 200, 0)).prefix(400))"
      )
      if case .failed = general { refused += 1 }
    }
    // Both kinds of file were tried.
    #expect(refused > 30 && refused < 290, "\(refused) of 300 refused")
  }
}
