import MemtopCore

/// libFuzzer entry for the recording reader (`memtop analyze`'s input): any bytes must give
/// samples or a `file:line` error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  do {
    _ = try RecordingReader(path: "fuzz.csv").read(bytes)
  } catch {
    // The message must name the file; a crash building it would be a bug too.
    precondition(error.description.hasPrefix("fuzz.csv"))
  }
  return 0
}
