import Foundation

/// Reads the parts of a PS3.10 file without DCMTK, so that tests check what the SCP wrote
/// with an independent reader.
enum DicomBytes {
    /// Returns the File Meta Information elements of the file at `path` as text without
    /// padding, keyed by tag such as "0002,0010". Empty when the file has none.
    static func metaElements(ofFileAt path: String) throws -> [String: String] {
        let bytes = try contents(of: path)
        var elements: [String: String] = [:]
        forEachMetaElement(bytes) { element, value, _ in
            var text = String(decoding: bytes[value], as: UTF8.self)
            while text.hasSuffix("\0") || text.hasSuffix(" ") { text.removeLast() }
            elements[String(format: "0002,%04X", element)] = text
        }
        return elements
    }

    /// Returns the data set of the file at `path`: everything after the File Meta
    /// Information, or the whole file when it has none. A Data Set Trailing Padding element
    /// (FFFC,FFFC) at the end is left out, because DCMTK's storescu drops it when it sends
    /// a file.
    static func dataSet(ofFileAt path: String) throws -> [UInt8] {
        let bytes = try contents(of: path)
        var start = 0
        forEachMetaElement(bytes) { _, _, next in start = next }
        return withoutTrailingPadding(Array(bytes[start...]))
    }

    private static func contents(of path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Calls `body` with each meta element's element number, value range and the offset
    /// after it. Meta elements are Explicit VR Little Endian and follow the 128-byte
    /// preamble and "DICM".
    private static func forEachMetaElement(
        _ bytes: [UInt8], _ body: (UInt16, Range<Int>, Int) -> Void
    ) {
        guard bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) else { return }
        var offset = 132
        while offset + 8 <= bytes.count, bytes[offset] == 0x02, bytes[offset + 1] == 0x00 {
            let element = littleEndian16(bytes, at: offset + 2)
            let vr = String(decoding: bytes[(offset + 4)..<(offset + 6)], as: UTF8.self)
            let header: Int
            let length: Int
            if ["OB", "OW", "OF", "SQ", "UT", "UN"].contains(vr) {
                header = 12
                length = Int(littleEndian32(bytes, at: offset + 8))
            } else {
                header = 8
                length = Int(littleEndian16(bytes, at: offset + 6))
            }
            let value = (offset + header)..<(offset + header + length)
            body(element, value, value.upperBound)
            offset = value.upperBound
        }
    }

    private static func withoutTrailingPadding(_ bytes: [UInt8]) -> [UInt8] {
        let tag: [UInt8] = [0xFC, 0xFF, 0xFC, 0xFF]
        var index = bytes.count - 8
        while index >= 0 {
            if bytes[index..<(index + 4)].elementsEqual(tag) {
                // Explicit VR: tag, "OB", 2 reserved bytes, 4-byte length. Implicit: tag, length.
                let explicit = bytes[index + 4] == UInt8(ascii: "O")
                let header = explicit ? 12 : 8
                let lengthOffset = explicit ? index + 8 : index + 4
                if lengthOffset + 4 <= bytes.count,
                    index + header + Int(littleEndian32(bytes, at: lengthOffset)) == bytes.count
                {
                    return Array(bytes[..<index])
                }
            }
            index -= 1
        }
        return bytes
    }

    private static func littleEndian16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, index in
            value | UInt32(bytes[offset + index]) << (8 * UInt32(index))
        }
    }
}
