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
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CNCurses",
      pkgConfig: "ncursesw",
      providers: [.apt(["libncurses-dev"])]
    ),
    // A header-only shim for the one variadic call the core needs (ioctl).
    .systemLibrary(name: "CLinuxSys"),
    .target(name: "MemtopCore", dependencies: ["CLinuxSys"]),
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
      dependencies: ["MemtopCore"],
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
