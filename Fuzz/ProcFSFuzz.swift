import MemtopSystem

/// libFuzzer entry for the `/proc` parsers: the first byte picks the parser, the rest is the
/// file's text. Every parser must return a value or throw its error; anything else is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcFS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let body = UnsafeBufferPointer(start: data + 1, count: size - 1)
  switch data[0] % 8 {
  case 0: _ = try? ProcStatus.parse(body)
  case 1: _ = try? ProcStat.parse(body)
  case 2: _ = try? ProcStatm.parse(body, pageSize: 4096)
  case 3: _ = try? SmapsSummary.parse(body)
  case 4: _ = try? MemoryRollup.parse(body)
  case 5: _ = MemoryLimit.cgroupPaths(String(decoding: body, as: UTF8.self))
  case 6: _ = MemoryLimit.parseLimit(String(decoding: body, as: UTF8.self))
  default: _ = MemoryLimit.parseMemAvailable(String(decoding: body, as: UTF8.self))
  }
  return 0
}
