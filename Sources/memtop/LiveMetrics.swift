import MemtopCore
import MemtopExport
import MemtopSampling
import MemtopSystem

/// Keeps the Prometheus view of a running recording current: the last values after every
/// sample, the session's verdict each time it judges (never an analysis of its own), published
/// to the HTTP endpoint and, at most once a second, to the textfile (replaced atomically).
final class LiveMetrics {
  /// Seconds between textfile rewrites.
  static let textfileEvery = 1.0

  private var exposition: PrometheusExposition
  private let board: MetricsBoard?
  private let textfile: String?
  private let name: () -> String
  private var lastWrite = -Double.infinity
  private var warned = false

  init(pid: Int32, board: MetricsBoard?, textfile: String?, name: @escaping () -> String) {
    exposition = PrometheusExposition(pid: pid, comm: name())
    self.board = board
    self.textfile = textfile
    self.name = name
    board?.publish(exposition.text)
  }

  /// Takes in the newest `sample`.
  func update(_ sample: MemorySample) {
    exposition.update(with: sample)
    exposition.comm = name()
    publish(force: false, now: sample.elapsed)
  }

  /// Takes in the session's latest verdict (shown from the next publication on).
  func take(_ verdict: SessionVerdict) {
    exposition.render(verdict)
  }

  /// Publishes the last state (the final verdict included) at once.
  func finish() {
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
      // The recording itself goes on; say so once.
      if !warned { printError("warning: " + Messages.cannotWrite(textfile, error, option: "--prom-textfile")) }
      warned = true
    }
  }
}
