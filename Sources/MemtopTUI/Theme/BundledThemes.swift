/// The bundled themes' text, embedded by the build from `Themes/*.theme` (SwiftPM resources,
/// `.embedInCode` in Package.swift, through the links in `Theme/Bundled/`), so `--theme NAME`
/// works without installed files.
enum BundledThemes {
  /// Theme names in the order `t` cycles through them.
  static let names = ["default", "light", "high-contrast", "monochrome"]

  /// Source text by name, without the final newline.
  static let sources: [String: String] = [
    "default": text(PackageResources.default_theme),
    "light": text(PackageResources.light_theme),
    "high-contrast": text(PackageResources.high_contrast_theme),
    "monochrome": text(PackageResources.monochrome_theme),
  ]

  /// The UTF-8 text of a theme file, its final newline dropped.
  private static func text(_ bytes: [UInt8]) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }
}
