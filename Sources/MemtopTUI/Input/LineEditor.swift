/// A one-line prompt's text as keys edit it: the export file name, a marker's label and the
/// process table's filter are all typed through this one editor.
package struct LineEditor: Sendable, Equatable {
  /// What a key did to the prompt.
  package enum Outcome: Sendable, Equatable {
    /// The prompt stays open (the text may have changed).
    case editing
    /// Enter: the prompt closes with this text.
    case submitted(String)
    /// Esc: the prompt closes without an answer.
    case cancelled
  }

  /// The longest text a prompt takes by default, characters (a path's limit).
  package static let defaultLimit = 4096

  /// The text typed so far.
  package private(set) var text: String
  /// The most characters the prompt takes; keys past it are ignored.
  package let limit: Int

  /// A prompt opened on `text` (a proposed name, the current filter) taking at most `limit` characters.
  package init(_ text: String = "", limit: Int = LineEditor.defaultLimit) {
    self.limit = limit
    self.text = String(text.prefix(limit))
  }

  /// Applies one key: a character is typed, Backspace removes the last one, Enter submits
  /// and Esc cancels; other keys do nothing.
  package mutating func apply(_ key: Key) -> Outcome {
    switch key {
    case .enter: return .submitted(text)
    case .escape: return .cancelled
    case .backspace: if !text.isEmpty { text.removeLast() }
    case .character(let c) where text.count < limit: text.append(c)
    default: break
    }
    return .editing
  }
}
