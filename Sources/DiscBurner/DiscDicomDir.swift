import MediaCenterCore

/// The directory records of a DICOMDIR read from a disc, with their offsets as stored, so
/// that the file-set on a written disc can be checked without DCMTK.
///
/// The parser reads what a DICOMDIR on STD-GEN-CD media is: a PS3.10 file with a 128-byte
/// preamble, `DICM`, and a data set in Explicit VR Little Endian. Sequences and items may
/// have defined or undefined lengths. Elements other than the offsets, the record type, the
/// Referenced File ID and the Referenced Transfer Syntax UID in File are skipped, nested
/// sequences included.
struct DiscDicomDir {
    /// One item of the Directory Record Sequence (0004,1220).
    struct Record {
        /// The byte offset of the item's tag from the start of the file.
        var offset: UInt32
        /// Offset of the Next Directory Record (0004,1400), 0 for none.
        var nextOffset: UInt32 = 0
        /// Offset of Referenced Lower-Level Directory Entity (0004,1420), 0 for none.
        var lowerOffset: UInt32 = 0
        /// Directory Record Type (0004,1430), such as `IMAGE`.
        var recordType = ""
        /// The values of Referenced File ID (0004,1500), empty for none.
        var referencedFileID: [String] = []
        /// Referenced Transfer Syntax UID in File (0004,1512), empty for none.
        var referencedTransferSyntaxUID = ""
    }

    /// The Transfer Syntax UID of every DICOMDIR the product writes.
    static let explicitVRLittleEndian = "1.2.840.10008.1.2.1"

    /// Offset of the First Directory Record of the Root Directory Entity (0004,1200).
    var firstRootOffset: UInt32 = 0
    /// Offset of the Last Directory Record of the Root Directory Entity (0004,1202).
    var lastRootOffset: UInt32 = 0
    /// The directory records in file order.
    var records: [Record] = []

    /// Parses the DICOMDIR `bytes`.
    /// - Throws: ``DiscFileSetProblem`` naming the first element that is cut off or
    ///   invalid, or a transfer syntax other than Explicit VR Little Endian.
    init(bytes: [UInt8]) throws {
        guard bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) else {
            throw DiscFileSetProblem("the DICOMDIR has no DICM prefix after its preamble")
        }
        var reader = Reader(bytes: bytes, position: 132)

        var transferSyntax = ""
        while reader.position < bytes.count, try reader.peekGroup() == 0x0002 {
            let element = try reader.readHeader()
            let value = try reader.readValue(element)
            if element.tag == 0x0002_0010 {
                transferSyntax = text(value)
            }
        }
        guard transferSyntax == Self.explicitVRLittleEndian else {
            throw DiscFileSetProblem(
                "the DICOMDIR has transfer syntax \"\(transferSyntax)\", not "
                    + Self.explicitVRLittleEndian)
        }

        while reader.position < bytes.count {
            let element = try reader.readHeader()
            switch element.tag {
            case 0x0004_1200:
                firstRootOffset = try unsigned32(reader.readValue(element), element)
            case 0x0004_1202:
                lastRootOffset = try unsigned32(reader.readValue(element), element)
            case 0x0004_1220:
                records = try readRecords(&reader, element)
            default:
                try reader.skip(element)
            }
        }
    }

    /// Reads the items of the Directory Record Sequence.
    private func readRecords(_ reader: inout Reader, _ sequence: Reader.Header) throws -> [Record] {
        var records: [Record] = []
        let end = sequence.length.map { reader.position + $0 }
        while end.map({ reader.position < $0 }) ?? true {
            let offset = reader.position
            let item = try reader.readHeader()
            if item.tag == Reader.sequenceDelimiter, end == nil { break }
            guard item.tag == Reader.item else {
                throw DiscFileSetProblem(
                    "the DICOMDIR has element \(hex(item.tag)) at offset \(offset) where a "
                        + "directory record belongs")
            }
            var record = Record(offset: UInt32(offset))
            let itemEnd = item.length.map { reader.position + $0 }
            while itemEnd.map({ reader.position < $0 }) ?? true {
                let element = try reader.readHeader()
                if element.tag == Reader.itemDelimiter, itemEnd == nil { break }
                switch element.tag {
                case 0x0004_1400:
                    record.nextOffset = try unsigned32(reader.readValue(element), element)
                case 0x0004_1420:
                    record.lowerOffset = try unsigned32(reader.readValue(element), element)
                case 0x0004_1430:
                    record.recordType = text(try reader.readValue(element))
                case 0x0004_1500:
                    record.referencedFileID = text(try reader.readValue(element))
                        .split(separator: "\\", omittingEmptySubsequences: false)
                        .map { $0.trimmingTrailingSpaces() }
                case 0x0004_1512:
                    record.referencedTransferSyntaxUID = text(try reader.readValue(element))
                default:
                    try reader.skip(element)
                }
            }
            records.append(record)
        }
        return records
    }

    private func unsigned32(_ value: ArraySlice<UInt8>, _ element: Reader.Header) throws -> UInt32 {
        guard value.count == 4 else {
            throw DiscFileSetProblem(
                "the DICOMDIR element \(hex(element.tag)) has \(value.count) bytes, not 4")
        }
        return value.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Returns a string value without its trailing padding (space or NUL).
    private func text(_ value: ArraySlice<UInt8>) -> String {
        String(decoding: value, as: UTF8.self).trimmingTrailingSpaces()
    }
}

/// A reader of Explicit VR Little Endian elements that checks every length against the
/// bytes that remain.
private struct Reader {
    /// The tag, VR and length of one element. A nil length is undefined (0xFFFFFFFF).
    struct Header {
        var tag: UInt32
        var length: Int?
        var isSequence: Bool
    }

    static let item: UInt32 = 0xFFFE_E000
    static let itemDelimiter: UInt32 = 0xFFFE_E00D
    static let sequenceDelimiter: UInt32 = 0xFFFE_E0DD
    /// The VRs whose length takes 4 bytes after 2 reserved ones in Explicit VR.
    private static let longVRs: Set<String> = [
        "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV",
    ]

    let bytes: [UInt8]
    var position: Int

    func peekGroup() throws -> UInt16 {
        try checkRemaining(2)
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func readHeader() throws -> Header {
        let start = position
        try checkRemaining(8)
        let group = UInt32(try readUInt16())
        let element = UInt32(try readUInt16())
        let tag = group << 16 | element

        if group == 0xFFFE {
            return Header(tag: tag, length: try lengthValue(readUInt32()), isSequence: false)
        }
        let vr = String(decoding: bytes[position..<(position + 2)], as: UTF8.self)
        position += 2
        guard vr.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw DiscFileSetProblem(
                "the DICOMDIR element \(hex(tag)) at offset \(start) has no valid VR")
        }
        if Self.longVRs.contains(vr) {
            position += 2
            let length = lengthValue(try readUInt32())
            guard length != nil || vr == "SQ" else {
                throw DiscFileSetProblem(
                    "the DICOMDIR element \(hex(tag)) at offset \(start) has an undefined "
                        + "length, which only a sequence may have here")
            }
            return Header(tag: tag, length: length, isSequence: vr == "SQ")
        }
        return Header(tag: tag, length: Int(try readUInt16()), isSequence: false)
    }

    mutating func readValue(_ header: Header) throws -> ArraySlice<UInt8> {
        guard let length = header.length, !header.isSequence else {
            throw DiscFileSetProblem("the DICOMDIR element \(hex(header.tag)) is not a value")
        }
        try checkRemaining(length)
        defer { position += length }
        return bytes[position..<(position + length)]
    }

    /// Skips the value of `header`, and for a sequence of undefined length every item in
    /// it, down to any depth.
    mutating func skip(_ header: Header) throws {
        if let length = header.length {
            try checkRemaining(length)
            position += length
            return
        }
        while true {
            let item = try readHeader()
            if item.tag == Self.sequenceDelimiter { return }
            guard item.tag == Self.item else {
                throw DiscFileSetProblem(
                    "the DICOMDIR has element \(hex(item.tag)) inside a sequence, where an "
                        + "item belongs")
            }
            if let length = item.length {
                try checkRemaining(length)
                position += length
                continue
            }
            while true {
                let element = try readHeader()
                if element.tag == Self.itemDelimiter { break }
                try skip(element)
            }
        }
    }

    private mutating func readUInt16() throws -> UInt16 {
        try checkRemaining(2)
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    private mutating func readUInt32() throws -> UInt32 {
        try checkRemaining(4)
        defer { position += 4 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[position + $1]) << (8 * $1) }
    }

    private func lengthValue(_ raw: UInt32) -> Int? {
        raw == 0xFFFF_FFFF ? nil : Int(raw)
    }

    private func checkRemaining(_ count: Int) throws {
        guard count <= bytes.count - position else {
            throw DiscFileSetProblem(
                "the DICOMDIR is cut off at offset \(position) of \(bytes.count) bytes")
        }
    }
}

/// A reason why the file-set on a written disc failed its check.
struct DiscFileSetProblem: Error {
    var detail: String

    init(_ detail: String) {
        self.detail = detail
    }
}

/// Returns a tag as `(gggg,eeee)` in upper-case hex.
private func hex(_ tag: UInt32) -> String {
    let digits = String(tag, radix: 16, uppercase: true)
    let padded = String(repeating: "0", count: 8 - digits.count) + digits
    return "(\(padded.prefix(4)),\(padded.suffix(4)))"
}

extension StringProtocol {
    /// Returns the string without trailing spaces and NUL characters, the padding of
    /// DICOM string values.
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\u{0}" {
            text.removeLast()
        }
        return String(text)
    }
}
