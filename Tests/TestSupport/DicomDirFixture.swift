// A DICOMDIR writer for tests that need a disc whose file-set passes the drive's
// read-back check, or one broken in a planned way.

/// A link from a directory record to another: a record of the fixture by index, or a raw
/// offset, which lets a test point it where no record starts.
public enum FixtureLink: Sendable {
    case record(Int)
    case offset(UInt32)
}

/// One directory record of a fixture DICOMDIR.
public struct FixtureRecord: Sendable {
    public var type: String
    /// The components of Referenced File ID (0004,1500), empty for none.
    public var fileID: [String]
    public var next: FixtureLink?
    public var lower: FixtureLink?
    /// Referenced Transfer Syntax UID in File (0004,1512), written only with a file ID.
    public var transferSyntaxUID: String

    /// Makes a record of `type` with its file and links.
    public init(
        type: String, fileID: [String] = [], next: FixtureLink? = nil, lower: FixtureLink? = nil,
        transferSyntaxUID: String = "1.2.840.10008.1.2.1"
    ) {
        self.type = type
        self.fileID = fileID
        self.next = next
        self.lower = lower
        self.transferSyntaxUID = transferSyntaxUID
    }
}

/// Encodes a DICOMDIR in Explicit VR Little Endian with the sequence and its items of
/// undefined length, so a reader must find their ends by the delimiters. The first record
/// also gets a nested sequence, which a reader must skip. The root offsets point to records
/// `firstRoot` and `lastRoot`, or to `rootOffsets` when given.
public func encodeDicomDir(
    _ records: [FixtureRecord], firstRoot: Int = 0, lastRoot: Int = 0,
    rootOffsets: (UInt32, UInt32)? = nil
) -> [UInt8] {
    // The offset fields have a fixed size, so a first pass with zeros finds every offset.
    var offsets = [UInt32](repeating: 0, count: records.count)
    var encoded = encode(records, offsets: offsets, roots: (0, 0), recordStarts: &offsets)
    let roots = rootOffsets ?? (offsets[firstRoot], offsets[lastRoot])
    encoded = encode(records, offsets: offsets, roots: roots, recordStarts: &offsets)
    return encoded
}

private func encode(
    _ records: [FixtureRecord], offsets: [UInt32], roots: (UInt32, UInt32),
    recordStarts: inout [UInt32]
) -> [UInt8] {
    func resolve(_ link: FixtureLink?) -> UInt32 {
        switch link {
        case .record(let index): offsets[index]
        case .offset(let offset): offset
        case nil: 0
        }
    }

    var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
    bytes += element(0x0002, 0x0001, "OB", [0, 1])
    bytes += element(0x0002, 0x0010, "UI", padded("1.2.840.10008.1.2.1", with: 0))
    bytes += element(0x0004, 0x1130, "CS", padded("SET1", with: 32))
    bytes += element(0x0004, 0x1200, "UL", littleEndian(roots.0))
    bytes += element(0x0004, 0x1202, "UL", littleEndian(roots.1))
    bytes += element(0x0004, 0x1212, "US", [0, 0])
    bytes += header(0x0004, 0x1220, "SQ", length: 0xFFFF_FFFF)

    for (index, record) in records.enumerated() {
        recordStarts[index] = UInt32(bytes.count)
        bytes += delimiter(0xE000, length: 0xFFFF_FFFF)
        bytes += element(0x0004, 0x1400, "UL", littleEndian(resolve(record.next)))
        bytes += element(0x0004, 0x1410, "US", [0xFF, 0xFF])
        bytes += element(0x0004, 0x1420, "UL", littleEndian(resolve(record.lower)))
        bytes += element(0x0004, 0x1430, "CS", padded(record.type, with: 32))
        if !record.fileID.isEmpty {
            bytes += element(
                0x0004, 0x1500, "CS", padded(record.fileID.joined(separator: "\\"), with: 32))
            bytes += element(0x0004, 0x1512, "UI", padded(record.transferSyntaxUID, with: 0))
        }
        if index == 0 {
            bytes += header(0x0008, 0x1115, "SQ", length: 0xFFFF_FFFF)
            bytes += delimiter(0xE000, length: 0xFFFF_FFFF)
            bytes += element(0x0008, 0x1150, "UI", padded("1.2.3", with: 0))
            bytes += delimiter(0xE00D, length: 0)
            bytes += delimiter(0xE0DD, length: 0)
        }
        bytes += delimiter(0xE00D, length: 0)
    }
    bytes += delimiter(0xE0DD, length: 0)
    return bytes
}

private func element(_ group: UInt16, _ number: UInt16, _ vr: String, _ value: [UInt8])
    -> [UInt8]
{
    header(group, number, vr, length: UInt32(value.count)) + value
}

private func header(_ group: UInt16, _ number: UInt16, _ vr: String, length: UInt32) -> [UInt8] {
    var bytes = littleEndian16(group) + littleEndian16(number) + Array(vr.utf8)
    if ["OB", "SQ", "UN", "UT"].contains(vr) {
        bytes += [0, 0] + littleEndian(length)
    } else {
        bytes += littleEndian16(UInt16(length))
    }
    return bytes
}

private func delimiter(_ number: UInt16, length: UInt32) -> [UInt8] {
    littleEndian16(0xFFFE) + littleEndian16(number) + littleEndian(length)
}

/// Returns `text` padded to an even length with the byte `padding`.
private func padded(_ text: String, with padding: UInt8) -> [UInt8] {
    let bytes = Array(text.utf8)
    return bytes.count % 2 == 0 ? bytes : bytes + [padding]
}

private func littleEndian(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

private func littleEndian16(_ value: UInt16) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
}
