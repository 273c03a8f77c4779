import Synchronization

/// The text an HTTP endpoint (`MetricsServer`) serves, shared between whoever writes it (the
/// sampling loop, through ``PrometheusSink``; the radar of `memtop serve`) and the server's
/// thread, which reads it for each request.
public final class MetricsBoard: Sendable {
  private let current: Mutex<String>

  /// A board holding `text` (empty by default: served as an empty exposition).
  public init(_ text: String = "") {
    current = Mutex(text)
  }

  /// The text published last.
  public var text: String { current.withLock { $0 } }

  /// Replaces the text; the next request is answered with it.
  public func publish(_ text: String) {
    current.withLock { $0 = text }
  }
}
