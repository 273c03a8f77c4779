import Foundation
import MemtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// Starts the monitor: checks and loads everything that can fail with a one-line error before
/// the screen is taken over, then runs the loop and restores the terminal on every exit path.
public enum MonitorApp {
  /// Runs the interactive view; returns the exit status.
  public static func run(_ config: MonitorConfiguration) throws(MonitorError) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let themes = try loadThemes(config, environment: environment)
    var recordWriter: CSVFileWriter?
    if let path = config.recordPath {
      do {
        recordWriter = try CSVFileWriter(path: path)
      } catch {
        throw MonitorError(message: error.description)
      }
    }
    StopSignals.install()
    let (handle, child, childOutput) = try openTarget(config)
    var session = SessionInfo(pid: handle.identity.pid, name: handle.name, interval: config.interval)
    session.limitBytes = handle.readCgroupLimit()?.bytes
    session.ageAtStart = ProcessFacts.readAge(startTimeTicks: handle.identity.startTimeTicks)
    session.childOutput = childOutput
    session.recordPath = config.recordPath.map(Exporter.absolute)

    let utf8 = NCursesTerminal.prepareLocale()
    let mode: GlyphMode = config.ascii || !utf8 ? .ascii : .braille
    let terminal = NCursesTerminal()
    do {
      try terminal.start()
    } catch {
      child?.signal(SIGTERM)
      throw MonitorError(message: error.message)
    }
    let loop = MonitorLoop(
      terminal: terminal, handle: handle, child: child, session: session, themes: themes, mode: mode,
      config: config, recordWriter: recordWriter)
    let outcome = loop.run()
    terminal.stop()
    // The terminal is back: now it is safe to print.
    for line in outcome.messages { Syscalls.writeStandardError("memtop: " + line + "\n") }
    if let child, child.poll() == nil { stop(child) }
    return outcome.status
  }

  /// The themes `t` cycles through, the chosen one first: `--theme`, else monochrome under
  /// `NO_COLOR`, else the default.
  static func loadThemes(_ config: MonitorConfiguration, environment: [String: String]) throws(MonitorError) -> [Theme] {
    let catalog = ThemeCatalog(themesDir: config.themesDir, environment: environment)
    var names = ThemeCatalog.bundledNames
    let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
    let first = config.theme ?? (noColor ? "monochrome" : "default")
    var themes: [Theme] = []
    do {
      themes.append(try catalog.load(first))
      names.removeAll { $0 == first }
      for name in names { themes.append(try catalog.load(name)) }
    } catch {
      throw MonitorError(message: "theme error: \(error)", status: 64)
    }
    return themes
  }

  /// Opens the process to watch, launching the command first in launch mode.
  static func openTarget(_ config: MonitorConfiguration) throws(MonitorError) -> (ProcessHandle, ChildProcess?, String?) {
    switch config.target {
    case .attach(let pid):
      do {
        return (try ProcessHandle(pid: pid), nil, nil)
      } catch {
        throw MonitorError(message: error.openMessage(pid: pid))
      }
    case .launch(let arguments):
      let output = config.childOutput ?? (NSTemporaryDirectory() + "memtop-child-\(getpid()).log")
      // Create the log first, so a bad path is reported as such rather than as a launch failure.
      guard FileManager.default.createFile(atPath: output, contents: nil) else {
        throw MonitorError(message: "cannot create the child output file '\(Sanitizer.terminalSafe(output))'; choose a writable --child-output path")
      }
      let child: ChildProcess
      do {
        child = try ChildProcess(arguments: arguments, outputPath: output)
      } catch {
        throw MonitorError(message: error.description, status: 127)
      }
      do {
        return (try ProcessHandle(pid: child.pid), child, Exporter.absolute(output))
      } catch {
        let termination = child.waitForExit()
        throw MonitorError(
          message: "'\(Sanitizer.terminalSafe(arguments[0]))' \(termination) before it could be sampled; its output is in \(output)",
          status: termination.shellStatus)
      }
    }
  }


  /// Ends a launched command that outlived the view: SIGTERM, then SIGKILL after 2 s.
  static func stop(_ child: ChildProcess) {
    child.signal(SIGTERM)
    for _ in 0..<20 {
      if child.poll() != nil { return }
      usleep(100_000)
    }
    child.signal(SIGKILL)
    _ = child.waitForExit()
  }
}
