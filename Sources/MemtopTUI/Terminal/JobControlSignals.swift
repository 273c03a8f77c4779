import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Whether SIGTSTP (ctrl-z) has arrived and not been handled yet.
private let suspendRequested = Atomic<Bool>(false)
/// Whether SIGCONT has arrived and not been handled yet.
private let continueReceived = Atomic<Bool>(false)

/// SIGTSTP and SIGCONT as flags the app loop polls, as ``StopSignals`` does for the signals
/// that end memtop.
///
/// The handlers only set a flag (nothing else is safe in a signal handler). The loop then does
/// the work: on SIGTSTP it gives the terminal back (cooked mode, the shell's screen) and stops
/// memtop with SIGSTOP; on SIGCONT — after its own stop, or after anyone's `kill -STOP` — it
/// takes the terminal back and repaints every cell, since whatever ran meanwhile may have
/// written over the screen. They are installed without `SA_RESTART`, so a loop waiting for input
/// wakes at once.
enum JobControlSignals {
  /// Installs the handlers, replacing the SIGTSTP handler ncurses installs (it cannot repaint
  /// memtop's screen or turn the mouse back on).
  static func install() {
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGTSTP)
    sigaddset(&unblock, SIGCONT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    var stop = sigaction()
    stop.__sigaction_handler.sa_handler = { _ in suspendRequested.store(true, ordering: .relaxed) }
    sigemptyset(&stop.sa_mask)
    sigaction(SIGTSTP, &stop, nil)
    var resume = sigaction()
    resume.__sigaction_handler.sa_handler = { _ in continueReceived.store(true, ordering: .relaxed) }
    sigemptyset(&resume.sa_mask)
    sigaction(SIGCONT, &resume, nil)
  }

  /// Puts both signals back to their default actions (once the terminal is restored).
  static func uninstall() {
    signal(SIGTSTP, SIG_DFL)
    signal(SIGCONT, SIG_DFL)
  }

  /// Whether SIGTSTP arrived since the last call.
  static func takeSuspend() -> Bool { suspendRequested.exchange(false, ordering: .relaxed) }

  /// Whether SIGCONT arrived since the last call.
  static func takeContinue() -> Bool { continueReceived.exchange(false, ordering: .relaxed) }

  /// Stops memtop itself until a SIGCONT (the default action of SIGTSTP, which memtop catches).
  static func stopSelf() {
    kill(getpid(), SIGSTOP)
  }
}
