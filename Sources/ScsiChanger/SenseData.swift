import MediaCenterCore

/// The sense key of sense data, the class of a failed command's error.
public enum SenseKey: UInt8, Sendable, CustomStringConvertible {
    case noSense = 0x0
    case recoveredError = 0x1
    case notReady = 0x2
    case mediumError = 0x3
    case hardwareError = 0x4
    case illegalRequest = 0x5
    case unitAttention = 0x6
    case dataProtect = 0x7
    case blankCheck = 0x8
    case vendorSpecific = 0x9
    case copyAborted = 0xA
    case abortedCommand = 0xB
    case reserved = 0xC
    case volumeOverflow = 0xD
    case miscompare = 0xE
    case completed = 0xF

    public var description: String {
        switch self {
        case .noSense: "NO SENSE"
        case .recoveredError: "RECOVERED ERROR"
        case .notReady: "NOT READY"
        case .mediumError: "MEDIUM ERROR"
        case .hardwareError: "HARDWARE ERROR"
        case .illegalRequest: "ILLEGAL REQUEST"
        case .unitAttention: "UNIT ATTENTION"
        case .dataProtect: "DATA PROTECT"
        case .blankCheck: "BLANK CHECK"
        case .vendorSpecific: "VENDOR SPECIFIC"
        case .copyAborted: "COPY ABORTED"
        case .abortedCommand: "ABORTED COMMAND"
        case .reserved: "reserved sense key Ch"
        case .volumeOverflow: "VOLUME OVERFLOW"
        case .miscompare: "MISCOMPARE"
        case .completed: "COMPLETED"
        }
    }
}

/// Sense data in either format SPC defines: fixed (response codes 70h and 71h) or
/// descriptor (72h and 73h).
public struct SenseData: Sendable, Equatable {
    /// The two layouts of sense data.
    public enum Format: Sendable, Equatable {
        case fixed
        case descriptor
    }

    /// The response code (70h to 73h).
    public var responseCode: UInt8
    public var format: Format
    /// Whether the sense describes the command that just failed (70h, 72h) rather than an
    /// earlier one that completed in the background (71h, 73h).
    public var isCurrent: Bool
    public var senseKey: SenseKey
    public var additionalSenseCode: UInt8
    public var additionalSenseCodeQualifier: UInt8
    /// The INFORMATION field, when the fixed format's VALID bit is set or a descriptor of
    /// type 00h carries it.
    public var information: UInt64?

    /// Parses the sense bytes a device returned.
    /// - Throws: `MediaCenterError` with `.parseFailure` for an empty buffer, a response
    ///   code other than 70h to 73h, or a buffer too short for the sense key, ASC and ASCQ.
    public init(parsing bytes: [UInt8]) throws {
        let reader = ByteReader(bytes, structure: "sense data")
        responseCode = try reader.uint8(at: 0, field: "the response code") & 0x7F
        switch responseCode {
        case 0x70, 0x71:
            format = .fixed
            isCurrent = responseCode == 0x70
            senseKey = SenseKey(
                rawValue: try reader.uint8(at: 2, field: "the sense key") & 0x0F)!
            if bytes[0] & 0x80 != 0 {
                information = UInt64(try reader.uint32(at: 3, field: "the information field"))
            }
            // The ASC and ASCQ lie beyond the 8-byte minimum, so a device that sends only 8
            // bytes reports none.
            let additionalLength = Int(try reader.uint8(at: 7, field: "the additional length"))
            if additionalLength >= 6 {
                additionalSenseCode = try reader.uint8(at: 12, field: "the ASC")
                additionalSenseCodeQualifier = try reader.uint8(at: 13, field: "the ASCQ")
            } else {
                additionalSenseCode = 0
                additionalSenseCodeQualifier = 0
            }
        case 0x72, 0x73:
            format = .descriptor
            isCurrent = responseCode == 0x72
            senseKey = SenseKey(
                rawValue: try reader.uint8(at: 1, field: "the sense key") & 0x0F)!
            additionalSenseCode = try reader.uint8(at: 2, field: "the ASC")
            additionalSenseCodeQualifier = try reader.uint8(at: 3, field: "the ASCQ")
            information = try Self.informationDescriptor(reader)
        default:
            throw MediaCenterError(
                .parseFailure,
                "the sense data has the response code \(hex(responseCode)), which is neither "
                    + "fixed (70h, 71h) nor descriptor format (72h, 73h)")
        }
    }

    /// Returns the INFORMATION of a descriptor of type 00h with its VALID bit set, walking
    /// the descriptor list after the 8-byte header as far as the additional length reaches.
    private static func informationDescriptor(_ reader: ByteReader) throws -> UInt64? {
        let additionalLength = Int(try reader.uint8(at: 7, field: "the additional length"))
        let end = min(reader.count, 8 + additionalLength)
        var offset = 8
        while offset + 2 <= end {
            let type = reader.bytes[offset]
            let length = Int(reader.bytes[offset + 1])
            if type == 0x00, length >= 0x0A, offset + 12 <= end,
                reader.bytes[offset + 2] & 0x80 != 0
            {
                let high = UInt64(try reader.uint32(at: offset + 4, field: "the information"))
                let low = UInt64(try reader.uint32(at: offset + 8, field: "the information"))
                return high << 32 | low
            }
            offset += 2 + length
        }
        return nil
    }

    /// The sense as text, such as `ILLEGAL REQUEST, ASC/ASCQ 3Bh/0Eh (medium source element
    /// empty)`.
    public var description: String {
        "\(senseKey), "
            + AdditionalSense.describe(
                code: additionalSenseCode, qualifier: additionalSenseCodeQualifier)
    }

    /// Returns whether the ASC and ASCQ are the pair `condition`, such as
    /// ``AdditionalSense/sourceElementEmpty``.
    public func isCondition(_ condition: (code: UInt8, qualifier: UInt8)) -> Bool {
        additionalSenseCode == condition.code
            && additionalSenseCodeQualifier == condition.qualifier
    }
}

/// The additional sense codes a medium changer reports, with short descriptions in our own
/// words.
public enum AdditionalSense {
    /// The logical unit is becoming ready (04h/01h).
    public static let becomingReady: (UInt8, UInt8) = (0x04, 0x01)
    /// The logical unit is not ready until INITIALIZE ELEMENT STATUS runs (04h/02h).
    public static let initializationRequired: (UInt8, UInt8) = (0x04, 0x02)
    /// The logical unit is not ready until someone acts on it, such as closing a door
    /// (04h/03h).
    public static let manualInterventionRequired: (UInt8, UInt8) = (0x04, 0x03)
    /// The element address is not one of the changer's (21h/01h).
    public static let invalidElementAddress: (UInt8, UInt8) = (0x21, 0x01)
    /// The changer's state may have changed, as after a door was opened (28h/00h).
    public static let notReadyToReadyChange: (UInt8, UInt8) = (0x28, 0x00)
    /// The source element of a move contains no medium (3Bh/0Eh).
    public static let sourceElementEmpty: (UInt8, UInt8) = (0x3B, 0x0E)
    /// The destination element of a move already contains a medium (3Bh/0Dh).
    public static let destinationElementFull: (UInt8, UInt8) = (0x3B, 0x0D)
    /// The data transfer element keeps its medium locked (53h/02h).
    public static let mediumRemovalPrevented: (UInt8, UInt8) = (0x53, 0x02)

    private static let descriptions: [UInt16: String] = [
        0x0401: "becoming ready",
        0x0402: "not ready, INITIALIZE ELEMENT STATUS required",
        0x0403: "not ready, manual intervention required",
        0x1501: "mechanical positioning error",
        0x2000: "invalid command operation code",
        0x2101: "invalid element address",
        0x2400: "invalid field in CDB",
        0x2800: "not ready to ready change, the medium may have changed",
        0x2900: "power on, reset or bus device reset",
        0x3000: "incompatible medium installed",
        0x3A00: "medium not present",
        0x3B0D: "medium destination element full",
        0x3B0E: "medium source element empty",
        0x3B11: "medium magazine not accessible",
        0x3B12: "medium magazine removed",
        0x3B13: "medium magazine inserted",
        0x3B14: "medium magazine locked",
        0x3B15: "medium magazine unlocked",
        0x4400: "internal target failure",
        0x5302: "medium removal prevented",
        0x5300: "media load or eject failed",
    ]

    /// Returns `ASC/ASCQ xxh/yyh`, followed by a description in brackets when the pair is
    /// one a changer commonly reports.
    public static func describe(code: UInt8, qualifier: UInt8) -> String {
        let pair = "ASC/ASCQ \(hex(code))/\(hex(qualifier))"
        guard let text = descriptions[UInt16(code) << 8 | UInt16(qualifier)] else {
            return pair
        }
        return "\(pair) (\(text))"
    }
}
