/// The direction of a SCSI command's data phase.
public enum ScsiDataDirection: Sendable, Equatable {
    /// No data phase, as in TEST UNIT READY and MOVE MEDIUM.
    case none
    /// The device returns up to this many bytes to the host.
    case fromDevice(allocationLength: Int)
    /// The host sends these bytes to the device.
    case toDevice([UInt8])
}

/// The element types of a medium changer, with the codes SMC-3 gives them in READ ELEMENT
/// STATUS and in its element status pages.
public enum ElementType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Every type, in a READ ELEMENT STATUS request only.
    case all = 0
    /// A picker that carries a medium between the other elements.
    case mediumTransport = 1
    /// A slot for one medium.
    case storage = 2
    /// A slot that the operator reaches from outside, such as a mail slot or a bin.
    case importExport = 3
    /// A drive.
    case dataTransfer = 4

    public var description: String {
        switch self {
        case .all: "all elements"
        case .mediumTransport: "medium transport"
        case .storage: "storage"
        case .importExport: "import/export"
        case .dataTransfer: "data transfer"
        }
    }
}

/// A SCSI command: its command descriptor block (CDB), its data phase and how long the
/// device may take.
public struct ScsiCommand: Sendable, Equatable {
    /// The operation's name as SPC and SMC-3 spell it, for logs and errors.
    public var name: String
    /// The command descriptor block, sent as it is.
    public var cdb: [UInt8]
    /// The data phase.
    public var direction: ScsiDataDirection
    /// The time the device may take before the kernel aborts the command, in milliseconds.
    public var timeoutMilliseconds: UInt32

    /// Makes a command from its parts.
    public init(
        name: String, cdb: [UInt8], direction: ScsiDataDirection,
        timeoutMilliseconds: UInt32 = ScsiCommand.defaultTimeoutMilliseconds
    ) {
        self.name = name
        self.cdb = cdb
        self.direction = direction
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The operation code, the first byte of the CDB.
    public var operationCode: UInt8 { cdb.first ?? 0 }

    /// 30 s, enough for the commands that do not move the picker.
    public static let defaultTimeoutMilliseconds: UInt32 = 30_000
    /// 5 minutes for MOVE MEDIUM, which waits for the picker to travel and the drive to take
    /// the disc.
    public static let moveTimeoutMilliseconds: UInt32 = 300_000
    /// 10 minutes for INITIALIZE ELEMENT STATUS, which makes the changer visit every slot.
    public static let initializeTimeoutMilliseconds: UInt32 = 600_000

    /// TEST UNIT READY (00h, 6 bytes): tests whether the changer accepts medium commands.
    public static func testUnitReady() -> ScsiCommand {
        ScsiCommand(name: "TEST UNIT READY", cdb: [0x00, 0, 0, 0, 0, 0], direction: .none)
    }

    /// INQUIRY (12h, 6 bytes) of the standard inquiry data, with no vital product data page.
    /// - Parameter allocationLength: bytes the device may return, 36 or more for the vendor,
    ///   product and revision fields.
    public static func inquiry(allocationLength: UInt16 = 96) -> ScsiCommand {
        let length = allocationLength.bigEndianBytes
        return ScsiCommand(
            name: "INQUIRY",
            cdb: [0x12, 0x00, 0x00, length[0], length[1], 0x00],
            direction: .fromDevice(allocationLength: Int(allocationLength)))
    }

    /// INITIALIZE ELEMENT STATUS (07h, 6 bytes): makes the changer check every element for a
    /// medium, which it needs after a power cycle or an opened door before it moves media.
    public static func initializeElementStatus() -> ScsiCommand {
        ScsiCommand(
            name: "INITIALIZE ELEMENT STATUS", cdb: [0x07, 0, 0, 0, 0, 0], direction: .none,
            timeoutMilliseconds: initializeTimeoutMilliseconds)
    }

    /// READ ELEMENT STATUS (B8h, 12 bytes).
    /// - Parameters:
    ///   - type: the element type to report, or `.all`.
    ///   - startingAddress: the lowest element address to report.
    ///   - count: the number of elements to report at most.
    ///   - volumeTags: whether each descriptor carries the volume tags (VOLTAG bit).
    ///   - allocationLength: bytes the changer may return, at most 16 MiB - 1 (24 bits).
    public static func readElementStatus(
        type: ElementType = .all, startingAddress: UInt16, count: UInt16, volumeTags: Bool,
        allocationLength: UInt32
    ) -> ScsiCommand {
        let start = startingAddress.bigEndianBytes
        let elements = count.bigEndianBytes
        let clamped = min(allocationLength, 0xFF_FFFF)
        let length = clamped.bigEndianBytes
        return ScsiCommand(
            name: "READ ELEMENT STATUS",
            cdb: [
                0xB8,
                (volumeTags ? 0x10 : 0x00) | type.rawValue,
                start[0], start[1],
                elements[0], elements[1],
                0x00,  // CURDATA and DVCID off: the changer may move to refresh its data
                length[1], length[2], length[3],
                0x00,
                0x00,
            ],
            direction: .fromDevice(allocationLength: Int(clamped)))
    }

    /// MOVE MEDIUM (A5h, 12 bytes): the picker `transport` carries the medium in `source`
    /// to `destination`.
    /// - Parameter invert: whether the picker turns the medium over on the way.
    public static func moveMedium(
        transport: UInt16, source: UInt16, destination: UInt16, invert: Bool = false
    ) -> ScsiCommand {
        let picker = transport.bigEndianBytes
        let from = source.bigEndianBytes
        let to = destination.bigEndianBytes
        return ScsiCommand(
            name: "MOVE MEDIUM",
            cdb: [
                0xA5, 0x00,
                picker[0], picker[1],
                from[0], from[1],
                to[0], to[1],
                0x00, 0x00,
                invert ? 0x01 : 0x00,
                0x00,
            ],
            direction: .none,
            timeoutMilliseconds: moveTimeoutMilliseconds)
    }

    /// MODE SENSE(6) (1Ah) of the element address assignment page (1Dh), current values.
    /// - Parameter disableBlockDescriptors: sets the DBD bit; a changer has no block
    ///   descriptors, but some reject the request without the bit and others with it.
    public static func modeSenseElementAddressAssignment(
        disableBlockDescriptors: Bool = true, allocationLength: UInt8 = 0xFF
    ) -> ScsiCommand {
        ScsiCommand(
            name: "MODE SENSE(6)",
            cdb: [
                0x1A,
                disableBlockDescriptors ? 0x08 : 0x00,
                0x1D,  // page control 00b (current values), page code 1Dh
                0x00,  // no subpage
                allocationLength,
                0x00,
            ],
            direction: .fromDevice(allocationLength: Int(allocationLength)))
    }
}

extension FixedWidthInteger {
    /// The value's bytes, most significant first, as SCSI fields carry them.
    var bigEndianBytes: [UInt8] {
        (0..<(Self.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: self >> ($0 * 8)) }
    }
}
