/// A `/proc` file whose text does not have the shape the kernel documents.
public struct ProcParseError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file kind, e.g. `status` or `smaps`.
  public var file: String
  /// What was wrong, quoting the offending text where it helps.
  public var reason: String

  public init(file: String, reason: String) {
    self.file = file
    self.reason = reason
  }

  public var description: String { "malformed \(file): \(reason)" }
}
