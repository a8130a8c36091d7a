import ScsiChanger
import Testing

@Suite struct ScsiCommandTests {
    @Test func testUnitReadyIsSixZeroBytes() {
        let command = ScsiCommand.testUnitReady()
        #expect(command.cdb == [0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(command.direction == .none)
    }

    @Test func inquiryCarriesAllocationLength() {
        let command = ScsiCommand.inquiry(allocationLength: 0x0124)
        #expect(
            command.cdb == [
                0x12,  // operation code
                0x00,  // EVPD off
                0x00,  // page code
                0x01, 0x24,  // allocation length, big-endian
                0x00,  // control
            ])
        #expect(command.direction == .fromDevice(allocationLength: 0x124))
    }

    @Test func initializeElementStatusLayout() {
        let command = ScsiCommand.initializeElementStatus()
        #expect(command.cdb == [0x07, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(command.direction == .none)
        #expect(command.timeoutMilliseconds == ScsiCommand.initializeTimeoutMilliseconds)
    }

    @Test func readElementStatusLayout() {
        let command = ScsiCommand.readElementStatus(
            type: .storage, startingAddress: 0x1234, count: 0x0102, volumeTags: true,
            allocationLength: 0x0A_BC_DE)
        #expect(
            command.cdb == [
                0xB8,  // operation code
                0x12,  // VOLTAG (bit 4) and element type code 2 (storage)
                0x12, 0x34,  // starting element address
                0x01, 0x02,  // number of elements
                0x00,  // CURDATA and DVCID off
                0x0A, 0xBC, 0xDE,  // allocation length, 24 bits big-endian
                0x00,  // reserved
                0x00,  // control
            ])
        #expect(command.direction == .fromDevice(allocationLength: 0x0A_BC_DE))
    }

    @Test func readElementStatusWithoutVolumeTags() {
        let command = ScsiCommand.readElementStatus(
            type: .all, startingAddress: 0, count: 0xFFFF, volumeTags: false,
            allocationLength: 0x400)
        #expect(command.cdb[1] == 0x00)
        #expect(command.cdb[4] == 0xFF)
        #expect(command.cdb[5] == 0xFF)
        #expect(Array(command.cdb[7...9]) == [0x00, 0x04, 0x00])
    }

    @Test func readElementStatusClampsAllocationTo24Bits() {
        let command = ScsiCommand.readElementStatus(
            type: .dataTransfer, startingAddress: 1, count: 1, volumeTags: false,
            allocationLength: 0x0100_0000)
        #expect(command.cdb[1] == 0x04)
        #expect(Array(command.cdb[7...9]) == [0xFF, 0xFF, 0xFF])
        #expect(command.direction == .fromDevice(allocationLength: 0xFF_FFFF))
    }

    @Test func moveMediumLayout() {
        let command = ScsiCommand.moveMedium(
            transport: 0x0001, source: 0x1000, destination: 0x01FF, invert: true)
        #expect(
            command.cdb == [
                0xA5,  // operation code
                0x00,  // reserved
                0x00, 0x01,  // medium transport address
                0x10, 0x00,  // source address
                0x01, 0xFF,  // destination address
                0x00, 0x00,  // reserved
                0x01,  // INVERT
                0x00,  // control
            ])
        #expect(command.direction == .none)
        #expect(command.timeoutMilliseconds == ScsiCommand.moveTimeoutMilliseconds)
    }

    @Test func modeSenseAsksForPage1D() {
        let command = ScsiCommand.modeSenseElementAddressAssignment()
        #expect(
            command.cdb == [
                0x1A,  // MODE SENSE(6)
                0x08,  // DBD
                0x1D,  // page control 00b, page code 1Dh
                0x00,  // subpage
                0xFF,  // allocation length
                0x00,  // control
            ])
        let withDescriptors = ScsiCommand.modeSenseElementAddressAssignment(
            disableBlockDescriptors: false, allocationLength: 0x40)
        #expect(withDescriptors.cdb[1] == 0x00)
        #expect(withDescriptors.cdb[4] == 0x40)
    }
}
