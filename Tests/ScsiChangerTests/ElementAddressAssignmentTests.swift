import MediaCenterCore
import ScsiChanger
import Testing

@Suite struct ElementAddressAssignmentTests {
    /// A MODE SENSE(6) reply with no block descriptor and page 1Dh.
    static let reply: [UInt8] = [
        0x17,  // mode data length: 23 bytes follow
        0x00,  // medium type
        0x00,  // device-specific parameter
        0x00,  // block descriptor length
        0x9D,  // PS bit and page code 1Dh
        0x12,  // page length: 18 bytes
        0x00, 0x01, 0x00, 0x01,  // medium transport: first 0001h, 1 element
        0x10, 0x00, 0x00, 0x64,  // storage: first 1000h, 100 elements
        0x00, 0x10, 0x00, 0x02,  // import/export: first 0010h, 2 elements
        0x01, 0xF4, 0x00, 0x02,  // data transfer: first 01F4h, 2 elements
        0x00, 0x00,  // reserved
    ]

    @Test func pageIsParsed() throws {
        let page = try ElementAddressAssignment(parsingModeSense6: Self.reply)
        #expect(page.mediumTransport == .init(first: 0x0001, count: 1))
        #expect(page.storage == .init(first: 0x1000, count: 100))
        #expect(page.importExport == .init(first: 0x0010, count: 2))
        #expect(page.dataTransfer == .init(first: 0x01F4, count: 2))
        #expect(page.totalCount == 105)
        #expect(page.lowestAddress == 0x0001)
    }

    @Test func blockDescriptorIsSkipped() throws {
        var bytes = Array(Self.reply.prefix(4))
        bytes[3] = 0x08  // block descriptor length: one 8-byte descriptor
        bytes += [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00]  // the descriptor
        bytes += Self.reply.dropFirst(4)
        let page = try ElementAddressAssignment(parsingModeSense6: bytes)
        #expect(page.storage == .init(first: 0x1000, count: 100))
    }

    @Test func otherPageIsRejected() {
        var bytes = Self.reply
        bytes[4] = 0x1C  // page code 1Ch
        let error = #expect(throws: MediaCenterError.self) {
            try ElementAddressAssignment(parsingModeSense6: bytes)
        }
        #expect(error?.message.contains("page 1Ch") == true)
    }

    @Test func truncatedPageThrows() {
        let error = #expect(throws: MediaCenterError.self) {
            try ElementAddressAssignment(parsingModeSense6: Array(Self.reply.prefix(17)))
        }
        #expect(error?.code == .parseFailure)
        #expect(error?.message.contains("import/export") == true)
    }
}
