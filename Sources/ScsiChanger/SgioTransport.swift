import CScsiGeneric
import Glibc
import MediaCenterCore
import Synchronization

/// A ``ScsiTransport`` over a Linux SCSI generic device (`/dev/sgN`), one ioctl(SG_IO) per
/// command. Commands from several threads take turns, one at a time.
public final class SgioTransport: ScsiTransport {
    public let devicePath: String
    /// The open descriptor, or nil once `close()` ran.
    private let descriptor: Mutex<Int32?>

    /// The size of the sense buffer: 252 bytes, the most sense data SPC allows.
    private static let senseCapacity = 252

    /// Opens `path` read-write and checks with ioctl(SG_GET_VERSION_NUM) that it is a SCSI
    /// generic device.
    /// - Throws: `MediaCenterError` with `.notFound` when the path does not exist,
    ///   `.ioFailure` when it cannot be opened, and `.unsupported` when it is not an sg
    ///   device.
    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT:
                throw MediaCenterError.fromErrno(
                    .notFound,
                    "changer device \(path) not found; check that the changer is connected "
                        + "and powered and that the sg kernel module is loaded "
                        + "(`ls /dev/sg*` lists the SCSI generic devices)",
                    call: "open", errno: code)
            case EACCES, EPERM:
                throw MediaCenterError.fromErrno(
                    .ioFailure,
                    "no permission to open changer device \(path); give the daemon's user "
                        + "read and write access to it through a udev rule",
                    call: "open", errno: code)
            default:
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot open changer device \(path)", call: "open",
                    errno: code)
            }
        }

        var version: Int32 = 0
        guard mcsg_driver_version(fd, &version) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw MediaCenterError.fromErrno(
                .unsupported,
                "\(path) is not a SCSI generic device; give the changer's /dev/sgN node, "
                    + "which `lsscsi -g` lists for the mediumx device",
                call: "ioctl(SG_GET_VERSION_NUM)", errno: code)
        }
        devicePath = path
        descriptor = Mutex(fd)
    }

    deinit {
        if let fd = descriptor.withLock({ $0 }) {
            Glibc.close(fd)
        }
    }

    /// Closes the device. Later commands throw.
    /// - Throws: `MediaCenterError` with `.ioFailure` when close(2) fails.
    public func close() throws {
        try descriptor.withLock { descriptor in
            guard let fd = descriptor else { return }
            descriptor = nil
            if Glibc.close(fd) != 0 {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "closing changer device \(devicePath) failed", call: "close")
            }
        }
    }

    /// Sends `command` with ioctl(SG_IO) through `mcsg_execute`.
    public func send(_ command: ScsiCommand) throws -> ScsiResponse {
        try descriptor.withLock { descriptor in
            guard let fd = descriptor else {
                throw MediaCenterError(
                    .internalFailure,
                    "\(command.name) sent to changer device \(devicePath) after it was closed")
            }
            return try execute(command, on: fd)
        }
    }

    private func execute(_ command: ScsiCommand, on fd: Int32) throws -> ScsiResponse {
        var data: [UInt8]
        let direction: mcsg_direction
        switch command.direction {
        case .none:
            data = []
            direction = MCSG_DIRECTION_NONE
        case .fromDevice(let allocationLength):
            data = [UInt8](repeating: 0, count: allocationLength)
            direction = MCSG_DIRECTION_FROM_DEVICE
        case .toDevice(let bytes):
            data = bytes
            direction = MCSG_DIRECTION_TO_DEVICE
        }
        var sense = [UInt8](repeating: 0, count: Self.senseCapacity)
        var result = mcsg_result()

        let returned = command.cdb.withUnsafeBufferPointer { cdb in
            data.withUnsafeMutableBytes { buffer in
                mcsg_execute(
                    fd, cdb.baseAddress, UInt8(cdb.count), direction, buffer.baseAddress,
                    UInt32(buffer.count), &sense, UInt8(Self.senseCapacity),
                    command.timeoutMilliseconds, &result)
            }
        }
        guard returned == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure,
                "\(command.name) could not be sent to changer device \(devicePath); check "
                    + "that the device is still connected",
                call: "ioctl(SG_IO)")
        }
        try checkTransport(result, command)

        var response = ScsiResponse(status: ScsiStatus(result.status))
        if case .fromDevice = command.direction {
            let transferred = max(0, min(data.count, data.count - Int(result.residual)))
            response.data = Array(data.prefix(transferred))
        }
        response.sense = Array(sense.prefix(Int(result.sense_length)))
        return response
    }

    /// Throws when the host adapter or the driver, rather than the device, failed the
    /// command. The driver's sense flag (08h) only means that sense data arrived.
    private func checkTransport(_ result: mcsg_result, _ command: ScsiCommand) throws {
        let driverError = result.driver_status & ~0x08
        // Host status 03h is the kernel's DID_TIME_OUT.
        if result.host_status == 0x03 {
            throw MediaCenterError(
                .ioFailure,
                "\(command.name) on changer device \(devicePath) timed out after "
                    + "\(command.timeoutMilliseconds) ms; check the changer for a jam",
                cause: "SG_IO host status 03h")
        }
        guard result.host_status == 0, driverError == 0 else {
            throw MediaCenterError(
                .ioFailure,
                "\(command.name) on changer device \(devicePath) failed in the host "
                    + "adapter or driver; check the cable and the kernel log",
                cause: "SG_IO host status \(hex(result.host_status)), driver status "
                    + "\(hex(result.driver_status))")
        }
    }
}
