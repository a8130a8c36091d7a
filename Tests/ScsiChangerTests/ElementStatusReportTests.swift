import MediaCenterCore
import ScsiChanger
import Testing

@Suite struct ElementStatusReportTests {
    /// READ ELEMENT STATUS data without volume tags: a picker, two slots and a drive.
    static let plain: [UInt8] = [
        // Element status data header
        0x00, 0x01,  // first element address reported: 0001h
        0x00, 0x04,  // number of elements available: 4
        0x00,  // reserved
        0x00, 0x00, 0x48,  // byte count of report available: 72
        // Page: medium transport
        0x01,  // element type code 1
        0x00,  // PVOLTAG and AVOLTAG off
        0x00, 0x0C,  // element descriptor length: 12
        0x00,  // reserved
        0x00, 0x00, 0x0C,  // byte count of descriptor data: 12
        0x00, 0x01,  // element address 0001h
        0x00,  // flags: empty
        0x00,  // reserved
        0x00, 0x00,  // ASC, ASCQ
        0x00, 0x00, 0x00,  // reserved
        0x00,  // SVALID and INVERT off
        0x00, 0x00,  // source storage element address
        // Page: storage
        0x02,  // element type code 2
        0x00,  // no volume tags
        0x00, 0x0C,  // element descriptor length: 12
        0x00,  // reserved
        0x00, 0x00, 0x18,  // byte count of descriptor data: 24
        0x10, 0x00,  // element address 1000h
        0x09,  // ACCESS and FULL
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x01,  // element address 1001h
        0x08,  // ACCESS, empty
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // Page: data transfer
        0x04,  // element type code 4
        0x00,  // no volume tags
        0x00, 0x0C,  // element descriptor length: 12
        0x00,  // reserved
        0x00, 0x00, 0x0C,  // byte count of descriptor data: 12
        0x01, 0xF4,  // element address 01F4h
        0x09,  // ACCESS and FULL
        0x00,  // reserved
        0x00, 0x00,  // ASC, ASCQ
        0x00, 0x00, 0x00,  // bus fields, reserved
        0xC0,  // SVALID and INVERT
        0x10, 0x02,  // source storage element address 1002h
    ]

    @Test func plainReportIsParsed() throws {
        let report = try ElementStatusReport(parsing: Self.plain)
        #expect(report.firstAddress == 0x0001)
        #expect(report.availableCount == 4)
        #expect(report.reportByteCount == 72)
        #expect(report.pages.map(\.type) == [.mediumTransport, .storage, .dataTransfer])
        #expect(report.elements.map(\.address) == [0x0001, 0x1000, 0x1001, 0x01F4])

        let picker = try #require(report.element(at: 0x0001))
        #expect(!picker.full)
        #expect(!picker.access)

        let full = try #require(report.element(at: 0x1000))
        #expect(full.type == .storage)
        #expect(full.full)
        #expect(full.access)
        #expect(!full.except)
        #expect(full.sourceAddress == nil)
        #expect(full.primaryVolumeTag == nil)
        #expect(try #require(report.element(at: 0x1001)).full == false)

        let drive = try #require(report.element(at: 0x01F4))
        #expect(drive.type == .dataTransfer)
        #expect(drive.full)
        #expect(drive.sourceAddress == 0x1002)
        #expect(drive.inverted)
    }

    @Test func longerDescriptorsAreStepped() throws {
        let bytes: [UInt8] = [
            // Header
            0x10, 0x00,  // first element address 1000h
            0x00, 0x02,  // 2 elements
            0x00,
            0x00, 0x00, 0x28,  // byte count: 8 + 2 x 16 = 40
            // Page: storage, 16-byte descriptors (4 vendor-specific bytes each)
            0x02, 0x00,
            0x00, 0x10,  // element descriptor length: 16
            0x00,
            0x00, 0x00, 0x20,  // byte count of descriptor data: 32
            0x10, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0xDE, 0xAD, 0xBE, 0xEF,  // vendor-specific bytes
            0x10, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x01, 0x02, 0x03, 0x04,  // vendor-specific bytes
        ]
        let report = try ElementStatusReport(parsing: bytes)
        let page = try #require(report.pages.first)
        #expect(page.descriptorLength == 16)
        #expect(page.elements.map(\.address) == [0x1000, 0x1001])
        #expect(page.elements.map(\.full) == [false, true])
    }

    @Test func primaryVolumeTagIsRead() throws {
        let tag = Array("BLANK0001".utf8) + [UInt8](repeating: 0x20, count: 23)
        let bytes: [UInt8] =
            [
                // Header
                0x00, 0x10,  // first element address 0010h
                0x00, 0x01,  // 1 element
                0x00,
                0x00, 0x00, 0x38,  // byte count: 8 + 48 = 56
                // Page: import/export with PVOLTAG
                0x03,  // element type code 3
                0x80,  // PVOLTAG
                0x00, 0x30,  // element descriptor length: 12 + 36 = 48
                0x00,
                0x00, 0x00, 0x30,  // byte count of descriptor data: 48
                0x00, 0x10,  // element address 0010h
                0x3B,  // INENAB, EXENAB, ACCESS, IMPEXP, FULL
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ] + tag  // volume identifier, 32 bytes
            + [0x00, 0x00]  // reserved
            + [0x01, 0x02]  // volume sequence number 0102h
        let report = try ElementStatusReport(parsing: bytes)
        let page = try #require(report.pages.first)
        #expect(page.hasPrimaryVolumeTag)
        #expect(!page.hasAlternateVolumeTag)
        let slot = try #require(page.elements.first)
        #expect(slot.type == .importExport)
        #expect(slot.full)
        #expect(slot.access)
        #expect(slot.importedByOperator)
        #expect(slot.primaryVolumeTag == VolumeTag(identifier: "BLANK0001", sequenceNumber: 0x0102))
        #expect(slot.alternateVolumeTag == nil)
    }

    @Test func blankVolumeTagIsNil() throws {
        let bytes: [UInt8] =
            [
                0x10, 0x00, 0x00, 0x01, 0x00,
                0x00, 0x00, 0x38,  // byte count: 56
                0x02, 0x80,  // storage, PVOLTAG
                0x00, 0x30,  // descriptor length 48
                0x00, 0x00, 0x00, 0x30,
                0x10, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ] + [UInt8](repeating: 0x00, count: 36)  // an empty volume tag
        let report = try ElementStatusReport(parsing: bytes)
        #expect(try #require(report.element(at: 0x1000)).primaryVolumeTag == nil)
    }

    @Test func exceptElementKeepsItsSense() throws {
        let bytes: [UInt8] = [
            0x10, 0x05, 0x00, 0x01, 0x00,
            0x00, 0x00, 0x14,  // byte count: 20
            0x02, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x0C,  // storage page header
            0x10, 0x05,  // element address 1005h
            0x0D,  // ACCESS, EXCEPT and FULL
            0x00,
            0x15, 0x01,  // ASC/ASCQ 15h/01h: mechanical positioning error
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        let element = try #require(ElementStatusReport(parsing: bytes).element(at: 0x1005))
        #expect(element.except)
        #expect(element.full)
        #expect(element.additionalSenseCode == 0x15)
        #expect(element.additionalSenseCodeQualifier == 0x01)
        #expect(element.exceptionDescription == "ASC/ASCQ 15h/01h (mechanical positioning error)")
    }

    @Test func byteCountsAreBigEndian() throws {
        // 6 storage descriptors of 48 bytes: 288 (120h) bytes of descriptors, so the
        // 24-bit counts use their middle byte.
        var bytes: [UInt8] = [
            0x12, 0x34,  // first element address 1234h
            0x00, 0x06,
            0x00,
            0x00, 0x01, 0x28,  // byte count: 8 + 288 = 296 (000128h)
            0x02, 0x80, 0x00, 0x30, 0x00,
            0x00, 0x01, 0x20,  // byte count of descriptor data: 288 (000120h)
        ]
        for index in 0..<6 {
            bytes += [0x12, 0x34 + UInt8(index), 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            bytes += [UInt8](repeating: 0x20, count: 36)
        }
        let report = try ElementStatusReport(parsing: bytes)
        #expect(report.reportByteCount == 296)
        #expect(report.elements.count == 6)
        #expect(report.elements.last?.address == 0x1239)
        #expect(try ElementStatusReport.requiredLength(parsingHeaderOf: bytes) == 304)
    }

    @Test func truncatedReportThrows() {
        let cut = Array(Self.plain.prefix(50))
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: cut)
        }
        #expect(error?.code == .parseFailure)
        #expect(error?.message.contains("truncated") == true)
        #expect(error?.message.contains("only 50 bytes") == true)
    }

    @Test func truncatedHeaderThrows() {
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: [0x00, 0x01, 0x00, 0x04, 0x00])
        }
        #expect(error?.message.contains("element status data header is truncated") == true)
        #expect(throws: MediaCenterError.self) {
            try ElementStatusReport.requiredLength(parsingHeaderOf: [0x00, 0x01])
        }
    }

    @Test func pageRunningPastReportThrows() {
        var bytes = Self.plain
        bytes[15] = 0x60  // medium transport page: 96 bytes of descriptors, past the end
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: bytes)
        }
        #expect(error?.message.contains("past the end of the report") == true)
    }

    @Test func shortPageHeaderThrows() {
        var bytes = Array(Self.plain.prefix(28))
        bytes[7] = 0x18  // report byte count 24: one 20-byte page and 4 bytes of another
        bytes += [0x02, 0x00, 0x00, 0x0C]
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: bytes)
        }
        #expect(error?.message.contains("ends 4 bytes into a page header at byte 28") == true)
    }

    @Test func unknownElementTypeThrows() {
        var bytes = Self.plain
        bytes[8] = 0x07  // element type code 7
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: bytes)
        }
        #expect(error?.message.contains("unknown element type code 7") == true)
    }

    @Test func descriptorTooShortForTagThrows() {
        var bytes = Self.plain
        bytes[9] = 0x80  // PVOLTAG on the medium transport page, whose descriptors are 12 bytes
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: bytes)
        }
        #expect(error?.message.contains("below the 48 bytes") == true)
    }

    @Test func partialDescriptorThrows() {
        var bytes = Self.plain
        bytes[11] = 0x05  // descriptor length 5 would not even hold the flags
        #expect(throws: MediaCenterError.self) { try ElementStatusReport(parsing: bytes) }
        bytes[11] = 0x0D  // 13-byte descriptors do not divide the 12 bytes of the page
        let error = #expect(throws: MediaCenterError.self) {
            try ElementStatusReport(parsing: bytes)
        }
        #expect(error?.message.contains("whole number") == true)
    }
}
