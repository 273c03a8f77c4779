import MemtopSystem

/// The app: a stack of screens, one ``AppEvent`` at a time, drawn through a
/// ``TerminalBackend``.
///
/// Events come from five places — the terminal (keys, resizes), the top screen (samples, the
/// launched command's end), the clock (a tick a second), stop signals and job control (ctrl-z,
/// SIGCONT) — and all go through
/// ``send(_:)``, which tests call directly. Input is read with a timeout up to the top screen's
/// next event (≤ 200 ms), so a key is handled the moment it arrives, sampling stays on
/// schedule, and an idle view wakes only a few times a second.
final class AppLoop {
  /// How the app ended: the exit status and lines to print once the terminal is restored.
  struct Outcome: Equatable {
    var status: Int32
    var messages: [String]
  }

  /// Longest wait for input, milliseconds: keys end it at once, so this only bounds how late
  /// a stop signal or the once-a-second tick is noticed when idle.
  static let maxWaitMilliseconds = 200

  /// Shortest time between two frames that samples alone ask for, seconds: 5 a second, as
  /// smooth as a memory chart needs to look (a column of a minute-wide chart on a 160-column
  /// terminal is 0.375 s), whatever the sampling interval (at 100 Hz a frame costs more than
  /// the twenty samples it shows). A key, a resize or a new screen is drawn at once.
  static let minimumFrameGap = 0.2

  /// The screens, bottom first; the last one is shown.
  private(set) var stack: [any AppScreen]
  let context: AppContext
  private let backend: any TerminalBackend
  /// The stop signal received, if any (the real one reads ``StopSignals``).
  var pendingSignal: () -> Int32? = { StopSignals.received }
  /// Whether SIGTSTP and SIGCONT arrived (the real ones read ``JobControlSignals``).
  var pendingJobControl: () -> (suspend: Bool, continued: Bool) = {
    (JobControlSignals.takeSuspend(), JobControlSignals.takeContinue())
  }
  /// Stops memtop until it is continued (tests replace it; the real one raises SIGSTOP).
  var stopSelf: () -> Void = { JobControlSignals.stopSelf() }
  private var dirty = true
  /// Whether the pending frame answers the user (a key, a resize, a new screen): drawn at once.
  private var urgent = true
  /// Monotonic time of the latest frame.
  private var lastFrame = -Double.infinity
  /// Frames drawn so far.
  private(set) var frames = 0
  private var appliedTheme: Int?
  private(set) var outcome: Outcome?
  /// Messages of screens that already left the stack.
  private var messages: [String] = []
  private var finished = false

  init(root: any AppScreen, backend: any TerminalBackend, context: AppContext) {
    stack = [root]
    self.backend = backend
    self.context = context
    context.size = backend.size
  }

  /// The screen shown.
  var top: any AppScreen { stack[stack.count - 1] }

  /// Whether the app has ended.
  var isFinished: Bool { outcome != nil }

  /// Runs until a screen quits or a stop signal arrives; the caller restores the terminal.
  func run() -> Outcome {
    var lastTick = context.clock.monotonicSeconds()
    while outcome == nil {
      if let signo = pendingSignal() {
        send(.signal(signo))
        break
      }
      let jobControl = pendingJobControl()
      if jobControl.suspend {
        send(.suspend)
      } else if jobControl.continued {
        send(.continued)
      }
      pump()
      let now = context.clock.monotonicSeconds()
      if now - lastTick >= 1 {
        lastTick = now
        send(.tick)
      }
      guard outcome == nil else { break }
      let later = context.clock.monotonicSeconds()
      let frameDue = lastFrame + Self.minimumFrameGap
      if urgent || later >= frameDue { draw() }
      var untilDue = top.nextDue.map { Int((($0 - later) * 1000).rounded(.up)) } ?? Self.maxWaitMilliseconds
      // A frame held back for the pace is drawn when its time comes, even with no sample due.
      if dirty { untilDue = min(untilDue, Int(((frameDue - later) * 1000).rounded(.up))) }
      switch backend.read(timeoutMilliseconds: min(max(untilDue, 0), Self.maxWaitMilliseconds)) {
      case .key(let key): send(.key(key))
      case .resize(let width, let height): send(.resize(width: width, height: height))
      case .mouse(let event): send(.mouse(event))
      case nil: break
      }
    }
    return finish()
  }

  /// Delivers the top screen's due events (samples, refreshes).
  func pump() {
    for event in top.poll(now: context.clock.monotonicSeconds()) {
      send(event)
      if outcome != nil { return }
    }
  }

  /// Handles one event: the app's only way to change state.
  func send(_ event: AppEvent) {
    guard outcome == nil else { return }
    switch event {
    case .signal(let signo):
      outcome = Outcome(status: 128 + signo, messages: ["stopped by \(StopSignals.name(signo))"])
      return
    case .resize(let width, let height):
      context.size = (width, height)
      dirty = true
      urgent = true
    case .suspend:
      backend.suspend()
      stopSelf()
      // Running again: continued.
      send(.continued)
      return
    case .continued:
      backend.resume()
      context.size = backend.size
      dirty = true
      urgent = true
      return
    default: break
    }
    switch top.handle(event, in: context) {
    case .none: break
    case .redraw:
      dirty = true
      // What the user did is shown at once; what the sampler brought waits for the pace.
      if case .key = event { urgent = true }
      if case .mouse = event { urgent = true }
    case .push(let screen):
      stack.append(screen)
      // A new screen may have due events at once (its first sample).
      dirty = true
      urgent = true
    case .pop:
      guard stack.count > 1 else { break }
      messages += stack.removeLast().finish()
      dirty = true
      urgent = true
    case .quit(let status, let lines):
      outcome = Outcome(status: status, messages: lines)
    }
  }

  /// Draws the top screen when something changed since the last frame.
  func draw() {
    if appliedTheme != context.themeIndex {
      appliedTheme = context.themeIndex
      backend.apply(context.theme)
      dirty = true
    }
    guard dirty else { return }
    dirty = false
    urgent = false
    lastFrame = context.clock.monotonicSeconds()
    frames += 1
    let size = backend.size
    context.size = size
    var buffer = CellBuffer(width: size.width, height: size.height)
    top.draw(into: &buffer, context: context)
    backend.flush(buffer)
  }

  /// Ends every screen, top first; returns the outcome with their lines appended.
  @discardableResult
  func finish() -> Outcome {
    var result = outcome ?? Outcome(status: 0, messages: [])
    guard !finished else { return result }
    finished = true
    for screen in stack.reversed() { result.messages += screen.finish() }
    result.messages += messages
    outcome = result
    return result
  }
}
