/// Reads the value of one exported symbol from an ELF file (x86-64 and other 64-bit
/// little-endian targets) without loading or running anything: the ELF header, the section
/// headers, the dynamic symbol table (then the full one), and the bytes the symbol names.
///
/// memtop uses it to learn a Python interpreter's version from the constant `Py_Version`
/// (CPython 3.11+) in its binary: running the target's interpreter to ask would run code its
/// owner controls with memtop's privileges. Every size read from the file is checked against
/// the file's size before it is used.
package enum ELFSymbol {
  /// Most bytes of one symbol or string table read.
  static let tableLimit = 64 << 20

  /// The `size` bytes (1–8) at symbol `name` in the ELF file at `path`, as a little-endian
  /// number; nil when the file is not a 64-bit little-endian ELF, has no such defined symbol,
  /// or the symbol's bytes are not in the file.
  public static func value(of name: String, size: Int, inFile path: String) -> UInt64? {
    guard (1...8).contains(size), let fd = try? Syscalls.openReadOnly(path) else { return nil }
    defer { Syscalls.close(fd) }
    return value(of: name, size: size, descriptor: fd)
  }

  struct Section {
    var type: UInt32
    var address: UInt64
    var offset: UInt64
    var size: UInt64
    var link: UInt32
    var entrySize: UInt64
  }

  static func value(of name: String, size: Int, descriptor fd: Int32) -> UInt64? {
    guard let header = read(fd, offset: 0, count: 64), header.count == 64,
      header[0] == 0x7F, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F"),
      header[4] == 2, header[5] == 1
    else { return nil }
    let sectionTable = number(header, 0x28, 8)
    let entrySize = Int(number(header, 0x3A, 2))
    let count = Int(number(header, 0x3C, 2))
    guard entrySize >= 64, count > 0, count < 65_280,
      let table = read(fd, offset: sectionTable, count: entrySize * count)
    else { return nil }
    let sections: [Section] = (0..<count).map { index in
      let base = index * entrySize
      return Section(
        type: UInt32(number(table, base + 4, 4)), address: number(table, base + 16, 8),
        offset: number(table, base + 24, 8), size: number(table, base + 32, 8),
        link: UInt32(number(table, base + 40, 4)),
        entrySize: number(table, base + 56, 8))
    }
    let wanted = Array(name.utf8)
    // SHT_DYNSYM (11) first: it is small, and what a stripped binary keeps; then SHT_SYMTAB (2).
    for type: UInt32 in [11, 2] {
      for symbols in sections where symbols.type == type && symbols.entrySize == 24 {
        guard Int(symbols.link) < sections.count,
          let found = lookUp(wanted, in: symbols, names: sections[Int(symbols.link)], descriptor: fd)
        else { continue }
        let (value, sectionIndex) = found
        guard sectionIndex > 0, sectionIndex < sections.count else { continue }
        let holder = sections[sectionIndex]
        // SHT_NOBITS (8): zero-filled at load, nothing in the file.
        guard holder.type != 8, value >= holder.address, value - holder.address + UInt64(size) <= holder.size,
          let bytes = read(fd, offset: holder.offset + (value - holder.address), count: size)
        else { continue }
        return number(bytes, 0, size)
      }
    }
    return nil
  }

  /// The value and section index of the defined symbol named `wanted`.
  static func lookUp(_ wanted: [UInt8], in symbols: Section, names: Section, descriptor fd: Int32) -> (UInt64, Int)? {
    guard symbols.size <= UInt64(tableLimit), names.size <= UInt64(tableLimit),
      let table = read(fd, offset: symbols.offset, count: Int(symbols.size)),
      let strings = read(fd, offset: names.offset, count: Int(names.size))
    else { return nil }
    var entry = 0
    while entry + 24 <= table.count {
      defer { entry += 24 }
      let nameAt = Int(number(table, entry, 4))
      guard nameAt + wanted.count < strings.count, strings[nameAt + wanted.count] == 0,
        strings[nameAt..<(nameAt + wanted.count)].elementsEqual(wanted)
      else { continue }
      let sectionIndex = Int(number(table, entry + 6, 2))
      return (number(table, entry + 8, 8), sectionIndex)
    }
    return nil
  }

  /// `count` bytes at `offset`, or nil when the file holds fewer.
  static func read(_ fd: Int32, offset: UInt64, count: Int) -> [UInt8]? {
    guard count >= 0, count <= tableLimit, offset <= UInt64(Int.max - count) else { return nil }
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let n = bytes.withUnsafeMutableBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return -1 }
        return (try? Syscalls.pread(fd, base + filled, count: count - filled, offset: Int(offset) + filled)) ?? -1
      }
      if n <= 0 { return nil }
      filled += n
    }
    return bytes
  }

  /// The little-endian number of `size` bytes at `at` (0 past the end).
  static func number(_ bytes: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in stride(from: size - 1, through: 0, by: -1) {
      value <<= 8
      if at + index < bytes.count { value |= UInt64(bytes[at + index]) }
    }
    return value
  }
}
