import MediaCenterCore

/// The SCSI status byte of a finished command.
public enum ScsiStatus: Sendable, Equatable, CustomStringConvertible {
    case good
    case checkCondition
    case busy
    case reservationConflict
    case taskSetFull
    case other(UInt8)

    /// Makes the status of the byte `value` that a device returned.
    public init(_ value: UInt8) {
        switch value {
        case 0x00: self = .good
        case 0x02: self = .checkCondition
        case 0x08: self = .busy
        case 0x18: self = .reservationConflict
        case 0x28: self = .taskSetFull
        default: self = .other(value)
        }
    }

    public var description: String {
        switch self {
        case .good: "GOOD"
        case .checkCondition: "CHECK CONDITION"
        case .busy: "BUSY"
        case .reservationConflict: "RESERVATION CONFLICT"
        case .taskSetFull: "TASK SET FULL"
        case .other(let value): "status \(hex(value))"
        }
    }
}

/// The status, data and sense of one finished command.
public struct ScsiResponse: Sendable, Equatable {
    public var status: ScsiStatus
    /// The bytes the device transferred to the host, cut to the length it sent.
    public var data: [UInt8]
    /// The sense data, empty unless the status is CHECK CONDITION.
    public var sense: [UInt8]

    public init(status: ScsiStatus, data: [UInt8] = [], sense: [UInt8] = []) {
        self.status = status
        self.data = data
        self.sense = sense
    }

    /// Makes a response of GOOD status with `data`.
    public static func good(_ data: [UInt8] = []) -> ScsiResponse {
        ScsiResponse(status: .good, data: data)
    }

    /// Makes a response of CHECK CONDITION status with `sense`.
    public static func checkCondition(sense: [UInt8]) -> ScsiResponse {
        ScsiResponse(status: .checkCondition, sense: sense)
    }
}

/// A path to a SCSI device: sends one command block with its data phase and returns the
/// status, the data and the sense. A transport reports a failed command through the
/// response; it throws only when the command could not be sent or did not finish.
public protocol ScsiTransport: AnyObject, Sendable {
    /// The device for logs and errors, such as `/dev/sg3`.
    var devicePath: String { get }

    /// Sends `command` and waits for it to finish. The call blocks, so callers run it on a
    /// thread of their own.
    /// - Throws: `MediaCenterError` when the command could not be sent, timed out, or the
    ///   host adapter or driver reported an error.
    func send(_ command: ScsiCommand) throws -> ScsiResponse
}
