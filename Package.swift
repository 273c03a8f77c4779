// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "memtop",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "memtop", targets: ["memtop"]),
    // The core's rooms, each imported by name where it is used (no re-exports).
    .library(
      name: "MemtopCore",
      targets: [
        "MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis",
        "MemtopExport", "MemtopCore",
      ]
    ),
    .library(name: "MemtopTUI", targets: ["MemtopTUI"]),
    // The metrics endpoint (HTTP server, board) and the Prometheus sink.
    .library(name: "MemtopServe", targets: ["MemtopServe"]),
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
    // session, the Python side), each seeing only the rooms below it. Every file imports the rooms
    // it uses; which target may import which is the table in docs/architecture.md, checked by
    // scripts/check-layers.
    .target(name: "MemtopFormat"),
    .target(name: "MemtopTrend", dependencies: ["MemtopFormat"]),
    .target(name: "MemtopSystem", dependencies: ["MemtopFormat", "CLinuxSys"]),
    .target(name: "MemtopSampling", dependencies: ["MemtopFormat", "MemtopSystem", "CLinuxSys"]),
    .target(name: "MemtopStore", dependencies: ["MemtopSampling", "MemtopTrend"]),
    .target(
      name: "MemtopAnalysis",
      dependencies: ["MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore"]
    ),
    .target(
      name: "MemtopExport",
      dependencies: [
        "MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis",
      ]
    ),
    .target(
      name: "MemtopCore",
      dependencies: [
        "MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis",
        "MemtopExport", "CLinuxSys",
      ],
      // The Python agent's files, embedded by the build (BundledAgent.files).
      resources: [
        .embedInCode("Agent/memtop_agent.py"), .embedInCode("Agent/sitecustomize.py"), .embedInCode("Agent/attach.py"),
      ]
    ),
    // The metrics endpoint: address and request parsing, the poll(2) server serving a board's
    // text, and the Prometheus sink that keeps the board and the textfile current.
    .target(
      name: "MemtopServe",
      dependencies: ["MemtopFormat", "MemtopSystem", "MemtopSampling", "MemtopExport", "MemtopCore"]
    ),
    .target(name: "MemtopCorpus", dependencies: ["MemtopTrend"]),
    .executableTarget(
      name: "memtop-score",
      dependencies: [
        "MemtopTrend",
        "MemtopCorpus",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "MemtopTUI",
      dependencies: [
        "MemtopFormat", "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis",
        "MemtopExport", "MemtopCore", "CNCurses",
      ],
      // Themes/*.theme (the files `make install` copies), through links in Theme/Bundled/:
      // a resource must lie inside its target's folder. BundledThemes reads them.
      resources: [
        .embedInCode("Theme/Bundled/default.theme"), .embedInCode("Theme/Bundled/light.theme"),
        .embedInCode("Theme/Bundled/high-contrast.theme"), .embedInCode("Theme/Bundled/monochrome.theme"),
      ]
    ),
    .executableTarget(
      name: "memtop",
      dependencies: [
        "MemtopFormat", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis", "MemtopExport",
        "MemtopCore", "MemtopServe", "MemtopTUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // What the test targets share: the manual clock, the one way to start a child process, the
    // built binary's locator and scratch folders.
    .target(name: "MemtopTestSupport", dependencies: ["MemtopSampling"], path: "Tests/MemtopTestSupport"),
    .testTarget(
      name: "MemtopCoreTests",
      dependencies: [
        "MemtopCore", "MemtopExport", "MemtopAnalysis", "MemtopStore", "MemtopSampling", "MemtopTrend", "MemtopSystem",
        "MemtopFormat", "MemtopTestSupport",
      ],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(
      name: "MemtopServeTests",
      dependencies: [
        "MemtopFormat", "MemtopSystem", "MemtopSampling", "MemtopExport", "MemtopCore", "MemtopServe",
        "MemtopTestSupport",
      ]
    ),
    .testTarget(
      name: "MemtopCorpusTests", dependencies: ["MemtopFormat", "MemtopTrend", "MemtopAnalysis", "MemtopCorpus"]
    ),
    .testTarget(
      name: "MemtopTUITests",
      dependencies: [
        "MemtopTrend", "MemtopSystem", "MemtopSampling", "MemtopStore", "MemtopAnalysis", "MemtopExport", "MemtopCore",
        "MemtopTUI", "MemtopTestSupport",
      ],
      // Read through #filePath (snapshots are re-recorded in place), not as bundle resources.
      exclude: ["Snapshots", "BtopThemes"]
    ),
    .testTarget(
      name: "memtopTests",
      dependencies: [
        "MemtopFormat", "MemtopSystem", "MemtopSampling", "MemtopExport", "MemtopCore", "MemtopTUI",
        "MemtopTestSupport",
      ]
    ),
  ]
)
