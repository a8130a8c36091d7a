import MediaCenterCore
import ScsiChanger
import Testing

@Suite struct InquiryDataTests {
    /// Standard INQUIRY data of a changer, 36 bytes.
    static let changer: [UInt8] =
        [
            0x08,  // qualifier 0, peripheral device type 08h (medium changer)
            0x80,  // RMB
            0x06,  // version: SPC-4
            0x02,  // response data format 2
            0x1F,  // additional length: 31 bytes follow
            0x00, 0x00, 0x00,  // flags; MCHNGR (byte 6 bit 3) off
        ] + Array("ACME    ".utf8)  // vendor, 8 bytes
        + Array("DiscRobot 50    ".utf8)  // product, 16 bytes
        + Array("1.0 ".utf8)  // revision, 4 bytes

    @Test func changerIsRecognized() throws {
        let inquiry = try InquiryData(parsing: Self.changer)
        #expect(inquiry.peripheralDeviceType == 0x08)
        #expect(inquiry.peripheralQualifier == 0)
        #expect(inquiry.isMediumChanger)
        #expect(inquiry.removableMedium)
        #expect(!inquiry.attachedMediumChanger)
        #expect(inquiry.vendor == "ACME")
        #expect(inquiry.product == "DiscRobot 50")
        #expect(inquiry.revision == "1.0")
    }

    @Test func cdDriveIsNotAChanger() throws {
        var bytes = Self.changer
        bytes[0] = 0x05  // peripheral device type 05h: CD/DVD device
        bytes[6] = 0x08  // MCHNGR: a changer sits behind the drive
        let inquiry = try InquiryData(parsing: bytes)
        #expect(!inquiry.isMediumChanger)
        #expect(inquiry.attachedMediumChanger)
    }

    @Test func absentUnitIsNotAChanger() throws {
        var bytes = Self.changer
        bytes[0] = 0x28  // qualifier 001b (no device connected), type 08h
        let inquiry = try InquiryData(parsing: bytes)
        #expect(inquiry.peripheralQualifier == 1)
        #expect(!inquiry.isMediumChanger)
    }

    @Test func truncatedDataThrows() {
        let error = #expect(throws: MediaCenterError.self) {
            try InquiryData(parsing: Array(Self.changer.prefix(20)))
        }
        #expect(error?.code == .parseFailure)
        #expect(error?.message.contains("INQUIRY data is truncated") == true)
        #expect(error?.message.contains("20 bytes") == true)
    }
}
