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

/// An RFC 4180 reader: quoted fields with `""` escapes and embedded line breaks, CRLF or LF.
public struct CSVParser {
  /// One record and the line it starts on.
  public struct Record: Sendable, Equatable {
    public var line: Int
    public var fields: [String]
  }

  let path: String

  public init(path: String) {
    self.path = path
  }

  /// Splits `bytes` into records; a blank line at the very end is ignored.
  public func records(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVReadError) -> [Record] {
    var records: [Record] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var line = 1
    var recordLine = 1
    var inQuotes = false
    var quotedField = false
    var index = bytes.startIndex
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      quotedField = false
    }

    while index < bytes.endIndex {
      let byte = bytes[index]
      if inQuotes {
        if byte == quote {
          if index + 1 < bytes.endIndex && bytes[index + 1] == quote {
            field.append(quote)
            index += 1
          } else {
            inQuotes = false
          }
        } else {
          if byte == lf { line += 1 }
          field.append(byte)
        }
      } else {
        switch byte {
        case quote:
          guard field.isEmpty && !quotedField else {
            throw CSVReadError(path: path, line: line, reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
          }
          inQuotes = true
          quotedField = true
        case comma:
          endField()
        case cr where index + 1 < bytes.endIndex && bytes[index + 1] == lf:
          break
        case lf:
          endField()
          records.append(Record(line: recordLine, fields: fields))
          fields.removeAll(keepingCapacity: true)
          line += 1
          recordLine = line
        default:
          if quotedField {
            throw CSVReadError(path: path, line: line, reason: "text after a closing quote")
          }
          field.append(byte)
        }
      }
      index += 1
    }
    if inQuotes {
      throw CSVReadError(path: path, line: recordLine, reason: "a quoted field is never closed")
    }
    if !field.isEmpty || !fields.isEmpty || quotedField {
      endField()
      records.append(Record(line: recordLine, fields: fields))
    }
    return records
  }
}
