// swift-tools-version: 6.1
// Benchmarks for memtop, kept out of the main package so its build and CI stay fast.
// Run: cd Benchmarks && swift package benchmark
// Memory flatness of a long recording: cd Benchmarks && swift run -c release memtop-memory
// One walk of the mappings, heap only against heap + kinds: swift run -c release memtop-walk PID
// Memory per row of the process table and `serve` over an hour: swift run -c release memtop-rows 1000 3600
import PackageDescription

let package = Package(
  name: "memtop-benchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "memtop", path: ".."),
    // The default trait needs jemalloc; MallocInterposer counts allocations without it.
    .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "MemtopBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "MemtopCore", package: "memtop"),
        .product(name: "MemtopTUI", package: "memtop"),
      ],
      path: "Benchmarks/MemtopBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    .executableTarget(
      name: "memtop-walk",
      dependencies: [.product(name: "MemtopCore", package: "memtop")]
    ),
    // glibc's <malloc.h>: heap bytes in use, for memtop-rows --breakdown.
    .systemLibrary(name: "CMalloc"),
    .executableTarget(
      name: "memtop-rows",
      dependencies: ["CMalloc", .product(name: "MemtopCore", package: "memtop")]
    ),
    .executableTarget(
      name: "memtop-memory",
      dependencies: [.product(name: "MemtopCore", package: "memtop"), .product(name: "MemtopTUI", package: "memtop")]
    ),
  ]
)
