import Testing

@testable import MemtopTUI

@Suite("Cell buffer, rectangles and glyphs")
struct RenderingTests {
  @Test("put clips to the buffer and to a clip rectangle")
  func putClips() {
    var buffer = Fixtures.sentinel(width: 8, height: 2)
    buffer.put("hello world", x: -2, y: 0)
    buffer.put("abcdef", x: 2, y: 1, clip: Rect(x: 3, y: 1, width: 2, height: 1))
    #expect(buffer.lines == ["llo worl", "xxxbcxxx"])
  }

  @Test("writes outside the buffer are ignored, reads return blanks")
  func outOfBounds() {
    var buffer = Fixtures.sentinel(width: 3, height: 1)
    buffer[5, 5] = Cell("!")
    buffer.put("zz", x: 0, y: 3)
    #expect(buffer.lines == ["xxx"])
    #expect(buffer[-1, 0] == .blank)
  }

  @Test("a cell is plain data; a letter with a combining accent keeps its accent, precomposed")
  func cellsArePlainData() {
    // No reference to count: a frame of 8,000 cells is built and dropped without a retain per cell.
    #expect(_isPOD(Cell.self))
    #expect(MemoryLayout<Cell>.size <= 8)
    var buffer = Fixtures.sentinel(width: 6, height: 1)
    buffer.put("cafe\u{301}!", x: 0, y: 0)
    #expect(buffer.lines == ["café!x"])
    #expect(buffer[3, 0].scalar == "\u{E9}")
    // No single scalar for it: the base letter stays, the mark is left out.
    buffer.put("q\u{301}", x: 0, y: 0)
    #expect(buffer[0, 0].glyph == "q")
  }

  @Test(
    "rows splits height with the spare rows on top",
    arguments: [(10, 3, [4, 3, 3]), (2, 3, [1, 1, 0]), (0, 2, [0, 0])])
  func rowsSplit(height: Int, count: Int, expected: [Int]) {
    let rows = Rect(x: 0, y: 0, width: 5, height: height).rows(count)
    #expect(rows.map(\.height) == expected)
    #expect(rows.last.map(\.maxY) == height)
  }

  @Test(
    "braille bars light dots from the bottom",
    arguments: [
      (0, 0, "⠀"), (1, 0, "⡀"), (0, 1, "⢀"), (4, 4, "⣿"), (2, 3, "⣴"), (4, 0, "⡇"),
    ])
  func braille(left: Int, right: Int, expected: String) {
    #expect(String(Braille.bars(left: left, right: right)) == expected)
  }

  @Test("area plot: braille, block and ASCII fills and the gap glyph")
  func areaPlotModes() {
    let levels: [Double?] = [2, 1, nil, nil, 0.5, -1]
    var braille = Fixtures.sentinel(width: 3, height: 2)
    AreaPlot(levels: levels, mode: .braille, role: .chartRSS).draw(into: &braille, area: braille.bounds)
    #expect(braille.lines == ["⡇  ", "⣿╌⡄"])
    var block = Fixtures.sentinel(width: 4, height: 2)
    AreaPlot(levels: [1.5, nil, 0.25, 0], mode: .block, role: .chartRSS).draw(into: &block, area: block.bounds)
    #expect(block.lines == ["▄   ", "█╌▂ "])
    var ascii = Fixtures.sentinel(width: 3, height: 2)
    AreaPlot(levels: [2, 0.4, nil], mode: .ascii, role: .chartRSS).draw(into: &ascii, area: ascii.bounds)
    #expect(ascii.lines == ["#  ", "#.~"])
    #expect(ascii.roles(1) == [.chartRSS, .chartRSS, .chartGap])
  }

  @Test("the area plot stays inside its rectangle")
  func areaPlotStaysInside() {
    var buffer = Fixtures.sentinel(width: 6, height: 4)
    AreaPlot(levels: [9, 9, 9, 9], mode: .braille, role: .chartRSS).draw(
      into: &buffer, area: Rect(x: 1, y: 1, width: 2, height: 2))
    #expect(buffer.lines == ["xxxxxx", "x⣿⣿xxx", "x⣿⣿xxx", "xxxxxx"])
  }
}
