import Glibc
import MediaCenterCore
import MediaHardware
import Synchronization

/// A ``DiscChanger`` that drives a SCSI medium changer (peripheral device type 08h) with
/// SMC-3 commands over a ``ScsiTransport``.
///
/// At start it checks the INQUIRY data and waits for the changer to become ready, sending
/// INITIALIZE ELEMENT STATUS when the changer requires it. Then it reads the element address
/// assignment page and the status of every element, and checks that the configured bins
/// and drives exist. Before each move it reads the element status again, so discs that the
/// operator adds or removes are seen. A load takes the first full slot of the input bin,
/// an unload the first empty slot of the bin. Slots in the Except state or out of the
/// picker's reach are skipped. The drive's tray is opened before each move and closed
/// after it.
///
/// The changer has one picker, so every operation runs under one lock, whichever drive it
/// is for.
public final class ScsiMediaChanger: DiscChanger {
    public let name: String
    public let driveNames: [String]
    /// The changer's INQUIRY data, read at start.
    public let inquiry: InquiryData
    /// The element ranges from the changer's element address assignment page, or nil when
    /// the changer does not support the page.
    public let addressAssignment: ElementAddressAssignment?
    /// The medium transport element that carries the discs.
    public let transportAddress: UInt16

    let configuration: ScsiChangerConfiguration
    let transport: any ScsiTransport
    let tray: any DriveTray
    let pause: @Sendable (Duration) -> Void
    let logger = Logger(label: "ScsiChanger")
    /// The last element status read, replaced before every move. The lock also keeps one
    /// operation at a time on the picker.
    private let status: Mutex<ElementStatusReport>

    /// Starts the changer: checks its identity and readiness, reads its element status and
    /// checks the configuration against it.
    /// - Parameters:
    ///   - configuration: the bins and drives.
    ///   - transport: the path to the changer's device.
    ///   - tray: opens and closes the drives' trays.
    ///   - pause: waits between readiness checks; tests pass one that returns at once.
    /// - Throws: `MediaCenterError` with `.invalidConfiguration` for a configuration that
    ///   is invalid or names elements the changer lacks, `.unsupported` when the device is
    ///   not a medium changer, and `.mediaFailure` when the changer does not become ready.
    public init(
        configuration: ScsiChangerConfiguration, transport: any ScsiTransport,
        tray: any DriveTray,
        pause: @escaping @Sendable (Duration) -> Void = { ScsiMediaChanger.sleep(for: $0) }
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.transport = transport
        self.tray = tray
        self.pause = pause
        name = configuration.name
        driveNames = configuration.drives.map(\.name)

        let probe = ChangerCommands(
            name: configuration.name, transport: transport, logger: logger, pause: pause)
        inquiry = try probe.inquiry()
        try probe.waitUntilReady(timeoutSeconds: configuration.readyTimeoutSeconds)
        addressAssignment = try probe.elementAddressAssignment()
        let report = try probe.readElementStatus(
            assignment: addressAssignment, volumeTags: configuration.readsVolumeTags)

        transportAddress = try Self.checkMapping(configuration, against: report)
        status = Mutex(report)
        logger.debug(
            "SCSI changer started",
            [
                "changer.name": name, "changer.device": transport.devicePath,
                "changer.vendor": inquiry.vendor, "changer.product": inquiry.product,
                "changer.revision": inquiry.revision,
                "changer.elements": String(report.elements.count),
            ])
    }

    /// Returns the element status read before the last operation, or at start.
    public var lastElementStatus: ElementStatusReport {
        status.withLock { $0 }
    }

    /// Moves the first full slot of the input bin into the drive named `drive`, with the
    /// drive's tray open.
    public func loadFromInput(into drive: String) throws {
        let target = try driveElement(named: drive)
        try status.withLock { status in
            let commands = commandSet()
            status = try commands.readElementStatus(
                assignment: addressAssignment, volumeTags: configuration.readsVolumeTags)
            try checkPicker(in: status)
            let destination = try usableDrive(target, in: status, expectFull: false)
            let source = try firstSlot(of: .input, full: true, in: status)

            try move(from: source, to: destination.address, drive: target.name, commands)
            logger.debug(
                "disc loaded from the input bin",
                [
                    "changer.name": name, "drive.name": target.name,
                    "element.source": hex(source), "element.destination": hex(target.address),
                ])
        }
    }

    /// Does nothing but log at debug, because a SCSI medium changer has no label printer.
    public func printLabel(_ label: DiscLabel, onDiscIn drive: String) throws {
        _ = try driveElement(named: drive)
        logger.debug(
            "label not printed: the SCSI changer has no printer",
            ["changer.name": name, "drive.name": drive, "label.kind": "\(label.kind)"])
    }

    /// Opens the tray of the drive named `drive` and moves its disc to the first empty slot
    /// of `bin`.
    public func moveDisc(from drive: String, to bin: ChangerBin) throws {
        guard bin != .input else {
            throw MediaCenterError(
                .invalidArgument,
                "a disc cannot go back to the input bin; move it to output or reject")
        }
        let target = try driveElement(named: drive)
        try status.withLock { status in
            let commands = commandSet()
            status = try commands.readElementStatus(
                assignment: addressAssignment, volumeTags: configuration.readsVolumeTags)
            try checkPicker(in: status)
            let source = try usableDrive(target, in: status, expectFull: true)
            let destination = try firstSlot(of: bin, full: false, in: status)

            try move(from: source.address, to: destination, drive: target.name, commands)
            logger.debug(
                "disc moved",
                [
                    "changer.name": name, "drive.name": target.name, "changer.bin": bin.rawValue,
                    "element.source": hex(target.address), "element.destination": hex(destination),
                ])
        }
    }

    /// Opens the drive's tray, sends MOVE MEDIUM and closes the tray again. The tray is
    /// closed after a failed move too, so the drive is not left open.
    private func move(
        from source: UInt16, to destination: UInt16, drive: String, _ commands: ChangerCommands
    ) throws {
        do {
            try tray.openTray(of: drive)
        } catch {
            throw MediaCenterError(
                .mediaFailure,
                "the tray of drive \(drive) did not open for changer \(name); check the drive "
                    + "for a stuck tray or a program that keeps it locked",
                cause: "\(error)")
        }

        let moveResult = Result {
            try commands.moveMedium(
                transport: transportAddress, source: source, destination: destination,
                describe: { self.describeElement($0) }, remedy: moveRemedies(drive: drive))
        }
        do {
            try tray.closeTray(of: drive)
        } catch {
            if case .failure(let moveError) = moveResult { throw moveError }
            throw MediaCenterError(
                .mediaFailure,
                "the tray of drive \(drive) did not close after changer \(name) moved a disc; "
                    + "check the drive's tray",
                cause: "\(error)")
        }
        try moveResult.get()
    }

    private func commandSet() -> ChangerCommands {
        ChangerCommands(name: name, transport: transport, logger: logger, pause: pause)
    }

    /// Waits for `duration` on the calling thread.
    public static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(
            tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
