import MemtopTestSupport
import Testing

@testable import MemtopTUI

/// Drawing follows the eye, not the sampler: at most 5 frames a second from samples, while a
/// key is drawn at once.
@Suite("frame pacing")
struct FramePacingTests {
  /// A screen with a sample due every `interval` seconds of the manual clock; each changes
  /// what it shows. It quits after `samples`.
  final class FastScreen: AppScreen {
    let clock: ManualClock
    let interval: Double
    let samples: Int
    var due: Double
    var handled = 0
    var keys = 0
    /// Clock readings when each key was handled.
    var keyTimes: [Double] = []

    init(clock: ManualClock, interval: Double, samples: Int) {
      self.clock = clock
      self.interval = interval
      self.samples = samples
      due = clock.now
    }

    var nextDue: Double? { due }

    func poll(now: Double) -> [AppEvent] {
      guard now >= due else { return [] }
      due += interval
      return [.refresh]
    }

    func handle(_ event: AppEvent, in context: AppContext) -> Transition {
      switch event {
      case .key(.character("q")): return .quit(status: 0, messages: [])
      case .key:
        keys += 1
        keyTimes.append(clock.now)
        return .redraw
      case .refresh:
        handled += 1
        if handled >= samples { return .quit(status: 0, messages: []) }
        return .redraw
      default: return .none
      }
    }

    func draw(into buffer: inout CellBuffer, context: AppContext) {}
    func finish() -> [String] { [] }
  }

  /// A terminal whose idle waits move the manual clock on instead of sleeping.
  final class ClockTerminal: TerminalBackend {
    let inner: TestTerminal
    let clock: ManualClock
    var keyAt: [Double: Key] = [:]
    /// Clock readings at each frame.
    var frameTimes: [Double] = []

    init(clock: ManualClock) {
      inner = TestTerminal(width: 80, height: 24)
      self.clock = clock
    }

    var size: (width: Int, height: Int) { inner.size }
    func apply(_ theme: Theme) { inner.apply(theme) }
    func flush(_ buffer: CellBuffer) {
      frameTimes.append(clock.now)
      inner.flush(buffer)
    }
    func suspend() {}
    func resume() {}
    func read(timeoutMilliseconds milliseconds: Int) -> TerminalInput? {
      if let at = keyAt.keys.sorted().first, at <= clock.now, let key = keyAt.removeValue(forKey: at) {
        return .key(key)
      }
      clock.now += Double(max(milliseconds, 1)) / 1000
      return nil
    }
  }

  func run(interval: Double, samples: Int, keys: [Double: Key] = [:]) -> (
    frames: Int, seconds: Double, FastScreen, ClockTerminal
  ) {
    let clock = ManualClock(now: 0)
    let terminal = ClockTerminal(clock: clock)
    terminal.keyAt = keys
    let config = MonitorConfiguration(target: .attach(1), interval: interval)
    let context = AppContext(clock: clock, mode: .ascii, themes: [.fallback], config: config, size: terminal.size)
    let screen = FastScreen(clock: clock, interval: interval, samples: samples)
    let app = AppLoop(root: screen, backend: terminal, context: context)
    app.pendingSignal = { nil }
    app.pendingJobControl = { (false, false) }
    _ = app.run()
    return (terminal.inner.flushes, clock.now, screen, terminal)
  }

  @Test("100 samples a second draw at most 5 frames a second, steadily")
  func fastSampling() {
    let (frames, seconds, screen, _) = run(interval: 0.01, samples: 1000)
    #expect(screen.handled == 1000)
    #expect(seconds >= 9.8)
    #expect(Double(frames) <= seconds / AppLoop.minimumFrameGap + 2, "\(frames) frames in \(seconds) s")
    // Still drawn steadily: not one frame at the end.
    #expect(Double(frames) >= seconds / AppLoop.minimumFrameGap / 2, "\(frames) frames in \(seconds) s")
  }

  @Test("one sample a second draws each one")
  func slowSampling() {
    let (frames, _, screen, _) = run(interval: 1, samples: 10)
    #expect(screen.handled == 10)
    // Every sample but the last (which ends the app) got its frame.
    #expect(frames >= 9)
  }

  @Test("a key is drawn at once, between paced frames")
  func keyAtOnce() {
    let (frames, seconds, screen, terminal) = run(
      interval: 0.01, samples: 300, keys: [1.0: .character("x"), 2.0: .character("y")])
    #expect(screen.keys == 2)
    // Drawn before the clock moved on: no wait for the pace.
    for time in screen.keyTimes {
      #expect(
        terminal.frameTimes.contains(time),
        "key at \(time) s; frames near it: \(terminal.frameTimes.filter { abs($0 - time) < 0.1 })")
    }
    #expect(Double(frames) <= seconds / AppLoop.minimumFrameGap + 4, "\(frames) frames in \(seconds) s")
  }
}
