import MediaCenterCore

/// The standard INQUIRY data of a device: its type and identification.
public struct InquiryData: Sendable, Equatable {
    /// The peripheral device type that SPC assigns to a medium changer.
    public static let mediumChangerDeviceType: UInt8 = 0x08

    /// The peripheral qualifier (byte 0, bits 7-5); 0 means a device is connected.
    public var peripheralQualifier: UInt8
    /// The peripheral device type (byte 0, bits 4-0).
    public var peripheralDeviceType: UInt8
    /// Whether the medium is removable (RMB, byte 1 bit 7).
    public var removableMedium: Bool
    /// Whether the device has a medium changer behind it (MCHNGR, byte 6 bit 3).
    public var attachedMediumChanger: Bool
    /// T10 vendor identification (bytes 8-15), trailing spaces removed.
    public var vendor: String
    /// Product identification (bytes 16-31), trailing spaces removed.
    public var product: String
    /// Product revision level (bytes 32-35), trailing spaces removed.
    public var revision: String

    /// Parses the standard INQUIRY data in `bytes`.
    /// - Throws: `MediaCenterError` with `.parseFailure` when fewer than 36 bytes arrived.
    public init(parsing bytes: [UInt8]) throws {
        let reader = ByteReader(bytes, structure: "INQUIRY data")
        let byte0 = try reader.uint8(at: 0, field: "the peripheral device type")
        peripheralQualifier = byte0 >> 5
        peripheralDeviceType = byte0 & 0x1F
        removableMedium = try reader.uint8(at: 1, field: "the RMB bit") & 0x80 != 0
        attachedMediumChanger = try reader.uint8(at: 6, field: "the MCHNGR bit") & 0x08 != 0
        vendor = try reader.text(at: 8, length: 8, field: "the vendor identification")
        product = try reader.text(at: 16, length: 16, field: "the product identification")
        revision = try reader.text(at: 32, length: 4, field: "the product revision level")
    }

    /// Whether this is a connected medium changer (qualifier 0, device type 08h).
    public var isMediumChanger: Bool {
        peripheralQualifier == 0 && peripheralDeviceType == Self.mediumChangerDeviceType
    }
}
