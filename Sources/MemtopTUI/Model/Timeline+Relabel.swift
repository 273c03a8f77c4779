import MemtopStore

extension Timeline {
  /// Renames every marker reading `old` to `new` (a label typed after `m`).
  mutating func relabel(_ old: String, to new: String) {
    for (index, text) in markers where text == old { mark(index, new) }
  }
}
