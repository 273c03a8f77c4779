import Foundation
import MemtopTestSupport
import Testing

/// `memtop plot` end to end: the SVG it writes is XML a browser would take, renders with a real
/// renderer (librsvg) into a PNG that shows all three series, and bad input fails in one line.
@Suite("memtop plot")
struct PlotTests {
  /// A recording with a 1 MB/s leak, a marker, and a hostile marker.
  static func leakingRecording() throws -> String {
    let path = try AnalyzeTests.recording(seconds: 120) { 300e6 + 1e6 * $0 }
    var lines = try String(contentsOfFile: path, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false
    ).map(String.init)
    lines[40] += "warm-up done"
    lines[150] += "\"<b>&x</b>\""
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("a recording of a launched script: the plot's heading names its command line")
  func titleNamesTheCommand() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let csv = dir + "/run.csv"
    let svg = dir + "/run.svg"
    let recorded = try MemtopRunner.run([
      "record", "--interval", "0.1", "--duration", "3", "-o", csv, "--", "python3", "-c",
      "import time; time.sleep(30)", "--marker-arg",
    ])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    let plotted = try MemtopRunner.run(["plot", csv, "-o", svg])
    #expect(plotted.status == 0, "\(plotted.stderr)")
    let text = try String(contentsOfFile: svg, encoding: .utf8)
    #expect(text.contains("python3 -c import time; time.sleep(30) --marker-arg"), "heading: \(text.prefix(600))")
  }

  @Test("writes an SVG with three series and labelled axes that rsvg-convert renders")
  func rendersWithLibrsvg() throws {
    let csv = try Self.leakingRecording()
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let svg = dir + "/leak.svg"
    let result = try MemtopRunner.run(["plot", csv, "--output", svg])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("verdict: leak"))

    // Python's XML parser: the three series, both axis titles, tick labels, markers as text.
    let check = """
      import sys, xml.etree.ElementTree as ET
      ns = '{http://www.w3.org/2000/svg}'
      root = ET.parse(sys.argv[1]).getroot()
      assert root.tag == ns + 'svg', root.tag
      ids = sorted(p.get('id') for p in root.iter(ns + 'path') if p.get('class') == 'series')
      texts = [''.join(t.itertext()) for t in root.iter(ns + 'text')]
      for label in ['RSS', 'heap', 'anon', 'memory', 'elapsed time (m:ss)', '0:00', '2:00', 'warm-up done', '<b>&x</b>']:
          assert label in texts, (label, texts)
      assert any(t.endswith(' MiB') for t in texts), texts
      assert not list(root.iter(ns + 'b')), 'marker became markup'
      print(' '.join(ids))
      """
    let out = dir + "/xml.txt"
    let status = try MemtopRunner.runTool(["python3", "-c", check, svg], output: out)
    let parsed = try String(contentsOfFile: out, encoding: .utf8)
    #expect(status == 0, "\(parsed)")
    #expect(
      parsed.trimmingCharacters(in: .whitespacesAndNewlines) == "series-anon_bytes series-heap_bytes series-rss_bytes")

    // Render with librsvg and count pixels of each series' colour in the PNG.
    let png = ProcessInfo.processInfo.environment["MEMTOP_PLOT_PNG"] ?? dir + "/leak.png"
    let renderLog = dir + "/render.txt"
    let rendered = try MemtopRunner.runTool(["rsvg-convert", svg, "-o", png], output: renderLog)
    #expect(rendered == 0, "\((try? String(contentsOfFile: renderLog, encoding: .utf8)) ?? "")")
    let counts = try Self.colourCounts(png: png, colours: ["1f77b4", "2ca02c", "ff7f0e", "d62728"])
    #expect(counts["size"] == "1000x560")
    // A line across most of an 880-pixel-wide plot covers well over 300 pixels; RSS runs
    // under the dashed trend line of its own floor, so only the dashes' gaps show it.
    for (name, colour, least) in [
      ("RSS", "1f77b4", 120), ("heap", "2ca02c", 300), ("anon", "ff7f0e", 300), ("trend", "d62728", 300),
    ] {
      #expect((Int(counts[colour] ?? "") ?? 0) > least, "\(name): \(counts)")
    }
  }

  @Test("a malformed recording fails in one line naming the file and line")
  func badCSV() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let csv = dir + "/bad.csv"
    try "time_unix_s,elapsed_s,pid,rss_bytes\n1,0,5,100\n2,1,5,lots\n".write(
      toFile: csv, atomically: true, encoding: .utf8)
    let result = try MemtopRunner.run(["plot", csv, "--output", dir + "/out.svg"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("memtop: \(csv):3: rss_bytes is 'lots'"), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.svg"))
  }

  @Test("an unwritable output fails in one line and leaves nothing behind")
  func unwritable() throws {
    let csv = try Self.leakingRecording()
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(["plot", csv, "--output", dir + "/missing/dir/out.svg"])
    #expect(result.status == 1)
    #expect(
      result.stderr.hasPrefix("memtop: cannot write '\(dir)/missing/dir/out.svg': No such file or directory;"),
      "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
  }

  @Test("--output - writes the SVG to standard output")
  func standardOutput() throws {
    let csv = try Self.leakingRecording()
    let result = try MemtopRunner.run(["plot", csv, "--output", "-"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("<?xml") && result.stdout.hasSuffix("</svg>\n"))
    #expect(result.stdout.contains("id=\"series-rss_bytes\""))
  }

  @Test("without --output, a recording that cannot be read is one error and no SVG is written")
  func missingOutput() throws {
    let dir = try Scratch.directory(anyoneMayWrite: true)
    let result = try MemtopRunner.run(["plot", dir + "/x.csv"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot read"), "\(result.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
  }

  /// Decodes an 8-bit RGB(A) PNG with Python's zlib and counts pixels within a small distance
  /// of each colour; also returns `size` as `WxH`.
  static func colourCounts(png: String, colours: [String]) throws -> [String: String] {
    let script = """
      import struct, sys, zlib
      data = open(sys.argv[1], 'rb').read()
      assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
      pos, idat = 8, b''
      while pos < len(data):
          n, kind = struct.unpack('>I4s', data[pos:pos + 8])
          body = data[pos + 8:pos + 8 + n]
          if kind == b'IHDR':
              w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
          elif kind == b'IDAT':
              idat += body
          pos += 12 + n
      assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
      bpp = 4 if ctype == 6 else 3
      raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
      for y in range(h):
          f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
          for i in range(stride):
              a = line[i - bpp] if i >= bpp else 0
              b = prev[i]
              c = prev[i - bpp] if i >= bpp else 0
              if f == 1: line[i] = (line[i] + a) & 255
              elif f == 2: line[i] = (line[i] + b) & 255
              elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
              elif f == 4:
                  p = a + b - c
                  pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                  line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
          rows.append(line)
          prev = line
      wanted = [(x, tuple(int(x[i:i + 2], 16) for i in (0, 2, 4))) for x in sys.argv[2:]]
      counts = dict((x, 0) for x, _ in wanted)
      for line in rows:
          for i in range(0, stride, bpp):
              r, g, b = line[i], line[i + 1], line[i + 2]
              for name, (R, G, B) in wanted:
                  if abs(r - R) + abs(g - G) + abs(b - B) < 40:
                      counts[name] += 1
      print('size', '%dx%d' % (w, h))
      for name, n in counts.items():
          print(name, n)
      """
    let out = try Scratch.directory(anyoneMayWrite: true) + "/colours.txt"
    _ = try MemtopRunner.runTool(["python3", "-c", script, png] + colours, output: out)
    var result: [String: String] = [:]
    for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2 {
        result[String(parts[0])] = String(parts[1])
      } else {
        result["error", default: ""] += line + "\n"
      }
    }
    return result
  }
}
