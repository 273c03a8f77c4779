/// libFuzzer entry for both theme formats (memtop's `key = value` and btop's `theme[key]="…"`):
/// any text must give a theme or a `file:line` error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    if BtopTheme.looksLikeBtop(text) {
      _ = try BtopTheme.parse(text, name: "fuzz", file: "fuzz.theme", base: .fallback)
    } else {
      _ = try ThemeParser.parse(text, name: "fuzz", file: "fuzz.theme", base: .fallback)
    }
  } catch {
    precondition(error.description.hasPrefix("fuzz.theme"))
  }
  return 0
}
