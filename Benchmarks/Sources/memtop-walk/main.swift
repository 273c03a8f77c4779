// Times one walk of a process's mappings two ways, interleaved in the same run: the heap-only
// walk (PROCMAP_QUERY over every mapping, PAGEMAP_SCAN over the heap-like ones) and the walk
// that classifies every mapping into a kind and counts its present pages (what the sampler
// does now), plus counting open descriptors. Prints the median and the ratio.
//
// Run: cd Benchmarks && swift run -c release memtop-walk PID [rounds]
// e.g. against scripts/peers/target.py (1 GiB Python) started by hand.
import Foundation
import MemtopSystem

let arguments = CommandLine.arguments.dropFirst()
guard let pid = arguments.first.flatMap({ Int32($0) }) else {
  Syscalls.writeStandardError("usage: memtop-walk PID [rounds]\n")
  exit(2)
}
let rounds = arguments.dropFirst().first.flatMap { Int($0) } ?? 200
let handle: ProcessHandle
do {
  handle = try ProcessHandle(pid: pid)
} catch {
  Syscalls.writeStandardError("memtop-walk: cannot open process \(pid): \(error)\n")
  exit(1)
}
guard handle.heapSource == .ioctl else {
  Syscalls.writeStandardError("memtop-walk: this kernel lacks PROCMAP_QUERY/PAGEMAP_SCAN\n")
  exit(1)
}

/// Wall and CPU (this thread) seconds of one call.
func time(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
  let wall = Syscalls.monotonicSeconds()
  let cpu = Syscalls.threadCPUSeconds()
  try body()
  return (Syscalls.monotonicSeconds() - wall, Syscalls.threadCPUSeconds() - cpu)
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

var heapOnly: [(wall: Double, cpu: Double)] = []
var classified: [(wall: Double, cpu: Double)] = []
var fds: [(wall: Double, cpu: Double)] = []
var last: RegionReading?
var heapFigures: (UInt64, UInt64) = (0, 0)
for round in 0..<rounds {
  // Alternate which goes first, so neither always finds the caches warm.
  if round % 2 == 0 {
    heapOnly.append(try time { _ = try handle.readHeap() })
    classified.append(try time { last = try handle.readRegions().regions })
  } else {
    classified.append(try time { last = try handle.readRegions().regions })
    heapOnly.append(try time { _ = try handle.readHeap() })
  }
  fds.append(try time { _ = try handle.countFileDescriptors() })
}
let heap = try handle.readHeap()
heapFigures = (heap.heap, heap.brkHeap)

func ms(_ seconds: Double) -> String { String(format: "%.3f ms", seconds * 1000) }
let regions = last ?? RegionReading()
print(
  "process \(pid): \(regions.mappings) mappings, \(regions.bytes.total >> 20) MiB resident,",
  "heap \(heapFigures.0 >> 20) MiB; \(rounds) rounds")
print("| read | median wall | median CPU |")
print("|---|---|---|")
func row(_ name: String, _ times: [(wall: Double, cpu: Double)]) {
  print("| \(name) | \(ms(median(times.map(\.wall)))) | \(ms(median(times.map(\.cpu)))) |")
}
row("heap only (PAGEMAP_SCAN over heap-like mappings)", heapOnly)
row("heap + kinds (PAGEMAP_SCAN over every mapping, classified)", classified)
row("open descriptors (getdents64)", fds)
print(
  String(
    format: "ratio heap + kinds / heap only: %.3f wall, %.3f CPU",
    median(classified.map(\.wall)) / median(heapOnly.map(\.wall)),
    median(classified.map(\.cpu)) / median(heapOnly.map(\.cpu))))
