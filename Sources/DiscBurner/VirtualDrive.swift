import Foundation
import MediaCenterCore
import MediaHardware
import Synchronization

/// A drive with no hardware: each disc is an ISO image file in the drive's folder, written
/// through a libburn `stdio:` pseudo-drive, and the written files are the product's output.
///
/// A `stdio:` drive reports every file as blank and writes past any size, so this type
/// keeps the disc's state and the capacity itself, in `drive.json` in its folder. The drive
/// reports its discs as the media type it was made with (CD-R unless the caller chooses
/// another). A disc is written once: a disc whose write failed counts as written, and
/// only a disc of a rewritable type becomes blank again, through ``erase()``. Ejecting a
/// written disc leaves its file in place and loads a blank disc with the next sequential
/// name (`DISC0001.iso`, `DISC0002.iso`, ...). ``loadBlank(named:)`` gives the blank disc
/// a name of the caller's choice instead.
///
/// Every method blocks. One operation runs at a time, and a second one started meanwhile
/// throws rather than waits.
public final class VirtualDrive: DiscDrive {
    /// The capacity of a blank CD unless the caller sets one: 700 MiB, a common CD-R.
    public static let defaultCapacityBytes: Int64 = 700 * 1024 * 1024
    /// The state file's name inside the drive's folder.
    public static let stateFileName = "drive.json"

    /// A name for logs and the console, such as `virtual0`.
    public let name: String
    /// The folder that contains the disc image files and the state file.
    public let folder: String
    /// The capacity of every blank disc in bytes.
    public let capacityBytes: Int64
    /// The media type of the discs the drive loads. A ``VirtualMedium/rewritableWritten``
    /// disc is of the rewritable kind of this type instead.
    public let media: MediaProfile

    private struct Shared {
        var record: VirtualDriveRecord
        /// Whether an operation is running, in which case a second one is rejected.
        var isBusy = false
    }

    private let shared: Mutex<Shared>
    private let logger = Logger(label: "DiscBurner")

    private var statePath: String { folder + "/" + Self.stateFileName }

    /// Opens the virtual drive in `folder`, creating the folder and a blank first disc when
    /// there is no state yet. A drive found in the middle of a write (the process stopped
    /// during it) records that disc as failed.
    /// - Parameters:
    ///   - name: the drive's name, such as `virtual0`.
    ///   - folder: a folder under the data directory, used by this drive alone.
    ///   - capacityBytes: the capacity of the blank discs this drive loads, in bytes.
    ///   - media: the media type the drive reports for its discs.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for an empty name, a capacity
    ///   below 1 or the media type `unknown`, `.invalidConfiguration` for an unreadable
    ///   state file, `.ioFailure` when the folder or the state file cannot be written.
    public init(
        name: String, folder: String, capacityBytes: Int64 = VirtualDrive.defaultCapacityBytes,
        media: MediaProfile = .cdr
    ) throws {
        guard !name.isEmpty else {
            throw MediaCenterError(
                .invalidArgument, "missing virtual drive name; name the drive, such as virtual0")
        }
        guard capacityBytes > 0 else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid capacity \(capacityBytes) bytes for \(name); give a positive size")
        }
        guard media != .unknown else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid media type \(media.rawValue) for \(name); give a CD, DVD or BD type")
        }
        self.name = name
        self.folder = folder
        self.capacityBytes = capacityBytes
        self.media = media

        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw MediaCenterError(
                .ioFailure, "cannot create the folder \(folder) of virtual drive \(name)",
                cause: "\(error)")
        }

        let path = folder + "/" + Self.stateFileName
        var record: VirtualDriveRecord
        if let loaded = try VirtualDriveRecord.load(from: path) {
            record = loaded
            if record.discState == .writing {
                record.discState = .failed
            }
        } else {
            record = VirtualDriveRecord(
                capacityBytes: capacityBytes, discFileName: "", discState: .blank,
                nextDiscNumber: 1)
            Self.loadNextSequentialBlank(into: &record, folder: folder)
        }
        record.capacityBytes = capacityBytes
        try record.save(to: path)
        shared = Mutex(Shared(record: record))
        logger.debug(
            "virtual drive opened",
            [
                "drive.name": name, "disc.file": record.discFileName,
                "disc.state": record.discState.rawValue,
            ])
    }

    /// The disc loaded now.
    public var currentDisc: VirtualDisc {
        shared.withLock { disc(from: $0.record) }
    }

    /// Reports the loaded disc as blank with the drive's capacity, or as written with no
    /// free space. A disc whose write failed or is running counts as written, and so does
    /// a blank disc whose file appeared in the folder meanwhile.
    public func inspectMedia() throws -> MediaInfo {
        let record = shared.withLock { $0.record }
        let profile = profile(of: record)
        guard isBlank(record) else {
            return MediaInfo(profile: profile, status: .written, capacityBytes: 0)
        }
        return MediaInfo(profile: profile, status: .blank, capacityBytes: record.capacityBytes)
    }

    /// Erases the loaded rewritable disc: its image file is removed and the disc is blank
    /// again, with the same file name. libburn 1.5.4 blanks only real drives and write-only
    /// `stdio:` files (by truncating them), and the image is a read-write file, so this
    /// drive removes the file itself. A blank rewritable disc stays as it is.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the disc is not rewritable or
    ///   the drive is busy, `.ioFailure` when the file cannot be removed.
    public func erase() throws {
        try shared.withLock { shared in
            try checkIdle(shared)
            let profile = profile(of: shared.record)
            let path = discPath(shared.record.discFileName)
            guard profile.isRewritable else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the \(profile.rawValue) disc \(path) in \(name) is not rewritable and "
                        + "cannot be erased; reject it and load a blank disc")
            }
            do {
                if FileManager.default.fileExists(atPath: path) {
                    try FileManager.default.removeItem(atPath: path)
                }
                try DurableFile.syncFolder(containing: path)
            } catch {
                throw MediaCenterError(
                    .ioFailure, "cannot erase the disc \(path) in \(name)", cause: "\(error)")
            }

            var record = shared.record
            record.discState = .blank
            record.bytesWritten = nil
            record.md5 = nil
            try record.save(to: statePath)
            shared.record = record
            logger.debug("virtual disc erased", ["drive.name": name, "disc.path": path])
        }
    }

    /// Builds the image of `directory` and writes it to the loaded blank disc.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the disc is not blank, the
    ///   image is larger than the capacity, or the write fails. The code is
    ///   `.invalidArgument` when the folder breaks an ISO 9660 level 1 rule (see
    ///   ``ISOImage``).
    public func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        // Reject a written disc before spending time on the image.
        _ = try shared.withLock { try checkWritable($0) }
        let image = try ISOImage(directory: directory, volumeID: volumeID)
        return try write(image: image)
    }

    /// Lays out the image of `directory` with libisofs and returns its size in bytes.
    /// - Throws: `MediaCenterError` with `.invalidArgument` when the folder breaks an ISO
    ///   9660 level 1 rule, `.ioFailure` when it cannot be read.
    public func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try ISOImage(directory: directory, volumeID: volumeID).byteCount
    }

    /// Writes a laid-out image to the loaded blank disc and records the disc as written.
    /// When the write fails part-way, the disc is recorded as failed and counts as written.
    /// - Returns: the result, whose location is the disc's image file.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the disc is not blank, the
    ///   image is larger than the capacity (before any byte is written), or the write
    ///   fails. The code is `.noSpace` when the file system has less free space than the
    ///   image needs.
    public func write(image: ISOImage) throws -> DiscWriteResult {
        let path = try shared.withLock { shared in
            let path = try checkWritable(shared)
            shared.isBusy = true
            return path
        }
        defer { shared.withLock { $0.isBusy = false } }

        try checkFits(image)
        let drive = try LibburnDrive(address: "stdio:" + path)
        defer { drive.release(eject: false) }
        try checkFileSystemSpace(for: image, drive: drive)

        try updateRecord { $0.discState = .writing }
        logger.debug(
            "virtual disc write starting",
            ["drive.name": name, "disc.path": path, "image.bytes": String(image.byteCount)])

        let medium = shared.withLock { $0.record.medium }
        let result: DiscWriteResult
        do {
            if medium == .writeError {
                throw MediaCenterError(
                    .mediaFailure,
                    "the write to the disc \(path) in \(name) failed (simulated write error)")
            }
            result = try drive.write(image)
            if medium == .verifyError {
                try damageOneSector(of: path, bytes: result.bytesWritten)
            }
            try DurableFile.syncFolder(containing: path)
        } catch {
            try? updateRecord { $0.discState = .failed }
            logger.debug("virtual disc write failed", ["drive.name": name, "error": "\(error)"])
            throw error
        }

        try updateRecord { record in
            record.discState = .written
            record.bytesWritten = result.bytesWritten
            record.md5 = result.md5
        }
        return result
    }

    /// Reads the loaded disc back through libburn and compares its MD5 digest with the
    /// digest of what was written. When they match, checks the DICOM file-set on the disc
    /// with ``LibburnDrive/checkFileSet(byteCount:profile:)`` for the profile of `written`.
    /// - Throws: `MediaCenterError` with `.invalidArgument` when `written` is not the
    ///   loaded disc's result, `.mediaFailure` when the disc is not written, cannot be
    ///   read back in full, or its file-set fails the check.
    public func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        let path = try shared.withLock { shared in
            try checkIdle(shared)
            let path = discPath(shared.record.discFileName)
            guard written.location == path else {
                throw MediaCenterError(
                    .invalidArgument,
                    "the write result for \(written.location) does not belong to the disc "
                        + "\(path) loaded in \(name); verify before ejecting")
            }
            guard shared.record.discState == .written else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the disc \(path) in \(name) is \(shared.record.discState.rawValue), "
                        + "not written; there is nothing to verify")
            }
            shared.isBusy = true
            return path
        }
        defer { shared.withLock { $0.isBusy = false } }

        let drive = try LibburnDrive(address: "stdio:" + path)
        defer { drive.release(eject: false) }
        let md5 = try drive.readMD5(byteCount: written.bytesWritten)
        guard md5 == written.md5 else {
            return DiscVerification(matches: false, md5: md5)
        }
        try drive.checkFileSet(byteCount: written.bytesWritten, profile: written.profile)
        return DiscVerification(matches: true, md5: md5)
    }

    /// Unloads a written disc, leaving its image file where it is, and loads a blank disc
    /// with the next sequential name. A blank disc stays loaded, since it exists only as
    /// a name.
    public func eject() throws {
        try shared.withLock { shared in
            try checkIdle(shared)
            guard !isBlank(shared.record) else { return }

            var record = shared.record
            Self.loadNextSequentialBlank(into: &record, folder: folder)
            try record.save(to: statePath)
            logger.debug(
                "virtual disc ejected",
                [
                    "drive.name": name, "disc.previous": shared.record.discFileName,
                    "disc.file": record.discFileName,
                ])
            shared.record = record
        }
    }

    /// Replaces the loaded blank disc with a blank disc whose image file will be
    /// `fileName`, so that a job can name its discs.
    /// - Parameter fileName: a file name in the drive's folder ending in `.iso`, made of
    ///   letters, digits, `.`, `_` and `-`, not starting with `.`, and not taken yet.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for a bad or taken name and
    ///   `.mediaFailure` when the loaded disc is not blank (eject it first).
    public func loadBlank(named fileName: String) throws {
        try Self.checkDiscFileName(fileName)
        try shared.withLock { shared in
            try checkIdle(shared)
            guard isBlank(shared.record) else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the disc \(shared.record.discFileName) in \(name) is not blank; eject it "
                        + "before loading \(fileName)")
            }
            guard !FileManager.default.fileExists(atPath: discPath(fileName)) else {
                throw MediaCenterError(
                    .invalidArgument,
                    "the disc file \(fileName) already exists in \(folder); choose another name")
            }

            var record = shared.record
            record.discFileName = fileName
            try record.save(to: statePath)
            shared.record = record
        }
    }

    /// Replaces the loaded blank disc with `medium` from a simulated changer's supply. A
    /// `written` medium reports as written at once. A `rewritable-written` one does too,
    /// and its image file gets 64 KiB of earlier data that ``erase()`` removes. The faults
    /// of the others show in ``write(image:)`` and ``verify(_:)``.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the loaded disc is not blank
    ///   (eject it first) or the drive is busy, `.ioFailure` when the state file cannot be
    ///   written.
    public func load(_ medium: VirtualMedium) throws {
        try shared.withLock { shared in
            try checkIdle(shared)
            guard isBlank(shared.record) else {
                throw MediaCenterError(
                    .mediaFailure,
                    "the disc \(shared.record.discFileName) in \(name) is not blank; eject it "
                        + "before loading another disc")
            }

            var record = shared.record
            record.medium = medium == .blank ? nil : medium
            let hasData = medium == .written || medium == .rewritableWritten
            record.discState = hasData ? .written : .blank
            if medium == .rewritableWritten {
                try DurableFile.write(
                    Self.earlierData, to: discPath(shared.record.discFileName))
            }
            try record.save(to: statePath)
            shared.record = record
        }
    }

    // MARK: - Helpers

    /// The content of a `rewritable-written` disc before it is erased: 32 sectors that
    /// are no ISO 9660 image, so that a disc read back without an erase fails its check.
    public static let earlierData = [UInt8](repeating: 0xE5, count: 32 * 2048)

    /// Returns the media type of the loaded disc.
    private func profile(of record: VirtualDriveRecord) -> MediaProfile {
        record.medium == .rewritableWritten ? Self.rewritableKind(of: media) : media
    }

    /// Returns the rewritable media type of the same family as `media`, such as CD-RW for
    /// CD-R.
    static func rewritableKind(of media: MediaProfile) -> MediaProfile {
        switch media {
        case .cdr, .cdrw: .cdrw
        case .dvdr, .dvdrw: .dvdrw
        case .dvdPlusR, .dvdPlusRW: .dvdPlusRW
        case .bdr, .bdre: .bdre
        case .unknown: .unknown
        }
    }

    /// Returns the capacity of a blank disc of `media` unless the caller sets one, in bytes.
    /// It is 700 MiB for CD media. DVD and BD media get the capacity of single-layer DVD+R
    /// (2,295,104 sectors, less than DVD-R) and BD-R (12,219,392 sectors), rounded down to
    /// whole MiB.
    public static func defaultCapacityBytes(for media: MediaProfile) -> Int64 {
        Int64(defaultCapacityMiB(for: media)) * 1024 * 1024
    }

    /// Returns ``defaultCapacityBytes(for:)`` in MiB: 700, 4482 or 23866.
    public static func defaultCapacityMiB(for media: MediaProfile) -> Int {
        switch media {
        case .cdr, .cdrw, .unknown: 700
        case .dvdr, .dvdPlusR, .dvdrw, .dvdPlusRW: 4482
        case .bdr, .bdre: 23866
        }
    }

    /// Inverts the bytes of one sector in the middle of the image file, as a bad spot on a
    /// disc that the read-back finds.
    private func damageOneSector(of path: String, bytes: Int64) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw MediaCenterError(.ioFailure, "cannot open \(path) to simulate a bad sector")
        }
        defer { try? handle.close() }
        let offset = UInt64(max(0, bytes / 2 / 2048 * 2048))
        try handle.seek(toOffset: offset)
        let sector = handle.readData(ofLength: 2048)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(sector.map { ~$0 }))
    }

    private func discPath(_ fileName: String) -> String {
        folder + "/" + fileName
    }

    private func disc(from record: VirtualDriveRecord) -> VirtualDisc {
        VirtualDisc(
            fileName: record.discFileName, path: discPath(record.discFileName),
            state: record.discState, bytesWritten: record.bytesWritten, md5: record.md5)
    }

    /// Returns whether the loaded disc is blank: recorded so, with no file at its path.
    private func isBlank(_ record: VirtualDriveRecord) -> Bool {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(
            atPath: discPath(record.discFileName), isDirectory: &isDirectory)
        return record.discState == .blank && !exists
    }

    private func checkIdle(_ shared: Shared) throws {
        guard !shared.isBusy else {
            throw MediaCenterError(
                .mediaFailure,
                "\(name) is busy with another operation; retry when it has finished")
        }
    }

    /// Checks that no operation runs and the loaded disc is blank, and returns its path.
    private func checkWritable(_ shared: Shared) throws -> String {
        try checkIdle(shared)
        let path = discPath(shared.record.discFileName)
        guard isBlank(shared.record) else {
            let state =
                shared.record.discState == .blank
                ? "not blank: its file exists already"
                : "not blank (\(shared.record.discState.rawValue))"
            throw MediaCenterError(
                .mediaFailure,
                "the disc \(path) in \(name) is \(state); eject it and write to a blank disc")
        }
        return path
    }

    private func checkFits(_ image: ISOImage) throws {
        guard image.byteCount <= capacityBytes else {
            throw MediaCenterError(
                .mediaFailure,
                "the image of \(image.directory) is \(image.byteCount) bytes but a disc in "
                    + "\(name) has a capacity of \(capacityBytes) bytes; use a larger medium "
                    + "or span the file-set over several discs")
        }
    }

    /// Checks that the file system under the folder can take the image, with the free
    /// space that libburn reports for the `stdio:` drive.
    private func checkFileSystemSpace(for image: ISOImage, drive: LibburnDrive) throws {
        let available = try drive.inspectMedia().availableBytes
        guard image.byteCount <= available else {
            throw MediaCenterError(
                .noSpace,
                "the image of \(image.directory) is \(image.byteCount) bytes but the file "
                    + "system of \(folder) has \(available) bytes free; free some space")
        }
    }

    /// Changes the record with `change` and saves it before the change becomes visible.
    private func updateRecord(_ change: (inout VirtualDriveRecord) -> Void) throws {
        try shared.withLock { shared in
            var record = shared.record
            change(&record)
            try record.save(to: statePath)
            shared.record = record
        }
    }

    /// Loads a blank disc named `DISCnnnn.iso` with the next number whose file does not
    /// exist yet.
    private static func loadNextSequentialBlank(
        into record: inout VirtualDriveRecord, folder: String
    ) {
        var number = max(record.nextDiscNumber, 1)
        var fileName = sequentialName(number)
        while FileManager.default.fileExists(atPath: folder + "/" + fileName) {
            number += 1
            fileName = sequentialName(number)
        }
        record.discFileName = fileName
        record.discState = .blank
        record.nextDiscNumber = number + 1
        record.bytesWritten = nil
        record.md5 = nil
        record.medium = nil
    }

    /// Returns `DISC` and `number` with at least four digits, and `.iso`.
    static func sequentialName(_ number: Int) -> String {
        let digits = String(number)
        return "DISC" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".iso"
    }

    /// Checks a caller's disc file name against the rules of ``loadBlank(named:)``.
    static func checkDiscFileName(_ fileName: String) throws {
        let allowed = fileName.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
        guard allowed, fileName.hasSuffix(".iso"), fileName.utf8.count > 4,
            fileName.utf8.count <= 255, !fileName.hasPrefix(".")
        else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid disc file name \"\(fileName)\": use letters, digits, '.', '_' and "
                    + "'-', not starting with '.', ending in .iso")
        }
    }
}
