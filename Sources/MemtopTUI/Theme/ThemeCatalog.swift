import Foundation
import MemtopSystem

/// Finds and loads themes: `--theme NAME|PATH`, the search path, and the bundled themes.
///
/// Search order for a NAME: `--themes-dir`, `$XDG_CONFIG_HOME/memtop/themes` (or
/// `~/.config/memtop/themes`), `<prefix>/share/memtop/themes` beside the executable, then the
/// themes built into memtop. A value containing `/` or ending in `.theme` is a path.
package struct ThemeCatalog: Sendable {
  /// Folders searched for `NAME.theme`, in order.
  package var searchPath: [String]

  package init(
    themesDir: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
    executable: String = Self.executablePath
  ) {
    var path: [String] = []
    if let themesDir { path.append(themesDir) }
    if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
      path.append(xdg + "/memtop/themes")
    } else if let home = environment["HOME"], !home.isEmpty {
      path.append(home + "/.config/memtop/themes")
    }
    let binDir = URL(fileURLWithPath: executable).deletingLastPathComponent()
    path.append(binDir.deletingLastPathComponent().appendingPathComponent("share/memtop/themes").path)
    searchPath = path
  }

  /// The running executable's real path (`/proc/self/exe`), so themes installed beside it are
  /// found however it was started: by a bare name through `PATH`, or through a symbolic link.
  package static var executablePath: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
  }

  /// The built-in default theme (the bundled `default.theme`).
  package static var base: Theme {
    let text = BundledThemes.sources["default"] ?? ""
    var colour = Theme.fallback
    colour.monochrome = false
    return (try? ThemeParser.parse(text, name: "default", file: "default.theme", base: colour)) ?? .fallback
  }

  /// Names `t` cycles through.
  package static var bundledNames: [String] { BundledThemes.names }

  /// Loads a theme by name or path.
  package func load(_ nameOrPath: String) throws(ThemeError) -> Theme {
    if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
      return try loadFile(nameOrPath)
    }
    for dir in searchPath {
      let candidate = dir + "/" + nameOrPath + ".theme"
      if FileManager.default.isReadableFile(atPath: candidate) { return try loadFile(candidate) }
    }
    if let text = BundledThemes.sources[nameOrPath] {
      return try ThemeParser.parse(text, name: nameOrPath, file: nameOrPath + ".theme", base: Self.base)
    }
    let known = BundledThemes.names.joined(separator: ", ")
    throw ThemeError(
      file: nameOrPath, line: 0, reason: "no such theme; use one of \(known), or a path to a .theme file")
  }

  /// Loads a `.theme` file: memtop's `key = value` format, or a btop theme (`theme[key]="value"`).
  package func loadFile(_ path: String) throws(ThemeError) -> Theme {
    let text = try Self.readCapped(path)
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    if BtopTheme.looksLikeBtop(text) {
      return try BtopTheme.parse(text, name: name, file: path, base: Self.base)
    }
    return try ThemeParser.parse(text, name: name, file: path, base: Self.base)
  }

  /// The largest theme file read, bytes: a theme is a few KiB.
  package static let maxThemeBytes = 256 * 1024

  /// Reads a theme file, refusing at once anything larger than ``maxThemeBytes`` or binary
  /// (`/dev/zero`, a sparse file), so a wrong path can neither hang nor fill memory.
  static func readCapped(_ path: String) throws(ThemeError) -> String {
    let fd: Int32
    do {
      fd = try Syscalls.openReadOnly(path)
    } catch {
      throw ThemeError(file: path, line: 0, reason: "cannot read the theme file: \(error); check the path")
    }
    defer { Syscalls.close(fd) }
    var bytes = [UInt8](repeating: 0, count: maxThemeBytes + 1)
    var used = 0
    while used < bytes.count {
      let got: Int
      do {
        got = try bytes.withUnsafeMutableBytes { raw throws(SystemError) in
          guard let base = raw.baseAddress else { return 0 }
          return try Syscalls.pread(fd, base + used, count: raw.count - used, offset: used)
        }
      } catch {
        throw ThemeError(file: path, line: 0, reason: "cannot read the theme file: \(error); give a .theme file")
      }
      if got == 0 { break }
      used += got
    }
    guard used <= maxThemeBytes else {
      throw ThemeError(
        file: path, line: 0,
        reason:
          "the file is larger than \(maxThemeBytes / 1024) KiB, so it is not a theme (a theme is a few KiB of key = value lines)"
      )
    }
    guard !bytes[..<used].contains(0) else {
      throw ThemeError(
        file: path, line: 0,
        reason: "the file holds binary data (NUL bytes), so it is not a theme; give a .theme file of key = value lines")
    }
    return String(decoding: bytes[..<used], as: UTF8.self)
  }
}
