import Foundation
import Testing

@testable import MemtopTUI

@Suite("Themes")
struct ThemeTests {
  static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let themesDir = repoRoot.appendingPathComponent("Themes")
  static let btopDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("BtopThemes")

  @Test("every bundled theme file parses", arguments: BundledThemes.names)
  func bundledParses(name: String) throws {
    let path = Self.themesDir.appendingPathComponent(name + ".theme").path
    let theme = try ThemeCatalog(themesDir: nil, environment: [:]).loadFile(path)
    #expect(theme.name == name)
    #expect(theme.monochrome == (name == "monochrome"))
  }

  @Test("every theme in Themes/ is built in, and only those")
  func everyFileBuiltIn() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDir.path)
      .filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(".theme".count)) }
    #expect(
      Set(files) == Set(BundledThemes.names),
      "link Themes/NAME.theme from Sources/MemtopTUI/Theme/Bundled/, embed it in Package.swift, name it in BundledThemes"
    )
    for name in BundledThemes.names {
      #expect(BundledThemes.sources[name]?.hasPrefix("# memtop theme: \(name)\n") == true, "\(name)")
    }
  }

  @Test(
    "every key in every bundled theme has a comment above it, and every role is set", arguments: BundledThemes.names)
  func documented(name: String) throws {
    let text = try String(contentsOf: Self.themesDir.appendingPathComponent(name + ".theme"), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var keys: Set<String> = []
    for (i, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
      #expect(i > 0 && lines[i - 1].hasPrefix("# "), "\(name).theme line \(i + 1) has no comment")
      keys.insert(String(line.split(separator: " ")[0]))
    }
    for role in ColorRole.allCases { #expect(keys.contains(role.rawValue), "\(name) lacks \(role.rawValue)") }
  }

  @Test("themes load by name from the built-in set and by path")
  func loadByNameAndPath() throws {
    let catalog = ThemeCatalog(themesDir: "/nonexistent", environment: [:])
    #expect(try catalog.load("light").background == .rgb(255, 255, 255))
    #expect(try catalog.load(Self.themesDir.appendingPathComponent("high-contrast.theme").path).name == "high-contrast")
    #expect(throws: ThemeError.self) { try catalog.load("no-such-theme") }
  }

  @Test("the search path: --themes-dir, XDG_CONFIG_HOME (else ~/.config), then PREFIX/share beside the binary")
  func searchPath() {
    let xdg = ThemeCatalog(
      themesDir: "/d", environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/u"], executable: "/opt/mt/bin/memtop")
    #expect(xdg.searchPath == ["/d", "/cfg/memtop/themes", "/opt/mt/share/memtop/themes"])
    let home = ThemeCatalog(
      themesDir: nil, environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/u"], executable: "/usr/local/bin/memtop")
    #expect(home.searchPath == ["/home/u/.config/memtop/themes", "/usr/local/share/memtop/themes"])
    // The default is the running binary's real path, whatever name it was started by.
    #expect(ThemeCatalog.executablePath.hasPrefix("/"))
  }

  @Test("a theme in XDG_CONFIG_HOME/memtop/themes is found by name")
  func xdgTheme() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-xdg-\(UUID())")
    let themes = dir.appendingPathComponent("memtop/themes")
    try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try "# mine\nchart.rss = red\n".write(
      to: themes.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
    let theme = try ThemeCatalog(themesDir: nil, environment: ["XDG_CONFIG_HOME": dir.path]).load("mine")
    #expect(theme.style(.chartRSS).foreground == .indexed(1))
  }

  @Test("a theme in --themes-dir overrides the built-in one of the same name")
  func themesDirFirst() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-themes-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try "# mine\nchart.rss = red\n".write(
      to: dir.appendingPathComponent("light.theme"), atomically: true, encoding: .utf8)
    let theme = try ThemeCatalog(themesDir: dir.path, environment: [:]).load("light")
    #expect(theme.style(.chartRSS).foreground == .indexed(1))
    // Partial override: everything else comes from the default theme.
    #expect(theme.style(.chartHeap) == ThemeCatalog.base.style(.chartHeap))
  }

  @Test(
    "malformed themes give one line with file and line",
    arguments: [
      ("text = red\nbogus = blue\n", "t.theme:2: unknown key 'bogus'; known keys: background, monochrome, text,"),
      ("# c\n\nchart.rss red\n", "t.theme:3: expected 'key = value', found 'chart.rss red'"),
      ("chart.rss = \n", "t.theme:1: 'chart.rss' has no value; give a colour such as 'cyan' or '#5fd7ff'"),
      (
        "chart.rss = #12345\n",
        "t.theme:1: chart.rss: '#12345' is not a colour; use default, a name such as red or bright-cyan, #RRGGBB, or 0-255"
      ),
      (
        "title = red blue\n", "t.theme:1: title: unexpected 'blue'; write FG [on BG] [bold] [dim] [underline] [reverse]"
      ),
      ("status = red on\n", "t.theme:1: status: 'on' needs a background colour after it"),
      ("monochrome = yes\n", "t.theme:1: monochrome must be true or false, not 'yes'"),
      (
        "background = 256\n",
        "t.theme:1: '256' is not a colour; use default, a name such as red or bright-cyan, #RRGGBB, or 0-255"
      ),
    ])
  func malformed(text: String, message: String) {
    #expect {
      try ThemeParser.parse(text, name: "t", file: "t.theme", base: ThemeCatalog.base)
    } throws: { error in
      let description = "\(error)"
      return description.hasPrefix(message) && !description.contains("\n")
    }
  }

  @Test("values: colours, backgrounds, attributes and trailing comments")
  func values() throws {
    let text = "chart.rss = #5fd7ff on 236 bold underline  # comment\nmarker = bright-magenta reverse dim\n"
    let theme = try ThemeParser.parse(text, name: "t", file: "t", base: .fallback)
    #expect(
      theme.styles[.chartRSS]
        == Style(foreground: .rgb(0x5f, 0xd7, 0xff), background: .indexed(236), bold: true, underline: true))
    #expect(theme.styles[.marker] == Style(foreground: .indexed(13), dim: true, reverse: true))
  }

  @Test("colours degrade to the palette the terminal has")
  func palettes() {
    #expect(ThemeColor.rgb(255, 0, 0).index(forPalette: 8) == 1)
    #expect(ThemeColor.rgb(0x5f, 0xaf, 0xff).index(forPalette: 256) == 75)
    #expect(ThemeColor.indexed(196).index(forPalette: 16) == 9)
    #expect(ThemeColor.terminalDefault.index(forPalette: 256) == -1)
  }

  @Test("btop themes load as they are, mapped onto memtop's roles", arguments: ["forest", "greys"])
  func btop(name: String) throws {
    let theme = try ThemeCatalog(themesDir: nil, environment: [:]).load(
      Self.btopDir.appendingPathComponent(name + ".theme").path)
    #expect(theme.name == name)
    if name == "forest" {
      #expect(theme.background == .rgb(0x1b, 0x2b, 0x1b))
      #expect(theme.style(.chartRSS).foreground == .rgb(0x80, 0xff, 0x80))
      #expect(theme.style(.dim).foreground == .rgb(0x50, 0x50, 0x50))
      #expect(theme.style(.axis).foreground == .rgb(200, 200, 160))
      #expect(theme.style(.status).background == .rgb(0x2f, 0x4f, 0x2f))
    } else {
      #expect(theme.background == .terminalDefault)
      #expect(theme.style(.chartAnon).foreground == .rgb(0x80, 0x80, 0x80))
    }
  }

  @Test("a malformed btop colour is an error with file and line")
  func btopMalformed() {
    #expect {
      try BtopTheme.parse(
        "theme[main_bg]=\"#00\"\n\ntheme[main_fg]=\"#zzzzzz\"\n", name: "b", file: "b.theme", base: .fallback)
    } throws: { error in
      "\(error)".hasPrefix("b.theme:3: theme[main_fg]: '#zzzzzz' is not a btop colour")
    }
  }

  @Test("NO_COLOR starts in monochrome; --theme still wins; all bundled themes stay in the cycle")
  func noColor() throws {
    let config = MonitorConfiguration(target: .attach(1), interval: 1)
    let themes = try MonitorApp.loadThemes(config, environment: ["NO_COLOR": "1"])
    #expect(themes.map(\.name) == ["monochrome", "default", "light", "high-contrast"])
    #expect(themes[0].monochrome)
    var chosen = config
    chosen.theme = "light"
    #expect(try MonitorApp.loadThemes(chosen, environment: ["NO_COLOR": "1"]).first?.name == "light")
    #expect(try MonitorApp.loadThemes(config, environment: [:]).first?.name == "default")
  }

  @Test("a bad --theme is a usage error naming the file and line")
  func badThemeOption() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).theme")
    try "text = red\n\nwhat = blue\n".write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    var config = MonitorConfiguration(target: .attach(1), interval: 1)
    config.theme = file.path
    #expect {
      try MonitorApp.loadThemes(config, environment: [:])
    } throws: { error in
      guard let error = error as? MonitorError else { return false }
      return error.status == 64 && error.message.hasPrefix("theme error: \(file.path):3: unknown key 'what'")
    }
  }

  @Test("a theme path that is a device or a huge file is refused at once, not read whole")
  func cappedThemeFile() throws {
    let catalog = ThemeCatalog(themesDir: nil, environment: [:])
    do {
      _ = try catalog.loadFile("/dev/zero")
      Issue.record("/dev/zero loaded as a theme")
    } catch {
      #expect(
        error.description
          == "/dev/zero: the file is larger than 256 KiB, so it is not a theme (a theme is a few KiB of key = value lines)"
      )
      #expect(!error.description.contains("permission"))
    }
    let sparse = FileManager.default.temporaryDirectory.appendingPathComponent("memtop-theme-\(UUID()).theme").path
    #expect(FileManager.default.createFile(atPath: sparse, contents: nil))
    defer { try? FileManager.default.removeItem(atPath: sparse) }
    #expect(truncate(sparse, 2 << 30) == 0)
    do {
      _ = try catalog.loadFile(sparse)
      Issue.record("a 2 GB file loaded as a theme")
    } catch {
      #expect(error.description.contains("larger than 256 KiB"))
    }
  }
}
