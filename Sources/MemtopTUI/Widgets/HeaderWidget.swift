import MemtopFormat
import MemtopSampling

/// The two header lines: who is watched and how, then the session's bookkeeping.
///
/// Line 1: `memtop  PID 1234  python3  up 2 m 05 s  running  every 1 s  limit 2.00 GiB  peak RSS 40.1 MiB`.
/// Line 2: samples, window, gaps, where a launched command's output and `--record` go. Where
/// heap and PSS come from and how often is in the help overlay.
package struct HeaderWidget: Sendable {
  /// The frame's model.
  package var model: ScreenModel

  package init(model: ScreenModel) {
    self.model = model
  }

  /// Draws into the top two rows of `area`.
  package func draw(into buffer: inout CellBuffer, area: Rect) {
    guard !area.isEmpty else { return }
    buffer.fill(area.top(2))
    let session = model.session
    let line1 = area.top(1)
    var x = buffer.put("memtop", x: area.x, y: area.y, role: .title, clip: line1)
    func field(_ label: String, _ value: String, role: ColorRole = .header) {
      x = buffer.put("  " + label, x: x, y: area.y, role: .dim, clip: line1)
      if !label.isEmpty { x = buffer.put(" ", x: x, y: area.y, role: .dim, clip: line1) }
      x = buffer.put(value, x: x, y: area.y, role: role, clip: line1)
    }
    // PID 0: a followed service that is not running yet.
    field("PID", session.pid == 0 ? "-" : String(session.pid))
    field("", Self.singleWidth(Sanitizer.terminalSafe(session.name, maxLength: 32)))
    if let age = session.ageAtStart {
      field("up", ByteFormat.duration(age + model.latest))
    }
    switch session.state {
    case .running:
      if session.stopped { field("", "stopped", role: .headerAlert) }
      if model.ui.paused || !session.stopped {
        field("", model.ui.paused ? "PAUSED" : "running", role: model.ui.paused ? .headerAlert : .header)
      }
    case .exited(let how):
      field("", "target \(how)", role: .headerAlert)
      if model.ui.paused { field("", "PAUSED", role: .headerAlert) }
    case .replay(let file):
      field("replay", Self.singleWidth(Sanitizer.terminalSafe(file, maxLength: 60)), role: .headerAlert)
    }
    field("every", Self.interval(session.interval))
    if let limit = session.limitBytes {
      let reach = model.timeToLimit.map { " in ~" + ByteFormat.duration($0) } ?? ""
      field("limit", ByteFormat.bytes(limit) + reach, role: reach.isEmpty ? .header : .headerAlert)
    }
    if let peak = model.peakRSS { field("peak RSS", ByteFormat.bytes(peak)) }
    // A tree's PSS is its own total, on line 2.
    if session.tree == nil, let pss = model.pss { field("PSS", ByteFormat.bytes(pss)) }

    guard area.height >= 2 else { return }
    let line2 = Rect(x: area.x, y: area.y + 1, width: area.width, height: 1)
    var parts = ["\(model.samples) samples", "window \(model.ui.spanLabel)"]
    if session.missed > 0 { parts.append("\(session.missed) missed") }
    if let tree = session.tree {
      let processes = "tree of \(tree.processes) \(tree.processes == 1 ? "process" : "processes")"
      if let member = tree.member {
        parts.append("\(processes), showing process \(member.index) of \(member.of) (p: next)")
      } else {
        parts.append("\(processes), showing the total (p: each process)")
      }
      parts.append("tree PSS " + (tree.totalPSS.map(ByteFormat.bytes) ?? "n/a (not read yet)"))
    }
    if let output = session.childOutput { parts.append("child output: \(Sanitizer.terminalSafe(output))") }
    if let record = session.recordPath { parts.append("recording to \(Sanitizer.terminalSafe(record))") }
    // Where each figure comes from and how often: in the help overlay (h), not here.
    parts.append("h: help, sources")
    buffer.put(parts.joined(separator: "  \(model.mode.dot)  "), x: area.x, y: area.y + 1, role: .dim, clip: line2)
  }

  /// `text` with every character that may not be exactly one column wide (combining marks,
  /// CJK, emoji: anything from U+1100 on) shown as `?`, so the header never shifts.
  static func singleWidth(_ text: String) -> String {
    String(
      text.map { c in
        c.unicodeScalars.count == 1 && (c.unicodeScalars.first?.value ?? 0) < 0x1100
          && !(c.unicodeScalars.first?.properties.isDiacritic ?? false) ? c : "?"
      })
  }

  /// A detailed figure's source and cadence, and what it rests on:
  /// `smaps_rollup every ~2.1 s, 12 reads, 30 samples carried while memory held`.
  static func cadence(_ cadence: DetailCadence) -> String {
    var text = cadence.source
    if let interval = cadence.interval { text += " every ~" + ByteFormat.duration(interval) }
    if cadence.reads > 0 { text += ", \(cadence.reads) \(cadence.reads == 1 ? "read" : "reads")" }
    if cadence.carried > 0 {
      text += ", \(cadence.carried) \(cadence.carried == 1 ? "sample" : "samples") carried while memory held"
    }
    return text
  }

  /// The interval as the user gave it: `1 s`, `0.5 s`, `2 m 00 s`.
  static func interval(_ seconds: Double) -> String {
    if seconds < 60, seconds >= 0.01 {
      var text = String(seconds)
      if text.hasSuffix(".0") { text.removeLast(2) }
      return text + " s"
    }
    return ByteFormat.duration(seconds)
  }
}
