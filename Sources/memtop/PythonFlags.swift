import ArgumentParser
import MemtopCore

#if canImport(Glibc)
import Glibc
#endif

/// `--python` and `--trace-lines`: shared by the live view and `record`.
struct PythonFlags: ParsableArguments {
  @Flag(
    name: .long,
    help:
      "Load memtop's Python agent: into a launched command through PYTHONPATH (a sitecustomize), into a running CPython (--pid) by injection (sys.remote_exec on 3.14+, gdb before). It reports lru_caches, object types, the collector and, in a tracing window, the lines where memory grows (key y; record writes NAME.python.jsonl)."
  )
  var python = false

  @Flag(
    name: .long,
    help:
      "With --python, start the tracing window (tracemalloc, 1 frame, 60 s) as soon as the agent connects, rather than when the verdict first says leak."
  )
  var traceLines = false

  func validate() throws {
    if traceLines && !python {
      throw ValidationError("--trace-lines needs --python (it starts the Python agent's tracing window)")
    }
  }

  /// Checks the combination with the target options.
  func check(followName: String?) throws {
    if python && followName != nil {
      throw ValidationError(
        "--python does not follow a name across restarts; use --pid PID --python, or launch the program: --python -- python3 app.py"
      )
    }
  }

  /// The session's Python options, when `--python` was given.
  var options: PythonOptions? {
    guard python else { return nil }
    return PythonOptions(
      files: BundledAgent.files, traceLines: traceLines,
      runtimeDirectory: ProcessEnvironmentValue.get("XDG_RUNTIME_DIR"))
  }
}

/// One variable of memtop's environment.
enum ProcessEnvironmentValue {
  static func get(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}
