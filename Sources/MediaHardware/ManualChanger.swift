import Foundation
import MediaCenterCore
import Synchronization

/// A changer that is a person, for a kiosk with one drive or a few and no robot. The
/// operator puts a blank disc into a drive when the front panel requests one, and takes
/// each disc out when the drive ejects it. A verified disc goes to the patient, and a
/// rejected one is marked `REJECT` by hand and set aside.
///
/// ``loadFromInput(into:)`` waits until the drive reports a disc. Meanwhile the drive is
/// listed in ``drivesWaitingForMedia``, which the front panel shows as "media needed".
public final class ManualChanger: DiscChanger {
    /// A name for logs and the console, such as `manual0`.
    public let name: String
    /// Seconds between two media checks of a drive that waits for a disc.
    public let pollInterval: TimeInterval
    /// Seconds between two log lines that remind the operator of a waiting drive.
    public let reminderInterval: TimeInterval

    private let drives: Mutex<[any DiscDrive]>
    private let logger = Logger(label: "changer")

    private struct Waits {
        var waitingDrives: Set<String> = []
        var interrupted = false
    }

    private let waits = Mutex(Waits())

    public var driveNames: [String] { drives.withLock { $0.map(\.name) } }

    /// The names of the drives that wait for the operator to load a disc, sorted.
    public var drivesWaitingForMedia: [String] {
        waits.withLock { $0.waitingDrives.sorted() }
    }

    /// Makes a changer for `drives`, which the operator loads by hand. A changer for
    /// drives found later starts with none and gets them from ``addDrive(_:)``.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for an empty name, two drives
    ///   of one name or an interval that is not positive.
    public init(
        name: String, drives: [any DiscDrive], pollInterval: TimeInterval = 1,
        reminderInterval: TimeInterval = 300
    ) throws {
        guard !name.isEmpty else {
            throw MediaCenterError(
                .invalidArgument, "missing changer name; name the changer, such as manual0")
        }
        guard Set(drives.map(\.name)).count == drives.count else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid drives \(drives.map(\.name)) for changer \(name); name each drive "
                    + "differently")
        }
        guard pollInterval > 0, reminderInterval > 0 else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid intervals \(pollInterval) s and \(reminderInterval) s for changer "
                    + "\(name); give positive numbers of seconds")
        }
        self.name = name
        self.drives = Mutex(drives)
        self.pollInterval = pollInterval
        self.reminderInterval = reminderInterval
    }

    /// Waits until the drive named `driveName` contains a disc. A disc already in the drive
    /// is taken as loaded, whether it is blank or not: the blank check decides what to do
    /// with it.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when ``interruptWaits()`` was
    ///   called, and `.invalidArgument` for a drive this changer does not serve.
    public func loadFromInput(into driveName: String) throws {
        let drive = try drive(named: driveName)
        var nextReminder = Date()
        defer { waits.withLock { _ = $0.waitingDrives.remove(drive.name) } }

        while true {
            let interrupted = waits.withLock { $0.interrupted }
            if interrupted {
                throw MediaCenterError(
                    .mediaFailure,
                    "stopped waiting for a disc in \(drive.name) because the daemon is stopping")
            }
            if try drive.inspectMedia().status != .empty {
                return
            }

            waits.withLock { _ = $0.waitingDrives.insert(drive.name) }
            if Date() >= nextReminder {
                logger.notice(
                    "waiting for a disc: load a blank disc into the drive",
                    ["changer.name": name, "drive.name": drive.name])
                nextReminder = Date(timeIntervalSinceNow: reminderInterval)
            }
            Thread.sleep(forTimeInterval: pollInterval)
        }
    }

    /// Logs that the disc needs a hand-written label, since there is no printer. The text
    /// of a patient's label is logged at debug only, because it names the patient.
    public func printLabel(_ label: DiscLabel, onDiscIn driveName: String) throws {
        let drive = try drive(named: driveName)
        switch label.kind {
        case .reject:
            logger.warning(
                "disc rejected: take it out, mark it REJECT and set it aside",
                ["changer.name": name, "drive.name": drive.name])
        case .patient:
            logger.debug(
                "disc label: " + label.lines.joined(separator: " / "),
                ["changer.name": name, "drive.name": drive.name])
        }
    }

    /// Ejects the disc in the drive named `driveName` for the operator to take out.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for the input bin or a drive
    ///   this changer does not serve, and whatever the drive's eject throws.
    public func moveDisc(from driveName: String, to bin: ChangerBin) throws {
        let drive = try drive(named: driveName)
        guard bin != .input else {
            throw MediaCenterError(
                .invalidArgument,
                "a disc cannot go back to the input bin; move it to output or reject")
        }
        try drive.eject()
        logger.info(
            "disc ejected for the \(bin.rawValue) pile",
            ["changer.name": name, "drive.name": drive.name])
    }

    /// Makes every running and later ``loadFromInput(into:)`` throw instead of waiting,
    /// so that the daemon can stop.
    public func interruptWaits() {
        waits.withLock { $0.interrupted = true }
    }

    /// Adds a drive that was found after the start, such as one plugged in later.
    /// - Throws: `MediaCenterError` with `.invalidArgument` when a drive of that name is
    ///   already served.
    public func addDrive(_ drive: any DiscDrive) throws {
        try drives.withLock { drives in
            guard !drives.contains(where: { $0.name == drive.name }) else {
                throw MediaCenterError(
                    .invalidArgument, "changer \(name) already serves a drive \(drive.name)")
            }
            drives.append(drive)
        }
    }

    private func drive(named driveName: String) throws -> any DiscDrive {
        guard let drive = drives.withLock({ $0.first(where: { $0.name == driveName }) }) else {
            throw MediaCenterError(
                .invalidArgument,
                "changer \(name) has no drive \(driveName); its drives are "
                    + driveNames.joined(separator: ", "))
        }
        return drive
    }
}
