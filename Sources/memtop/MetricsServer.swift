import Dispatch
import FlyingFox
import FlyingSocks
import Foundation
import MemtopCore
import Synchronization

/// The exposition text shared between the sampling loop (writer) and the HTTP server (reader).
final class MetricsBoard: Sendable {
  private let current = Mutex("")

  var text: String { current.withLock { $0 } }

  func publish(_ text: String) {
    current.withLock { $0 = text }
  }
}

/// Serves `GET /metrics` from a ``MetricsBoard`` with FlyingFox, on its own tasks, while the
/// sampling loop runs on the main thread.
final class MetricsServer: Sendable {
  private let server: HTTPServer
  private let task: Task<Void, Never>
  /// The address actually bound (with the kernel's port when 0 was asked for).
  let boundAddress: String

  /// Binds and starts serving; throws a user-facing message when the address cannot be used.
  init(address: ListenAddress, board: MetricsBoard) throws {
    let server: HTTPServer
    do {
      server = address.isIPv6
        ? HTTPServer(address: try sockaddr_in6.inet6(ip6: address.host, port: address.port), timeout: 10, logger: .disabled)
        : HTTPServer(address: try sockaddr_in.inet(ip4: address.host, port: address.port), timeout: 10, logger: .disabled)
    } catch {
      throw UserFacingError(message: "--metrics-listen \(address.text) is not a usable address; give e.g. 127.0.0.1:9464", status: ExitStatus.usage)
    }
    let failure = Mutex<String?>(nil)
    let started = DispatchSemaphore(value: 0)
    task = Task.detached {
      await server.appendRoute("GET /metrics") { _ in
        HTTPResponse(statusCode: .ok, headers: [.contentType: PrometheusExposition.contentType], body: Data(board.text.utf8))
      }
      do {
        try await server.run()
      } catch is CancellationError {
      } catch {
        failure.withLock { $0 = Self.describe(error) }
        started.signal()
      }
    }
    Task.detached {
      try? await server.waitUntilListening(timeout: 30)
      started.signal()
    }
    _ = started.wait(timeout: .now() + 35)
    self.server = server
    let bound = Self.wait { await server.listeningAddress }
    guard let bound, case .ip4(let host, let port) = bound else {
      if case .ip6(let host, let port)? = bound {
        boundAddress = "[\(host)]:\(port)"
        return
      }
      task.cancel()
      let reason = failure.withLock { $0 } ?? "the server did not start"
      throw UserFacingError(message: "cannot serve metrics on \(address.text): \(reason); choose another port (or 0 for any free one)")
    }
    boundAddress = "\(host):\(port)"
  }

  /// Stops accepting connections and waits briefly for open ones to finish.
  func stop() {
    let server = self.server
    Self.wait { await server.stop(timeout: 1) }
    task.cancel()
  }

  /// The socket layer's own words for a failure, e.g. "Address already in use".
  private static func describe(_ error: any Error) -> String {
    if case SocketError.failed(_, _, let message) = error { return message }
    return "\(error)"
  }

  /// Runs `body` on the concurrency pool and waits for it on this (non-async) thread.
  private static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
      let value = await body()
      result.withLock { $0 = value }
      done.signal()
    }
    done.wait()
    return result.withLock { $0 }!
  }
}
