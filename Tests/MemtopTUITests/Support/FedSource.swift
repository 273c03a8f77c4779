@testable import MemtopTUI

/// A live view's source that gives nothing by itself: the test sends the samples to the app.
final class FedSource: SampleSource {
  var nextDue: Double? { nil }
  func take(now: Double) -> [AppEvent] { [] }
}
