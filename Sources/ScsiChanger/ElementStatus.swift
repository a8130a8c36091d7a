import MediaCenterCore

/// A volume tag of an element status descriptor: the medium's label (a bar code, on a
/// library that reads them) and its sequence number.
public struct VolumeTag: Sendable, Equatable {
    /// The volume identifier (32 bytes), trailing spaces removed.
    public var identifier: String
    /// The volume sequence number (2 bytes after 2 reserved ones).
    public var sequenceNumber: UInt16

    public init(identifier: String, sequenceNumber: UInt16) {
        self.identifier = identifier
        self.sequenceNumber = sequenceNumber
    }

    /// The field's size in an element status descriptor.
    public static let byteCount = 36
}

/// The status of one element, from one descriptor of an element status page.
public struct ElementStatus: Sendable, Equatable {
    public var type: ElementType
    public var address: UInt16
    /// Whether the element contains a medium (FULL, byte 2 bit 0).
    public var full: Bool
    /// Whether the element is in an abnormal state that `additionalSenseCode` and
    /// `additionalSenseCodeQualifier` describe (EXCEPT, byte 2 bit 2).
    public var except: Bool
    /// Whether the picker can reach the element (ACCESS, byte 2 bit 3). A medium transport
    /// element has no such bit, so this is false for it.
    public var access: Bool
    /// For an import/export element: the medium was put in by the operator (IMPEXP, byte
    /// 2 bit 1), rather than by the picker. False for other types.
    public var importedByOperator: Bool
    /// The additional sense code of an exception (byte 4), 0 when there is none.
    public var additionalSenseCode: UInt8
    /// The additional sense code qualifier of an exception (byte 5).
    public var additionalSenseCodeQualifier: UInt8
    /// The element the medium came from, when the changer reports it (SVALID, byte 9 bit
    /// 7, and bytes 10-11).
    public var sourceAddress: UInt16?
    /// Whether the medium was turned over on its last move (INVERT, byte 9 bit 6).
    public var inverted: Bool
    /// The primary volume tag, when the page carries it (PVOLTAG) and the changer filled it.
    public var primaryVolumeTag: VolumeTag?
    /// The alternate volume tag, when the page carries it (AVOLTAG).
    public var alternateVolumeTag: VolumeTag?

    /// The exception as text, such as `ASC/ASCQ 3Bh/0Eh (medium source element empty)`.
    public var exceptionDescription: String {
        AdditionalSense.describe(
            code: additionalSenseCode, qualifier: additionalSenseCodeQualifier)
    }
}

/// One element status page: a header for one element type, then its descriptors.
public struct ElementStatusPage: Sendable, Equatable {
    public var type: ElementType
    /// Whether each descriptor carries a primary volume tag (PVOLTAG, byte 1 bit 7).
    public var hasPrimaryVolumeTag: Bool
    /// Whether each descriptor carries an alternate volume tag (AVOLTAG, byte 1 bit 6).
    public var hasAlternateVolumeTag: Bool
    /// The length of each descriptor (bytes 2-3), which may exceed the fields parsed here.
    public var descriptorLength: Int
    public var elements: [ElementStatus]
}

/// The data READ ELEMENT STATUS returns: an 8-byte header, then one page per element type.
public struct ElementStatusReport: Sendable, Equatable {
    /// The lowest element address reported (header bytes 0-1).
    public var firstAddress: UInt16
    /// The number of elements the changer has available to report (header bytes 2-3).
    public var availableCount: Int
    /// The bytes of page data the changer has available, after the header (bytes 5-7).
    public var reportByteCount: Int
    public var pages: [ElementStatusPage]

    /// The size of the element status data header and of each page header.
    public static let headerLength = 8
    /// The fields every descriptor has before its volume tags.
    public static let minimumDescriptorLength = 12

    /// Every element of every page, in the order reported.
    public var elements: [ElementStatus] { pages.flatMap(\.elements) }

    /// Returns the element at `address`, or nil when the report has none.
    public func element(at address: UInt16) -> ElementStatus? {
        elements.first { $0.address == address }
    }

    /// Returns the bytes the whole report takes, header included, from its first 8 bytes, so
    /// that a reply cut short by too small an allocation length can be asked for again.
    /// - Throws: `MediaCenterError` with `.parseFailure` when fewer than 8 bytes arrived.
    public static func requiredLength(parsingHeaderOf bytes: [UInt8]) throws -> Int {
        let reader = ByteReader(bytes, structure: "element status data header")
        return headerLength + Int(try reader.uint24(at: 5, field: "the report byte count"))
    }

    /// Parses the data of READ ELEMENT STATUS.
    /// - Throws: `MediaCenterError` with `.parseFailure` when the data is shorter than its
    ///   byte counts announce, a page has an unknown element type, or a descriptor length
    ///   is too short for the fields the page header announces.
    public init(parsing bytes: [UInt8]) throws {
        let header = ByteReader(bytes, structure: "element status data header")
        firstAddress = try header.uint16(at: 0, field: "the first element address reported")
        availableCount = Int(try header.uint16(at: 2, field: "the number of elements available"))
        reportByteCount = Int(try header.uint24(at: 5, field: "the report byte count"))

        let reader = ByteReader(bytes, structure: "element status data")
        let end = Self.headerLength + reportByteCount
        try reader.require(0, end, field: "the \(reportByteCount) bytes of pages")

        var pages: [ElementStatusPage] = []
        var offset = Self.headerLength
        while offset < end {
            guard offset + Self.headerLength <= end else {
                throw MediaCenterError(
                    .parseFailure,
                    "the element status data ends \(end - offset) bytes into a page header "
                        + "at byte \(offset); the report byte count \(reportByteCount) does "
                        + "not match its pages")
            }
            let page = try Self.parsePage(reader, at: offset, end: end)
            pages.append(page.page)
            offset = page.next
        }
        self.pages = pages
    }

    private static func parsePage(
        _ reader: ByteReader, at start: Int, end: Int
    ) throws -> (page: ElementStatusPage, next: Int) {
        let typeCode = try reader.uint8(at: start, field: "the element type code") & 0x0F
        guard let type = ElementType(rawValue: typeCode), type != .all else {
            throw MediaCenterError(
                .parseFailure,
                "an element status page at byte \(start) has the unknown element type code "
                    + "\(typeCode); the changer reported a type SMC-3 does not define")
        }
        let flags = try reader.uint8(at: start + 1, field: "the volume tag bits")
        let primary = flags & 0x80 != 0
        let alternate = flags & 0x40 != 0
        let descriptorLength = Int(
            try reader.uint16(at: start + 2, field: "the element descriptor length"))
        let byteCount = Int(
            try reader.uint24(at: start + 5, field: "the descriptor byte count"))

        let first = start + headerLength
        let next = first + byteCount
        guard next <= end else {
            throw MediaCenterError(
                .parseFailure,
                "the \(type) element status page at byte \(start) announces \(byteCount) "
                    + "bytes of descriptors, past the end of the report at byte \(end)")
        }
        let needed =
            minimumDescriptorLength + (primary ? VolumeTag.byteCount : 0)
            + (alternate ? VolumeTag.byteCount : 0)
        guard descriptorLength >= needed else {
            throw MediaCenterError(
                .parseFailure,
                "the \(type) element status page gives a descriptor length of "
                    + "\(descriptorLength) bytes, below the \(needed) bytes its fields need")
        }
        guard byteCount % descriptorLength == 0 else {
            throw MediaCenterError(
                .parseFailure,
                "the \(type) element status page holds \(byteCount) bytes, which is not a "
                    + "whole number of \(descriptorLength)-byte descriptors")
        }

        var elements: [ElementStatus] = []
        for descriptor in stride(from: first, to: next, by: descriptorLength) {
            elements.append(
                try parseDescriptor(
                    reader, at: descriptor, type: type, primary: primary, alternate: alternate))
        }
        let page = ElementStatusPage(
            type: type, hasPrimaryVolumeTag: primary, hasAlternateVolumeTag: alternate,
            descriptorLength: descriptorLength, elements: elements)
        return (page, next)
    }

    private static func parseDescriptor(
        _ reader: ByteReader, at offset: Int, type: ElementType, primary: Bool, alternate: Bool
    ) throws -> ElementStatus {
        let flags = try reader.uint8(at: offset + 2, field: "the element flags")
        let source = try reader.uint8(at: offset + 9, field: "the SVALID and INVERT bits")
        let sourceAddress = try reader.uint16(at: offset + 10, field: "the source address")

        var tagOffset = offset + minimumDescriptorLength
        var primaryTag: VolumeTag?
        var alternateTag: VolumeTag?
        if primary {
            primaryTag = try volumeTag(reader, at: tagOffset, field: "the primary volume tag")
            tagOffset += VolumeTag.byteCount
        }
        if alternate {
            alternateTag = try volumeTag(reader, at: tagOffset, field: "the alternate volume tag")
        }

        return ElementStatus(
            type: type,
            address: try reader.uint16(at: offset, field: "the element address"),
            full: flags & 0x01 != 0,
            except: flags & 0x04 != 0,
            access: type != .mediumTransport && flags & 0x08 != 0,
            importedByOperator: type == .importExport && flags & 0x02 != 0,
            additionalSenseCode: try reader.uint8(at: offset + 4, field: "the ASC"),
            additionalSenseCodeQualifier: try reader.uint8(at: offset + 5, field: "the ASCQ"),
            sourceAddress: source & 0x80 != 0 ? sourceAddress : nil,
            inverted: source & 0x40 != 0,
            primaryVolumeTag: primaryTag,
            alternateVolumeTag: alternateTag)
    }

    /// Returns the volume tag at `offset`, or nil for one of only spaces or NULs, which a
    /// changer sends when it has no label for the medium.
    private static func volumeTag(
        _ reader: ByteReader, at offset: Int, field: String
    ) throws -> VolumeTag? {
        let identifier = try reader.text(at: offset, length: 32, field: field)
        let sequence = try reader.uint16(at: offset + 34, field: field)
        guard !identifier.isEmpty || sequence != 0 else { return nil }
        return VolumeTag(identifier: identifier, sequenceNumber: sequence)
    }
}
