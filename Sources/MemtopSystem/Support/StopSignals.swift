import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The signal that asked memtop to stop, or 0.
private let receivedStopSignal = Atomic<Int32>(0)

/// SIGINT, SIGTERM and SIGHUP as a flag the sampling loop polls.
///
/// The handler only stores the signal number; it is installed without `SA_RESTART`, so a
/// sleeping loop wakes at once (its `clock_nanosleep` fails with EINTR) and ends cleanly.
public enum StopSignals {
  /// The signals that stop a recording.
  public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  /// Installs the handlers (idempotent) and unblocks the signals, which a parent may have
  /// left blocked in the mask memtop inherited.
  public static func install() {
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for signo in handled { sigaddset(&unblock, signo) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for signo in handled {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { signo in
        receivedStopSignal.store(signo, ordering: .relaxed)
      }
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(signo, &action, nil)
    }
  }

  /// The stop signal received so far, or `nil`.
  public static var received: Int32? {
    let signo = receivedStopSignal.load(ordering: .relaxed)
    return signo == 0 ? nil : signo
  }

  /// The signal's name, e.g. `SIGINT`.
  public static func name(_ signo: Int32) -> String {
    switch signo {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    case SIGKILL: "SIGKILL"
    case SIGSEGV: "SIGSEGV"
    case SIGABRT: "SIGABRT"
    case SIGPIPE: "SIGPIPE"
    default: "signal \(signo)"
    }
  }
}
