/// A malformed CSV input, with the 1-based line where the problem starts.
public struct CSVReadError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file, for messages.
  public var path: String
  /// 1-based line number (0 when the file as a whole is the problem).
  public var line: Int
  /// What is wrong.
  public var reason: String

  public init(path: String, line: Int, reason: String) {
    self.path = path
    self.line = line
    self.reason = reason
  }

  public var description: String {
    line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
  }
}
