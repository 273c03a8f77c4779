/// Tick positions and labels for chart axes, shared by the terminal charts and SVG plots.
public enum AxisTicks {
  /// A time tick spacing, seconds, that gives at most `slots` labels over `span` seconds.
  ///
  /// Steps are whole clock units (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3,
  /// 6, 12 h, then whole days).
  public static func timeStep(span: Double, slots: Double) -> Double {
    let wanted = span / max(slots, 1)
    let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
    return steps.first { $0 >= wanted } ?? 86400 * (wanted / 86400).rounded(.up)
  }

  /// Elapsed seconds as `m:ss` or `h:mm:ss`.
  public static func clock(_ seconds: Double) -> String {
    let total = Int(saturating: seconds.rounded())
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
    let ss = s < 10 ? "0\(s)" : "\(s)"
    if h == 0 { return "\(m):\(ss)" }
    return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)"
  }

  /// A byte tick spacing that gives at most `slots` ticks up to `high` bytes: 128, 256 or 512
  /// of the unit below, or 1, 2, 2.5 or 5 times a power of ten of a binary unit (B, KiB, MiB,
  /// …), so labels read `64 MiB` or `512 MiB`, not `67.1 MB`.
  package static func byteStep(high: Double, slots: Int) -> Double {
    guard high.isFinite, high > 0 else { return 1 }
    var unit = 1.0
    while high / unit >= 1024 { unit *= 1024 }
    let wanted = high / Double(max(slots, 1))
    if unit > 1, let step = [0.125, 0.25, 0.5].map({ $0 * unit }).first(where: { $0 >= wanted }) {
      return step
    }
    var decade = 1.0
    while true {
      for factor in [1.0, 2, 2.5, 5] where factor * decade * unit >= wanted {
        return factor * decade * unit
      }
      decade *= 10
    }
  }

  /// A byte tick label: whole numbers of the tick's unit where possible (`256 MiB`,
  /// `1.5 GiB`), else three significant digits.
  package static func byteLabel(_ value: Double) -> String {
    guard value > 0 else { return "0" }
    var unit = 0
    var v = value
    while v >= 1024 && unit < ByteFormat.unitNames.count - 1 {
      v /= 1024
      unit += 1
    }
    let tenths = (v * 10).rounded()
    guard abs(v * 10 - tenths) < 1e-6 else { return ByteFormat.bytes(value) }
    let whole = Int(saturating: tenths) / 10
    let fraction = Int(saturating: tenths) % 10
    return (fraction == 0 ? "\(whole)" : "\(whole).\(fraction)") + " " + ByteFormat.unitNames[unit]
  }
}
