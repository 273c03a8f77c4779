import MemtopAnalysis
import MemtopExport
import MemtopSampling
import MemtopStore
import MemtopSystem

/// Keeps the Prometheus view of a running recording current: the last values after every
/// sample, the analyzer's verdict every few seconds, published to the HTTP endpoint and, at
/// most once a second, to the textfile (replaced atomically).
final class LiveMetrics {
  /// Seconds of recording between analyses.
  static let analysisEvery = 5.0
  /// Seconds between textfile rewrites.
  static let textfileEvery = 1.0

  private var exposition: PrometheusExposition
  private let board: MetricsBoard?
  private let textfile: String?
  private let name: () -> String
  private let limit: (RecordingDigest) -> MemoryLimit?
  private var lastAnalysis = -Double.infinity
  private var lastWrite = -Double.infinity
  private var warned = false

  init(
    pid: Int32, board: MetricsBoard?, textfile: String?, name: @escaping () -> String,
    limit: @escaping (RecordingDigest) -> MemoryLimit?
  ) {
    exposition = PrometheusExposition(pid: pid, comm: name())
    self.board = board
    self.textfile = textfile
    self.name = name
    self.limit = limit
    board?.publish(exposition.text)
  }

  /// Takes in the newest `sample`, which `digest` already holds.
  func update(_ sample: MemorySample, digest: RecordingDigest, regions: RecordingDigest? = nil) {
    exposition.update(with: sample)
    exposition.comm = name()
    if sample.elapsed - lastAnalysis >= Self.analysisEvery {
      lastAnalysis = sample.elapsed
      exposition.analysis = RecordingAnalysis(digest: digest, limit: limit(digest), regions: regions)
    }
    publish(force: false, now: sample.elapsed)
  }

  /// Publishes the recording's final verdict.
  func finish(_ analysis: RecordingAnalysis) {
    exposition.analysis = analysis
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
