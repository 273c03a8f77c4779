import MemtopSampling

/// The recording file's columns: a contract that scripts depend on; new columns go at the end.
package enum CSVFormat {
  /// Every column, in order.
  public static let columns: [String] = [
    "time_unix_s", "elapsed_s", "pid",
    "rss_bytes", "anon_bytes", "heap_bytes",
    "file_bytes", "shmem_bytes", "swap_bytes", "brk_heap_bytes", "peak_rss_bytes",
    "pss_bytes", "uss_bytes", "swap_pss_bytes",
    "marker",
    "start_ticks", "processes",
    "command",
    // Memory by kind and counts, from the detailed walk (see RegionKind).
    "region_brk_heap_bytes", "region_malloc_arenas_bytes", "region_thread_stacks_bytes",
    "region_other_anon_bytes", "region_shmem_bytes", "region_file_bytes",
    "threads", "fds",
    // glibc malloc arenas the walk counted (for the where sentence of a recording read back).
    "arenas",
    // Bytes memtop's own Python agent held (subtracted before judging).
    "observer_bytes",
    // Milliseconds since the detailed figures were read: 0 when read on this row, more when
    // the target's sizes had not moved and the latest reading was carried.
    "detail_age_ms",
  ]

  /// The metrics in column order after `pid`.
  package static let metricColumns: [Metric] = [
    .rss, .anon, .heap, .file, .shmem, .swap, .brkHeap, .peakRSS, .pss, .uss, .swapPss,
  ]

  /// The metrics in column order after `command`.
  package static let trailingMetricColumns: [Metric] =
    Metric.regions + [.threads, .fds, .arenas, .observer, .detailAge]

  /// Every metric a recording carries, in column order.
  package static let allMetricColumns: [Metric] = metricColumns + trailingMetricColumns

  /// The header line, with its line ending.
  package static var headerLine: String { columns.joined(separator: ",") + "\n" }

  /// Makes untrusted text safe to put in a field: control characters become spaces and a
  /// leading `=`, `+`, `-`, `@` (which spreadsheets run as a formula) is prefixed with `'`.
  package static func neutralize(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
        scalars.append(" ")
      } else {
        scalars.append(scalar)
      }
    }
    let clean = String(scalars)
    if let first = clean.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) {
      return "'" + clean
    }
    return clean
  }

  /// Quotes a field per RFC 4180 when it holds a comma, quote, CR or LF.
  package static func quote(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
  }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    out.reserveCapacity(count)
    for ch in self {
      if ch == target { out += replacement } else { out.append(ch) }
    }
    return out
  }
}
