import Foundation
import MemtopTestSupport
import Testing

/// `make install` and `make uninstall` into a temporary prefix, with the binary this test run
/// built (so no release build is needed), and the installed files used for real.
@Suite("make install")
struct InstallTests {
  static let expectedFiles = [
    "bin/memtop",
    "share/man/man1/memtop.1",
    "share/memtop/themes/default.theme",
    "share/memtop/themes/high-contrast.theme",
    "share/memtop/themes/light.theme",
    "share/memtop/themes/monochrome.theme",
    "share/bash-completion/completions/memtop",
    "share/zsh/site-functions/_memtop",
    "share/fish/vendor_completions.d/memtop.fish",
  ]

  /// Runs `argv`, returning its status and combined output.
  static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
    let out = try Scratch.directory(anyoneMayWrite: true) + "/out"
    let status = try MemtopRunner.runTool(argv, output: out)
    return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
  }

  /// Regular files under `dir`, relative to it.
  static func files(under dir: String) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: dir)
    var found: [String] = []
    while let path = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
        found.append(path)
      }
    }
    return found.sorted()
  }

  @Test("installs binary, man page, themes and completions; the installed copies work; uninstall removes them")
  func installAndUninstall() throws {
    let prefix = try Scratch.directory(anyoneMayWrite: true) + "/prefix"
    let root = ManPageTests.root.path
    let install = try Self.run(["make", "-C", root, "install", "PREFIX=\(prefix)", "MEMTOP_BIN=\(BuiltBinary.memtop)"])
    try #require(install.status == 0, "\(install.output)")
    #expect(Self.files(under: prefix) == Self.expectedFiles.sorted())

    // The installed binary runs.
    let version = try Self.run([prefix + "/bin/memtop", "--version"])
    #expect(version.status == 0 && version.output.hasPrefix("0."), "\(version.output)")
    let help = try Self.run([prefix + "/bin/memtop", "--help"])
    #expect(help.status == 0)
    for subcommand in ["record", "analyze", "plot"] { #expect(help.output.contains(subcommand)) }

    // man finds the page through MANPATH, and reads the file directly with -l.
    let man = try Self.run(["env", "MANPATH=\(prefix)/share/man", "MANWIDTH=80", "man", "-P", "cat", "memtop"])
    #expect(man.status == 0, "\(man.output)")
    #expect(man.output.contains("MEMTOP(1)") && man.output.contains("SUBCOMMANDS"), "\(man.output.prefix(300))")
    let local = try Self.run(["env", "MANWIDTH=80", "man", "-P", "cat", "-l", prefix + "/share/man/man1/memtop.1"])
    #expect(local.status == 0 && local.output.contains("EXIT STATUS"))

    // The bash completion script loads and registers memtop; the others are non-empty scripts.
    let bash = try Self.run([
      "bash", "-c", "source \"$1\" && complete -p memtop", "bash", prefix + "/share/bash-completion/completions/memtop",
    ])
    #expect(bash.status == 0 && bash.output.contains("memtop"), "\(bash.output)")
    for script in ["share/zsh/site-functions/_memtop", "share/fish/vendor_completions.d/memtop.fish"] {
      let text = (try? String(contentsOfFile: prefix + "/" + script, encoding: .utf8)) ?? ""
      #expect(text.contains("plot") && text.contains("output"), "\(script)")
    }

    // Started by its bare name through PATH, the installed binary finds themes in
    // PREFIX/share/memtop/themes: a broken one there is reported with its installed path.
    let probe = prefix + "/share/memtop/themes/probe.theme"
    try "# probe\nno.such.key = red\n".write(toFile: probe, atomically: true, encoding: .utf8)
    let ptyRun =
      "import os, pty, sys; os.environ['PATH'] = sys.argv[1] + ':' + os.environ['PATH']; sys.exit(pty.spawn(sys.argv[2:]) >> 8)"
    let themed = try Self.run([
      "python3", "-c", ptyRun, prefix + "/bin", "memtop", "--theme", "probe", "--pid", "\(getpid())",
    ])
    #expect(themed.status == 64)
    #expect(themed.output.contains("\(probe):2: unknown key 'no.such.key'"), "\(themed.output)")
    try FileManager.default.removeItem(atPath: probe)

    let uninstall = try Self.run(["make", "-C", root, "uninstall", "PREFIX=\(prefix)"])
    #expect(uninstall.status == 0, "\(uninstall.output)")
    #expect(Self.files(under: prefix).isEmpty, "left behind: \(Self.files(under: prefix))")
    #expect(!FileManager.default.fileExists(atPath: prefix + "/share/memtop"))
  }
}
