import Foundation

/// Every shape of TREND.md's corpus table, in service time (seconds, bytes above 800 MB).
public enum CorpusCatalog {
  static let mb = 1e6
  static let mbPerHour = 1e6 / 3600
  static let minute = 60.0
  static let hour = 3600.0

  /// All shapes, in a fixed order.
  public static let shapes: [CorpusShape] =
    benign + leaks + [
      CorpusShape(name: "log-growth", expectation: .dontCare) { 60 * mb * log(1 + $0 / 60) }
    ]

  /// Shapes that must never raise the alert (outside their don't-care windows).
  public static let benign: [CorpusShape] = [
    CorpusShape(name: "flat-N0", noise: .n0, expectation: .benign) { _ in 0 },
    CorpusShape(name: "flat-N1", expectation: .benign) { _ in 0 },
    CorpusShape(name: "flat-N2", noise: .n2, expectation: .benign) { _ in 0 },
    CorpusShape(name: "shrinking", expectation: .benign) { -60 * mbPerHour * $0 },
    CorpusShape(name: "warmup-5min", expectation: .benign, dontCare: [0...900]) {
      300 * mb * (1 - exp(-$0 / 300))
    },
    CorpusShape(name: "warmup-20min", expectation: .benign, dontCare: [0...3600]) {
      300 * mb * (1 - exp(-$0 / 1200))
    },
    // 0.8 MB/s fills 400 MB in 500 s; don't care until twice the fill time.
    CorpusShape(name: "bounded-cache", expectation: .benign, dontCare: [0...1000]) {
      min(0.8 * mb * $0, 400 * mb)
    },
    CorpusShape(name: "one-step", expectation: .benign) { $0 >= 40 * minute ? 400 * mb : 0 },
    CorpusShape(name: "two-steps", expectation: .benign) {
      ($0 >= 30 * minute ? 200 * mb : 0) + ($0 >= 70 * minute ? 200 * mb : 0)
    },
    CorpusShape(name: "gc-flat", gc: true, expectation: .benign) { _ in 0 },
    // 60 MB peak to peak, period 30 min; windows shorter than two periods are a blind spot.
    CorpusShape(name: "periodic-30min", expectation: .benign, dontCare: [0...3600]) {
      30 * mb * sin(2 * Double.pi * $0 / 1800)
    },
    // 80 MB peak to peak over a day; judged only at 48 h.
    CorpusShape(
      name: "diurnal-48h", duration: 48 * hour, interval: 5, expectation: .benign,
      dontCare: [0...(48 * hour - 1)]
    ) { 40 * mb * sin(2 * Double.pi * $0 / 86400) },
    CorpusShape(name: "gaps-flat", gaps: true, expectation: .benign) { _ in 0 },
    // A new process (restart at 60 min) warms up from 100 MB; only its own lifetime counts.
    CorpusShape(
      name: "restart", expectation: .benign, dontCare: [3600...4500], lifetimeStart: 3600
    ) { $0 < 3600 ? 0 : -700 * mb * exp(-($0 - 3600) / 300) },
  ]

  /// Shapes that leak, with the deadline by which they must be flagged.
  public static let leaks: [CorpusShape] = [
    linear("leak-5MBh", rate: 5, deadline: 24 * hour, duration: 26 * hour, interval: 5),
    linear("leak-10MBh", rate: 10, deadline: 6 * hour, duration: 7 * hour, interval: 2),
    linear("leak-30MBh", rate: 30, deadline: 90 * minute),
    linear("leak-100MBh", rate: 100, deadline: 30 * minute),
    linear("leak-300MBh", rate: 300, deadline: 30 * minute),
    linear("gc-leak-10MBh", rate: 10, deadline: 6 * hour, duration: 7 * hour, gc: true),
    linear("gc-leak-30MBh", rate: 30, deadline: 90 * minute, gc: true),
    linear("gc-leak-100MBh", rate: 100, deadline: 30 * minute, gc: true),
    linear("gaps-leak-30MBh", rate: 30, deadline: 90 * minute, gaps: true),
    // Slow wander (N2) is the hard case: 50 MB/h, judged at the end.
    linear("wander-leak-50MBh", rate: 50, deadline: 2 * hour, noise: .n2),
    CorpusShape(name: "staircase", expectation: .leak(deadline: 90 * minute)) {
      60 * mb * ($0 / 1200).rounded(.down)
    },
    // A +200 MB step at 20 min on top of 30 MB/h: 90 min of evidence after the step.
    CorpusShape(
      name: "step-leak-30MBh", expectation: .leak(deadline: 20 * minute + 90 * minute),
      trueRate: 30 * mbPerHour
    ) { ($0 >= 20 * minute ? 200 * mb : 0) + 30 * mbPerHour * $0 },
    // Quiet for 40 min, then 100 MB/h (a leak that starts when a code path is first taken):
    // 45 min of evidence after the onset.
    CorpusShape(
      name: "late-leak-100MBh", expectation: .leak(deadline: 40 * minute + 45 * minute),
      trueRate: 100 * mbPerHour
    ) { 100 * mbPerHour * max(0, $0 - 40 * minute) },
    CorpusShape(
      name: "stopped-leak", expectation: .leak(deadline: 30 * minute), mustClearByEnd: true,
      trueRate: 100 * mbPerHour
    ) { 100 * mbPerHour * min($0, 40 * minute) },
  ]

  private static func linear(
    _ name: String, rate: Double, deadline: Double, duration: Double = 7200,
    interval: Double = 1, noise: NoisePreset = .n1, gc: Bool = false, gaps: Bool = false
  ) -> CorpusShape {
    let r = rate * mbPerHour
    return CorpusShape(
      name: name, duration: duration, interval: interval, noise: noise, gc: gc, gaps: gaps,
      expectation: .leak(deadline: deadline), trueRate: r
    ) { r * $0 }
  }
}
