/// The Python agent's files, embedded by the build from `Sources/MemtopCore/Agent/*.py`
/// (SwiftPM resources, `.embedInCode` in Package.swift), so memtop can write them into the
/// directory it puts on the program's `PYTHONPATH` without installed files.
public enum BundledAgent {
  /// File name and exact text (UTF-8, final newline included) of `memtop_agent.py` (the agent),
  /// `sitecustomize.py` (the launch loader) and `attach.py` (the attach loader).
  public static let files: [(name: String, text: String)] = [
    ("memtop_agent.py", String(decoding: PackageResources.memtop_agent_py, as: UTF8.self)),
    ("sitecustomize.py", String(decoding: PackageResources.sitecustomize_py, as: UTF8.self)),
    ("attach.py", String(decoding: PackageResources.attach_py, as: UTF8.self)),
  ]
}
