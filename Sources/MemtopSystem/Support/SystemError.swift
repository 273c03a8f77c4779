#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call, with its errno turned into a case callers can match.
public enum SystemError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `ENOENT`: the path does not exist (for `/proc/PID/...`, the process is gone or hidden).
  case noSuchFile
  /// `ESRCH`: the process behind a kept-open `/proc` file has exited.
  case noSuchProcess
  /// `EACCES` / `EPERM`: the caller may not read or write this.
  case permissionDenied
  /// `ENOSPC` / `EDQUOT`: the disk (or quota) is full.
  case noSpace
  /// `EROFS`: read-only file system.
  case readOnlyFileSystem
  /// `ENOTTY` / `EOPNOTSUPP`: this kernel does not offer the operation (e.g. an ioctl it predates).
  case unsupportedOperation
  /// Any other errno, with its number.
  case other(errno: Int32)

  /// Classifies a raw errno value.
  public init(errno code: Int32) {
    switch code {
    case ENOENT: self = .noSuchFile
    case ESRCH: self = .noSuchProcess
    case EACCES, EPERM: self = .permissionDenied
    case ENOSPC, EDQUOT: self = .noSpace
    case EROFS: self = .readOnlyFileSystem
    case ENOTTY, EOPNOTSUPP: self = .unsupportedOperation
    default: self = .other(errno: code)
    }
  }

  /// The errno value this error stands for.
  package var errnoValue: Int32 {
    switch self {
    case .noSuchFile: ENOENT
    case .noSuchProcess: ESRCH
    case .permissionDenied: EACCES
    case .noSpace: ENOSPC
    case .readOnlyFileSystem: EROFS
    case .unsupportedOperation: ENOTTY
    case .other(let code): code
    }
  }

  /// The C library's text for the error, e.g. "No such file or directory".
  public var description: String {
    String(cString: strerror(errnoValue))
  }
}
