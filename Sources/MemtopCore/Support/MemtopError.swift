/// A failure already phrased for the user: one line saying what is wrong and how to fix it,
/// and the exit status to end with. The one error type every front end prints and exits with.
public struct MemtopError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong and how to fix it.
  public var message: String
  /// The exit status to end with (127 for a command that cannot be run, as a shell says).
  public var status: Int32

  public init(message: String, status: Int32 = 1) {
    self.message = message
    self.status = status
  }

  public var description: String { message }
}
