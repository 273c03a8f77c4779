import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Whether the terminal is in the view's raw mode and must be put back if the process dies.
private let armed = Atomic<Int32>(0)
/// The terminal's settings before the view started (fd 1, the terminal ncurses drives).
/// Allocated once, before any handler can run, so the handler only reads it.
nonisolated(unsafe) private let savedSettings: UnsafeMutablePointer<termios> = {
  let pointer = UnsafeMutablePointer<termios>.allocate(capacity: 1)
  pointer.initialize(to: termios())
  return pointer
}()
/// The disposition each fatal signal had before (the Swift runtime's crash reporter, or the
/// default), indexed by signal number.
nonisolated(unsafe) private let previousActions: UnsafeMutablePointer<sigaction> = {
  let pointer = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
  pointer.initialize(repeating: sigaction(), count: 65)
  return pointer
}()
/// What puts the screen back: mouse reporting off (every xterm mode ncurses may have turned
/// on: 1000 clicks, 1002/1003 motion, 1005/1006/1015 encodings), leave the alternate screen,
/// reset colours, show the cursor, keypad back to normal mode.
private let restoreSequence: StaticString = """
  \u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1005l\u{1B}[?1006l\u{1B}[?1015l\
  \u{1B}[0m\u{1B}[?1049l\u{1B}[?25h\u{1B}[?1l\u{1B}>\r

  """

/// Puts the terminal back when memtop dies of a crash inside the view (a trap is SIGILL or
/// SIGTRAP, a bad access SIGSEGV or SIGBUS, SIGFPE, SIGABRT), as btop and bottom do, so the
/// shell is never left raw with echo off.
///
/// The handler is async-signal-safe: it restores the saved termios with `tcsetattr`, writes a
/// fixed escape sequence with `write`, puts back the default disposition and raises the signal
/// again, so the process dies of it at once (the Swift runtime's interactive crash report,
/// which waits for a key on a terminal and then hangs, is skipped inside the view).
package enum FatalSignals {
  /// Whether the handlers were installed once (the view runs on one thread).
  nonisolated(unsafe) private static var installed = false

  /// The signals handled.
  package static let handled: [Int32] = [SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGTRAP]

  /// Saves the terminal's settings and installs the handlers; call just before the view
  /// takes over the terminal.
  package static func arm() {
    guard tcgetattr(1, savedSettings) == 0 else { return }
    _ = previousActions
    for signo in handled {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = fatalSignalHandler
      sigemptyset(&action.sa_mask)
      action.sa_flags = Int32(bitPattern: UInt32(SA_NODEFER) | UInt32(SA_RESETHAND))
      var previous = sigaction()
      sigaction(signo, &action, &previous)
      // Keep the first disposition seen, not our own handler when armed twice.
      if !installed { previousActions[Int(signo)] = previous }
    }
    installed = true
    armed.store(1, ordering: .sequentiallyConsistent)
  }

  /// The view restored the terminal itself: a later crash must not write to it.
  package static func disarm() {
    armed.store(0, ordering: .sequentiallyConsistent)
  }
}

private func fatalSignalHandler(_ signo: Int32) {
  if armed.exchange(0, ordering: .sequentiallyConsistent) != 0 {
    _ = tcsetattr(1, TCSANOW, savedSettings)
    _ = write(1, restoreSequence.utf8Start, restoreSequence.utf8CodeUnitCount)
  }
  // The default action, not the runtime's crash reporter: on a terminal that reporter waits
  // for a key and then never ends the process; memtop must die of the signal at once.
  _ = signal(signo, SIG_DFL)
  _ = raise(signo)
}
