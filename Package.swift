// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "memtop",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "memtop", targets: ["memtop"]),
    .library(name: "MemtopCore", targets: ["MemtopCore"]),
    .library(name: "MemtopTUI", targets: ["MemtopTUI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(
      name: "CNCurses",
      pkgConfig: "ncursesw",
      providers: [.apt(["libncurses-dev"])]
    ),
    // A header-only shim for the one variadic call the core needs (ioctl).
    .systemLibrary(name: "CLinuxSys"),
    // The rooms of the core as targets, so a reference the wrong way does not compile (see
    // docs/architecture.md): MemtopFormat (byte, time and escaping text: pure functions),
    // MemtopTrend (the analyzer: statistics over series, no files, no clock, nothing of /proc)
    // and MemtopSystem (the kernel side: /proc parsers and the one syscall file) know nothing of
    // sampling, sessions or outputs; above them MemtopSampling (samplers, the launched child),
    // MemtopStore (Timeline, RecordingDigest), MemtopAnalysis (Assessment, the recording and
    // live analyses), MemtopExport (CSV, Prometheus text, SVG) and MemtopCore (the watch
    // session, the Python side), each seeing only the rooms below it. MemtopCore re-exports them.
    .target(name: "MemtopFormat"),
    .target(name: "MemtopTrend", dependencies: ["MemtopFormat"]),
    .target(name: "MemtopSystem", dependencies: ["MemtopFormat", "CLinuxSys"]),
    .target(name: "MemtopSampling", dependencies: ["MemtopFormat", "MemtopSystem", "CLinuxSys"]),
    .target(name: "MemtopStore", dependencies: ["MemtopSampling", "MemtopTrend"]),
    .target(name: "MemtopAnalysis", dependencies: ["MemtopStore", "MemtopSampling", "MemtopTrend"]),
    .target(name: "MemtopExport", dependencies: ["MemtopAnalysis", "MemtopStore", "MemtopSampling"]),
    .target(
      name: "MemtopCore",
      dependencies: [
        "MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis",
        "MemtopExport", "CLinuxSys",
      ],
      // The Python agent's files travel as text in Agent/BundledAgent.swift (scripts/embed-agent).
      exclude: ["Agent/memtop_agent.py", "Agent/sitecustomize.py", "Agent/attach.py"]
    ),
    .target(name: "MemtopCorpus", dependencies: ["MemtopCore"]),
    .executableTarget(
      name: "memtop-score",
      dependencies: [
        "MemtopCore",
        "MemtopCorpus",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "MemtopTUI", dependencies: ["MemtopCore", "CNCurses"]),
    .executableTarget(
      name: "memtop",
      dependencies: [
        "MemtopCore",
        "MemtopTUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "MemtopCoreTests",
      dependencies: [
        "MemtopCore", "MemtopExport", "MemtopAnalysis", "MemtopStore", "MemtopSampling", "MemtopTrend", "MemtopSystem",
        "MemtopFormat",
      ],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(name: "MemtopCorpusTests", dependencies: ["MemtopCorpus", "MemtopCore"]),
    .testTarget(
      name: "MemtopTUITests",
      dependencies: ["MemtopTUI"],
      // Read through #filePath (snapshots are re-recorded in place), not as bundle resources.
      exclude: ["Snapshots", "BtopThemes"]
    ),
    .testTarget(name: "memtopTests", dependencies: ["MemtopCore", "MemtopTUI"]),
  ]
)
