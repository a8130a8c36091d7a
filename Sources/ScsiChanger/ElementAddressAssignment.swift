import MediaCenterCore

/// The element ranges a changer reports in its element address assignment mode page (1Dh):
/// the first address and the number of elements of each type.
public struct ElementAddressAssignment: Sendable, Equatable {
    /// The first address and the number of elements of one type.
    public struct Range: Sendable, Equatable {
        public var first: UInt16
        public var count: UInt16

        public init(first: UInt16, count: UInt16) {
            self.first = first
            self.count = count
        }

        /// Returns whether `address` lies in the range.
        public func contains(_ address: UInt16) -> Bool {
            Int(address) >= Int(first) && Int(address) < Int(first) + Int(count)
        }
    }

    public var mediumTransport: Range
    public var storage: Range
    public var importExport: Range
    public var dataTransfer: Range

    public init(mediumTransport: Range, storage: Range, importExport: Range, dataTransfer: Range) {
        self.mediumTransport = mediumTransport
        self.storage = storage
        self.importExport = importExport
        self.dataTransfer = dataTransfer
    }

    /// Parses the reply of MODE SENSE(6) for page 1Dh: the 4-byte mode parameter header,
    /// the block descriptors whose length its byte 3 gives, then the page.
    /// - Throws: `MediaCenterError` with `.parseFailure` for a truncated reply or a page
    ///   with another code or a length below 12h.
    public init(parsingModeSense6 bytes: [UInt8]) throws {
        let reader = ByteReader(bytes, structure: "element address assignment mode page")
        let blockDescriptorLength = try reader.uint8(
            at: 3, field: "the block descriptor length")
        let page = 4 + Int(blockDescriptorLength)

        let pageCode = try reader.uint8(at: page, field: "the page code") & 0x3F
        guard pageCode == 0x1D else {
            throw MediaCenterError(
                .parseFailure,
                "MODE SENSE returned page \(hex(pageCode)) instead of the element address "
                    + "assignment page 1Dh; the changer does not support the page, so "
                    + "configure the element addresses by hand")
        }
        let pageLength = try reader.uint8(at: page + 1, field: "the page length")
        guard pageLength >= 0x12 else {
            throw MediaCenterError(
                .parseFailure,
                "the element address assignment page is \(pageLength) bytes long, "
                    + "below the 18 bytes (12h) its fields need")
        }

        func range(_ offset: Int, _ name: String) throws -> Range {
            Range(
                first: try reader.uint16(at: page + offset, field: "the first \(name) address"),
                count: try reader.uint16(
                    at: page + offset + 2, field: "the number of \(name) elements"))
        }
        mediumTransport = try range(2, "medium transport")
        storage = try range(6, "storage")
        importExport = try range(10, "import/export")
        dataTransfer = try range(14, "data transfer")
    }

    /// All four ranges, each with its element type.
    public var ranges: [(type: ElementType, range: Range)] {
        [
            (.mediumTransport, mediumTransport), (.storage, storage),
            (.importExport, importExport), (.dataTransfer, dataTransfer),
        ]
    }

    /// The number of elements of every type together.
    public var totalCount: Int {
        ranges.reduce(0) { $0 + Int($1.range.count) }
    }

    /// The lowest address of any nonempty range, where a READ ELEMENT STATUS of every
    /// element starts.
    public var lowestAddress: UInt16 {
        ranges.filter { $0.range.count > 0 }.map(\.range.first).min() ?? 0
    }
}

/// Formats `value` as two or four hex digits with an `h` suffix, as SCSI documents write
/// codes and addresses.
func hex<Value: FixedWidthInteger>(_ value: Value) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    let width = Value.bitWidth / 4
    return String(repeating: "0", count: max(0, width - digits.count)) + digits + "h"
}
