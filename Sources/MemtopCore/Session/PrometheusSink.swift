import MemtopExport
import MemtopSampling
import MemtopSystem

/// A watch's Prometheus view, kept current as a ``WatchSink``: the last values after every
/// sample and the session's verdict each time it judges (never an analysis of its own),
/// published to a ``MetricsBoard`` (what an HTTP endpoint serves) and, at most once a second of
/// the watch's time, to a textfile replaced atomically (node_exporter's textfile collector).
/// The session attaches one when its ``WatchPlan`` names a board or a textfile.
public final class PrometheusSink: WatchSink {
  /// Seconds of the watch between textfile rewrites.
  static let textfileEvery = 1.0

  private var exposition: PrometheusExposition
  private let board: MetricsBoard?
  private let textfile: String?
  private let name: () -> String
  private let textfileFailed: (SystemError) -> Void
  private var lastWrite = -Double.infinity
  private var failed = false

  /// A sink for the process `pid`, whose command name `name` gives (asked at every sample: a
  /// launched command's name changes once it runs). `textfileFailed` hears the first failure to
  /// write `textfile`, once; the watch goes on.
  public init(
    pid: Int32, board: MetricsBoard?, textfile: String?, name: @escaping () -> String,
    textfileFailed: @escaping (SystemError) -> Void
  ) {
    exposition = PrometheusExposition(pid: pid, comm: name())
    self.board = board
    self.textfile = textfile
    self.name = name
    self.textfileFailed = textfileFailed
    board?.publish(exposition.text)
  }

  /// Checks that `path` can be replaced atomically, before a watch starts, by writing it empty.
  public static func prepareTextfile(_ path: String) throws(SystemError) {
    try Syscalls.writeFileAtomically(path, [])
  }

  /// The exposition as it stands.
  public var text: String { exposition.text }

  public func take(_ sample: MemorySample, members: [MemorySample]) throws(CSVWriteError) {
    exposition.update(with: sample)
    exposition.comm = name()
    publish(force: false, now: sample.elapsed)
  }

  /// Takes in the session's latest verdict (shown from the next publication on).
  public func take(_ verdict: SessionVerdict) {
    exposition.render(verdict)
  }

  public func flush() throws(CSVWriteError) {}

  /// Publishes the last state (the final verdict included) at once.
  public func finish() throws(CSVWriteError) {
    publish(force: true, now: .infinity)
  }

  private func publish(force: Bool, now: Double) {
    let text = exposition.text
    board?.publish(text)
    guard let textfile, force || now - lastWrite >= Self.textfileEvery else { return }
    lastWrite = now
    do {
      try Syscalls.writeFileAtomically(textfile, Array(text.utf8))
    } catch {
      if !failed { textfileFailed(error) }
      failed = true
    }
  }
}
