import Foundation
import MediaCenterCore
import MediaHardware
import Synchronization

/// A drive with no hardware: each disc is an ISO image file in the drive's folder, written
/// through a libburn `stdio:` pseudo-drive, and the written files are the product's output.
///
/// A `stdio:` drive reports every file as blank and writes past any size, so this type
/// keeps the disc's state and the capacity itself, in `drive.json` in its folder. Like a
/// CD-R, a disc is written once: a disc whose write failed counts as written. Ejecting a
/// written disc leaves its file in place and loads a blank disc with the next sequential
/// name (`DISC0001.iso`, `DISC0002.iso`, ...). ``loadBlank(named:)`` gives the blank disc
/// a name of the caller's choice instead.
///
/// Every method blocks. One operation runs at a time, and a second one started meanwhile
/// throws rather than waits.
public final class VirtualDrive: DiscDrive {
    /// The capacity of a blank disc unless the caller sets one: 700 MiB, a common CD-R.
    public static let defaultCapacityBytes: Int64 = 700 * 1024 * 1024
    /// The state file's name inside the drive's folder.
    public static let stateFileName = "drive.json"

    /// A name for logs and the console, such as `virtual0`.
    public let name: String
    /// The folder that contains the disc image files and the state file.
    public let folder: String
    /// The capacity of every blank disc in bytes.
    public let capacityBytes: Int64

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
    /// - Throws: `MediaCenterError` with `.invalidArgument` for an empty name or a
    ///   capacity below 1, `.invalidConfiguration` for an unreadable state file,
    ///   `.ioFailure` when the folder or the state file cannot be written.
    public init(
        name: String, folder: String, capacityBytes: Int64 = VirtualDrive.defaultCapacityBytes
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
        self.name = name
        self.folder = folder
        self.capacityBytes = capacityBytes

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
        guard isBlank(record) else {
            return MediaInfo(profile: .virtualCD, status: .written, capacityBytes: 0)
        }
        return MediaInfo(profile: .virtualCD, status: .blank, capacityBytes: record.capacityBytes)
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
    /// with ``LibburnDrive/checkFileSet(byteCount:)``.
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
        try drive.checkFileSet(byteCount: written.bytesWritten)
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
    /// `written` medium reports as written at once, and the faults of the others show in
    /// ``write(image:)`` and ``verify(_:)``.
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
            record.discState = medium == .written ? .written : .blank
            try record.save(to: statePath)
            shared.record = record
        }
    }

    // MARK: - Helpers

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
