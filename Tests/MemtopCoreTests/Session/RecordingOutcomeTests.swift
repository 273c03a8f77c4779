import MemtopExport
import MemtopStore
import MemtopSystem
import Testing

@testable import MemtopCore
@testable import MemtopSampling

#if canImport(Glibc)
import Glibc
#endif

/// What a finished `record` amounts to, for its exit status: which reason wins when several
/// apply, and when a command memtop stopped itself counts as a clean end.
@Suite("recording outcome")
struct RecordingOutcomeTests {
  /// Ten minutes of RSS growing 1 MB a second (leak) or flat (stable), one sample a second.
  static func verdict(leaking: Bool) -> SessionVerdict {
    let samples = (0..<600).map { i in
      MemorySample(
        timeUnix: 1_764_000_000 + Double(i), elapsed: Double(i), pid: 7,
        rss: 100_000_000 + (leaking ? UInt64(i) * 1_000_000 : 0))
    }
    return VerdictPolicy.judge(recording: samples, limit: nil)
  }

  static let leak = verdict(leaking: true)
  static let stable = verdict(leaking: false)

  static let exit = ProcessExit(identity: ProcessIdentity(pid: 7, startTimeTicks: 1), name: "app", reason: .exited)

  static func summary(
    end: RecordingEnd = .durationReached, samples: Int = 600, termination: ChildTermination? = nil,
    stopped: Bool = false, outputFailed: Bool = false
  ) -> WatchSummary {
    WatchSummary(
      end: end, samples: samples, missed: 0, duration: 600, peakRSS: nil, digest: RecordingDigest(),
      termination: termination, stoppedCommand: stopped,
      outputFailure: outputFailed ? CSVWriteError(path: "out.csv", cause: .noSpace, creating: false) : nil)
  }

  @Test("the fixtures judge as they say")
  func fixtures() {
    #expect(Self.leak.verdict == .leak)
    #expect(Self.stable.verdict != .leak)
  }

  @Test(
    "which outcome applies, first match wins",
    arguments: [
      ("a clean recording", summary(), false, RecordingOutcome.success),
      ("a leak without --fail-on-leak", summary(), true, .success),
      ("a failed output beats everything", summary(termination: .exited(3), outputFailed: true), true, .outputFailed),
      (
        "a command that failed on its own passes its status on", summary(termination: .exited(3)), true,
        .commandFailed(3)
      ),
      (
        "a command killed on its own: 128 + the signal", summary(termination: .signaled(SIGKILL)), true,
        .commandFailed(137)
      ),
      (
        "a command memtop stopped with SIGTERM ended cleanly", summary(termination: .signaled(SIGTERM), stopped: true),
        false, .success
      ),
      (
        "a command memtop stopped that failed otherwise keeps its status",
        summary(termination: .exited(2), stopped: true), false, .commandFailed(2)
      ),
      (
        "a target gone before its first sample recorded nothing", summary(end: .targetExited(exit, nil), samples: 0),
        true, .nothingRecorded
      ),
      (
        "a launched command gone before its first sample that exited 0",
        summary(end: .targetExited(exit, .exited(0)), samples: 0, termination: .exited(0)), true, .success
      ),
    ])
  func outcome(_ name: String, summary: WatchSummary, leaking: Bool, expected: RecordingOutcome) {
    let verdict = leaking ? Self.leak : Self.stable
    #expect(RecordingOutcome(summary, verdict: verdict, failOnLeak: false) == expected, "\(name)")
  }

  @Test("--fail-on-leak makes a leak the outcome only when nothing before it applies")
  func failOnLeak() {
    #expect(RecordingOutcome(Self.summary(), verdict: Self.leak, failOnLeak: true) == .leak)
    #expect(RecordingOutcome(Self.summary(), verdict: Self.stable, failOnLeak: true) == .success)
    #expect(
      RecordingOutcome(Self.summary(termination: .exited(3)), verdict: Self.leak, failOnLeak: true) == .commandFailed(3)
    )
  }
}
