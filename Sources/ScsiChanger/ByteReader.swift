import MediaCenterCore

/// Reads big-endian fields from a buffer a device returned. Every read checks the bounds, so
/// a short buffer becomes a parse error that names the structure and the missing bytes.
struct ByteReader {
    /// The bytes, indexed from 0.
    let bytes: [UInt8]
    /// The structure being parsed, for error messages, such as `element status page`.
    let structure: String

    init(_ bytes: [UInt8], structure: String) {
        self.bytes = bytes
        self.structure = structure
    }

    var count: Int { bytes.count }

    /// Throws when `offset..<offset+length` lies outside the buffer.
    func require(_ offset: Int, _ length: Int, field: String) throws {
        guard offset >= 0, length >= 0, offset + length <= bytes.count else {
            throw MediaCenterError(
                .parseFailure,
                "the \(structure) is truncated: \(field) needs bytes \(offset) to "
                    + "\(offset + length - 1), but only \(bytes.count) bytes were returned; "
                    + "the device sent less than its own lengths announce, so check its "
                    + "firmware or the allocation length")
        }
    }

    func uint8(at offset: Int, field: String) throws -> UInt8 {
        try require(offset, 1, field: field)
        return bytes[offset]
    }

    func uint16(at offset: Int, field: String) throws -> UInt16 {
        UInt16(try unsigned(at: offset, length: 2, field: field))
    }

    func uint24(at offset: Int, field: String) throws -> UInt32 {
        UInt32(try unsigned(at: offset, length: 3, field: field))
    }

    func uint32(at offset: Int, field: String) throws -> UInt32 {
        UInt32(try unsigned(at: offset, length: 4, field: field))
    }

    func slice(at offset: Int, length: Int, field: String) throws -> [UInt8] {
        try require(offset, length, field: field)
        return Array(bytes[offset..<(offset + length)])
    }

    /// Returns bytes as ASCII text with trailing spaces and NULs removed, as SPC pads the
    /// identification and volume tag fields.
    func text(at offset: Int, length: Int, field: String) throws -> String {
        let raw = try slice(at: offset, length: length, field: field)
        let printable = raw.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: " ") }
        var text = String(decoding: printable, as: UTF8.self)
        while text.last == " " { text.removeLast() }
        return text
    }

    private func unsigned(at offset: Int, length: Int, field: String) throws -> UInt64 {
        try require(offset, length, field: field)
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + length)] {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
