import Foundation

/// Fresh places under the temporary folder for the files a test writes.
package enum Scratch {
  /// Creates a new directory `PREFIX-UUID` under the temporary folder and returns its path;
  /// `anyoneMayWrite` makes it mode 0777, for a test that runs a program as another user.
  package static func directory(_ prefix: String = "memtop-scratch", anyoneMayWrite: Bool = false) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    let attributes: [FileAttributeKey: Any]? = anyoneMayWrite ? [.posixPermissions: 0o777] : nil
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: attributes)
    return dir
  }

  /// The path of a file `PREFIX-UUID.EXTENSION` under the temporary folder, not created.
  package static func file(_ prefix: String, extension: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).\(`extension`)").path
  }
}
