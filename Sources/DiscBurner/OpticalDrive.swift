import MediaCenterCore
import MediaHardware
import Synchronization

/// A real optical drive, such as `/dev/sr0`, written through libburn.
///
/// Each operation grabs the drive, works and releases it again, so that libburn learns
/// the medium's new state after a write and other programs can read the disc in between.
/// One operation runs at a time, and a second one started meanwhile throws rather than
/// waits.
/// NOTE: this path has only been built, never run against a drive, because the machines
/// it was developed on have none.
public final class OpticalDrive: DiscDrive {
    /// The libburn address of the drive, such as `/dev/sr0`.
    public let address: String
    /// The drive's address, which is also its name in logs and on the console.
    public var name: String { address }

    private let isBusy = Mutex(false)
    private let logger = Logger(label: "DiscBurner")

    /// The speed discs are written at.
    public let speed: BurnSpeed

    /// Makes a drive for `address` that writes at `speed`. Nothing is opened until the
    /// first operation.
    public init(address: String, speed: BurnSpeed = .maximum) {
        self.address = address
        self.speed = speed
    }

    /// Loads the medium and reports its kind, status and the bytes free on it.
    public func inspectMedia() throws -> MediaInfo {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: true)
            defer { drive.release(eject: false) }
            let media = try drive.inspectMedia()
            let free = media.status == .blank ? media.availableBytes : 0
            return MediaInfo(profile: media.profile, status: media.status, capacityBytes: free)
        }
    }

    /// Builds the image of `directory` and writes it to the blank medium.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the medium is not blank, the
    ///   image does not fit, or the write fails. The code is `.invalidArgument` when the
    ///   folder breaks an ISO 9660 level 1 rule (see ``ISOImage``).
    public func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        let image = try ISOImage(directory: directory, volumeID: volumeID)
        return try write(image: image)
    }

    /// Lays out the image of `directory` with libisofs and returns its size in bytes.
    /// - Throws: `MediaCenterError` with `.invalidArgument` when the folder breaks an ISO
    ///   9660 level 1 rule, `.ioFailure` when it cannot be read.
    public func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try ISOImage(directory: directory, volumeID: volumeID).byteCount
    }

    /// Writes a laid-out image to the blank medium, after checking that the medium is
    /// blank and that the image fits in the space libburn reports.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the medium is not blank, the
    ///   image does not fit (before any byte is written), or the write fails.
    public func write(image: ISOImage) throws -> DiscWriteResult {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: true)
            defer { drive.release(eject: false) }

            let media = try drive.inspectMedia()
            guard media.status == .blank else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the \(media.profileName) medium in \(address) is \(media.status.rawValue), "
                        + "not blank; reject it and load a blank disc")
            }
            guard image.byteCount <= media.availableBytes else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the image of \(image.directory) is \(image.byteCount) bytes but the "
                        + "\(media.profileName) medium in \(address) has room for "
                        + "\(media.availableBytes) bytes; use a larger medium or span the "
                        + "file-set over several discs")
            }

            logger.debug(
                "disc write starting",
                ["drive.address": address, "image.bytes": String(image.byteCount)])
            return try drive.write(image, speed: speed)
        }
    }

    /// Grabs the drive again and reads the written session back, comparing its MD5 digest
    /// with the digest of what was written. When they match, checks the DICOM file-set on
    /// the disc with ``LibburnDrive/checkFileSet(byteCount:profile:)`` for the profile of
    /// `written`.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the medium cannot be read
    ///   back in full or its file-set fails the check.
    public func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: true)
            defer { drive.release(eject: false) }
            let md5 = try drive.readMD5(byteCount: written.bytesWritten)
            guard md5 == written.md5 else {
                return DiscVerification(matches: false, md5: md5)
            }
            try drive.checkFileSet(byteCount: written.bytesWritten, profile: written.profile)
            return DiscVerification(matches: true, md5: md5)
        }
    }

    /// Erases the rewritable medium with libburn's fast blank and checks that it reads as
    /// blank afterwards, in a new grab of the drive.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the medium is not
    ///   rewritable, libburn reports an error, or the medium is not blank afterwards.
    public func erase() throws {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: true)
            defer { drive.release(eject: false) }
            let media = try drive.inspectMedia()
            guard media.profile.isRewritable else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the \(media.profileName) medium in \(address) is not rewritable and "
                        + "cannot be erased; reject it and load a blank disc")
            }
            logger.debug("disc erase starting", ["drive.address": address])
            try drive.erase()
        }
        let media = try inspectMedia()
        guard media.status == .blank else {
            throw MediaCenterError(
                .mediaFailure,
                "the \(media.profile.rawValue) medium in \(address) is "
                    + "\(media.status.rawValue) after its erase, not blank; reject it")
        }
    }

    /// Opens the tray, with `burn_drive_release` asked to eject.
    public func eject() throws {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: false)
            drive.release(eject: true)
        }
    }

    /// Closes the tray, as libburn does when it grabs a drive to load its medium.
    public func closeTray() throws {
        try exclusively {
            let drive = try LibburnDrive(address: address, loadMedium: true)
            drive.release(eject: false)
        }
    }

    /// Runs `body` unless another operation runs on this drive.
    private func exclusively<Result>(_ body: () throws -> Result) throws -> Result {
        let claimed = isBusy.withLock { busy in
            guard !busy else { return false }
            busy = true
            return true
        }
        guard claimed else {
            throw MediaCenterError(
                .mediaFailure,
                "\(address) is busy with another operation; retry when it has finished")
        }
        defer { isBusy.withLock { $0 = false } }
        return try body()
    }
}
