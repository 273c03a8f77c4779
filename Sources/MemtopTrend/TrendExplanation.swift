import Foundation
import MemtopFormat

/// Builds the one-sentence explanation of a verdict from the facts in its result, so that
/// every figure the sentence states is one the result holds (and a test can check against
/// the series).
struct TrendExplanation {
  var label: String
  var result: TrendResult
  /// Whether the growth is a staircase of steps (then the steps are the leak).
  var staircase: Bool
  /// Floor points needed before a verdict (for `insufficient-data`).
  var minPoints: Int
  /// How many noise σ a leak's rise must exceed (the size gate's multiple): a trend rising
  /// less than that over the window is one the noise hides.
  var riseInNoise: Double

  /// For `inconclusive`, what keeps the interval from ruling out a leak, with the largest
  /// trend it still allows: the noise, when that trend's rise over the window is one the
  /// noise hides by the size gate's own measure; else (the noise rounds to nothing, or is
  /// far too small to hide such a rise) the few floor points and short span so far.
  var missing: String {
    let r = result
    let high = rate(r.slopeCI.high)
    let noise = r.noiseBytes.isFinite ? max(r.noiseBytes, 0) : 0
    let hidden = max(r.slopeCI.high, 0) * r.window.duration
    let spread = amount(noise)
    if spread != "0 B" && spread != "0" && hidden <= riseInNoise * noise {
      return "noise ±\(spread) could hide a trend up to \(high)"
    }
    return "\(r.window.points) floor points over \(Self.duration(r.window.duration)) cannot yet rule out "
      + "a trend up to \(high)"
  }

  var sentence: String {
    guard let sawtooth = result.sawtooth, result.verdict != .leak, result.unit == .bytes else { return told }
    return
      "\(label) is a sawtooth: back to \(amount(sawtooth.floorBytes)) every ~\(Self.period(sawtooth.periodSeconds)), "
      + "peaks \(amount(sawtooth.peakBytes)) (\(sawtooth.cycles) cycles); its floor: " + told
  }

  /// A sawtooth's period, "6 s" or "2 m 10 s".
  static func period(_ seconds: Double) -> String {
    seconds < 60 ? "\(max(Int(seconds.rounded()), 1)) s" : duration(seconds)
  }

  /// The sentence on the floor's verdict.
  var told: String {
    let r = result
    let duration = r.window.duration
    let over = "over \(Self.duration(duration))"
    let slope = r.slopeBytesPerSecond
    let rise = slope * duration
    let noise = max(r.noiseBytes.isFinite ? r.noiseBytes : 0, 0)
    let steps = r.steps.filter { $0.time <= r.window.start + 1e-9 }
    let after = steps.isEmpty ? "" : "after \(stepsText(steps)), "
    if r.gcDropsPending > 0 {
      return "\(label) dropped sharply \(r.gcDropsPending) time(s) like a garbage collector; "
        + "at least 4 cycles are needed before judging its floor"
    }
    switch r.verdict {
    case .leak where staircase:
      return "\(label) climbed \(amount(rise)) \(over) in \(r.steps.count) steps without "
        + "ever coming back down (\(rate(slope))): consistent with a leak"
    case .leak where r.onset != nil:
      return "\(after)\(label) held level until \(AxisTicks.clock(r.window.start)), then rose \(amount(rise)) \(over) "
        + "at a steady rate (\(rate(slope))) with no levelling off: consistent with a leak that began then"
    case .leak:
      return "\(after)\(label) rose \(amount(rise)) \(over) at a steady rate "
        + "(\(rate(slope))) with no levelling off: consistent with a leak"
    case .plateau:
      if let p = r.plateau {
        return "\(label) grew \(amount(p.riseBytes)) over \(Self.duration(p.growthSeconds)), "
          + "then held at \(amount(p.levelBytes)) for \(Self.duration(p.heldSeconds)) "
          + "(trend since \(rate(slope))): warm-up or a filled cache, not a leak"
      }
      // Lately slower: its last third grows at under half the rate before (a rate of its own
      // would lie outside the interval shown beside this sentence, which is the whole's).
      return "\(after)\(label) grew \(amount(rise)) \(over) and the growth is levelling off "
        + "(its last third at under half the rate before): looks like warm-up or a filling cache, not a leak"
    case .stable:
      // A noise that rounds to nothing is left out rather than said as "±0 B".
      let spread = amount(noise) == "0 B" || amount(noise) == "0" ? "" : ", noise ±\(amount(noise))"
      return "\(after)\(label) held level \(over) (trend \(rate(slope, in: interval)), 95 % at most "
        + "\(rate(r.slopeCI.high, in: interval))\(spread)): no sign of a leak"
    case .inconclusive:
      var text: String
      if r.slopeCI.low > 0 && rise > 0 {
        // Growing for sure, but too little so far to call a leak.
        text =
          "\(after)\(label) grew \(amount(rise)) \(over) (trend \(rate(slope, in: interval)), 95 % "
          + "\(rate(r.slopeCI.low, in: interval)) to \(rate(r.slopeCI.high, in: interval))): too little yet to "
          + "call a leak, and "
          + missing
      } else {
        text = "\(after)\(label) shows no clear leak \(over) (trend \(rate(slope))), but " + missing
      }
      if let more = r.moreSecondsNeeded {
        text += "; about \(Self.duration(more)) more at this sampling to tell"
      } else {
        text += "; watch longer to tell"
      }
      return text
    case .shrinking:
      return "\(after)\(label) fell \(amount(-rise)) \(over) (\(rate(slope))): "
        + "memory is being given back"
    case .insufficientData:
      return "\(after)only \(r.window.points) \(label) floor points \(over); at least "
        + "\(minPoints) are needed before judging a trend"
    }
  }

  /// An amount in the result's unit: bytes ("41.0 MiB") or things ("218").
  func amount(_ v: Double) -> String { result.unit == .count ? ByteFormat.count(v) : Self.bytes(v) }

  /// A signed rate in the result's unit, e.g. "+12.0 MiB/h" or "+4.80/s".
  func rate(_ perSecond: Double) -> String { rate(perSecond, in: perSecond) }

  /// A signed rate in the time unit `reference` would get, so a trend and its interval read in
  /// one unit ("+120 KiB/min, 95 % +10.0 KiB/min to +3.76 MiB/min", never /h beside /min).
  func rate(_ perSecond: Double, in reference: Double) -> String {
    guard perSecond.isFinite else { return "n/a" }
    let sign = perSecond >= 0 ? "+" : "−"
    let unitOf = reference.isFinite ? reference : perSecond
    if result.unit == .count {
      return sign + ByteFormat.rate(countPerSecond: abs(perSecond), unitOf: unitOf)
    }
    return sign + ByteFormat.rate(bytesPerSecond: abs(perSecond), unitOf: unitOf)
  }

  /// The rate whose unit the trend and its interval share: the largest of the three in size.
  var interval: Double {
    let r = result
    return [r.slopeBytesPerSecond, r.slopeCI.low, r.slopeCI.high].filter(\.isFinite).map(abs).max() ?? 0
  }

  /// The steps in the result's unit.
  func stepsText(_ steps: [Step]) -> String {
    guard result.unit == .count else { return Self.steps(steps) }
    let parts = steps.map {
      "\($0.heightBytes >= 0 ? "+" : "−")\(ByteFormat.count(abs($0.heightBytes))) at \(AxisTicks.clock($0.time))"
    }
    if parts.count == 1 { return "a step of " + parts[0] }
    return "steps of " + parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
  }

  /// `a step of +150 MiB at 0:12`, `steps of +200 MiB at 20:00 and +200 MiB at 40:00`.
  static func steps(_ steps: [Step]) -> String {
    let parts = steps.map { "\(signedBytes($0.heightBytes)) at \(AxisTicks.clock($0.time))" }
    if parts.count == 1 { return "a step of " + parts[0] }
    return "steps of " + parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
  }

  /// Bytes in binary units, e.g. "41.0 MiB" (``ByteFormat`` is the one formatter).
  static func bytes(_ b: Double) -> String { ByteFormat.bytes(b) }

  static func signedBytes(_ b: Double) -> String { (b >= 0 ? "+" : "−") + ByteFormat.bytes(abs(b)) }

  /// A signed rate in the most readable unit, e.g. "+12.0 MiB/h".
  static func rate(_ bytesPerSecond: Double) -> String {
    guard bytesPerSecond.isFinite else { return "n/a" }
    return (bytesPerSecond >= 0 ? "+" : "−") + ByteFormat.rate(bytesPerSecond: abs(bytesPerSecond))
  }

  /// Seconds as "30.0 s", "12 m 00 s", "2 h 30 m".
  static func duration(_ s: Double) -> String { ByteFormat.duration(s) }
}
