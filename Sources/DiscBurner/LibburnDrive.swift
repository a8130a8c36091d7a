import Glibc
import MediaCenterCore
import MediaHardware

/// The medium in a drive as libburn reports it.
public struct LibburnMedia: Sendable, Equatable {
    public var status: DiscStatus
    public var profile: MediaProfile
    /// The MMC profile number, such as 0x09 for CD-R, or 0xffff for a `stdio:` file.
    public var profileNumber: Int
    /// libburn's name for the profile, such as `CD-R` or `stdio file`.
    public var profileName: String
    /// Bytes libburn expects to fit on the medium. For a `stdio:` file this is the free
    /// space of its file system, because such a drive has no capacity of its own.
    public var availableBytes: Int64
    /// Whether the drive is a `stdio:` file rather than a real drive.
    public var isFile: Bool
}

/// The speed a disc is written at.
public enum BurnSpeed: Sendable, Equatable {
    /// The fastest the drive and medium allow.
    case maximum
    /// A multiple of the medium's 1x speed, such as 16 for 16x; the drive may round it to a
    /// speed it supports.
    case factor(Int)

    /// Returns the speed in 1000 bytes/s for `burn_drive_set_speed` on `profile`, where 0
    /// means the maximum. 1x is 176.4 k/s on CD, 1385 k/s on DVD and 4496 k/s on BD.
    public func kilobytesPerSecond(for profile: MediaProfile) -> Int32 {
        guard case .factor(let factor) = self else { return 0 }
        let oneX: Double =
            switch profile {
            case .dvdr, .dvdPlusR, .dvdrw, .dvdPlusRW: 1385
            case .bdr, .bdre: 4496
            default: 176.4
            }
        return Int32((Double(factor) * oneX).rounded(.up))
    }
}

/// The progress of a running write.
public struct WriteProgress: Sendable, Equatable {
    public var bytesWritten: Int64
    public var totalBytes: Int64
}

/// A drive that libburn reaches by address: a real drive such as `/dev/sr0`, or a
/// `stdio:` pseudo-drive whose disc is the file after the prefix, such as
/// `stdio:/var/lib/mediacenter/virtual0/DISC0001.iso`.
///
/// The drive is grabbed, and so locked against other programs, from init until
/// ``release(eject:)`` or deinit. Every method blocks, so use it on a thread of your own.
/// After a write, libburn only learns the medium's new state when the drive is grabbed
/// again, so read back through a new `LibburnDrive`.
public final class LibburnDrive {
    /// The libburn address the drive was grabbed by.
    public let address: String

    private let grabbed: GrabbedDrive
    private let logger = Logger(label: "DiscBurner")

    /// The interval between two polls of the drive's state during a write, in microseconds.
    /// It bounds how late the end of a write is noticed, which matters for a fast `stdio:`
    /// drive, and a poll costs a few microseconds.
    private static let pollInterval: useconds_t = 2_000
    /// The minimum time between two progress reports during a write.
    private static let progressInterval = Duration.milliseconds(50)
    /// Bytes read per `burn_read_data` call during read-back: 512 sectors of 2048 bytes.
    private static let readChunkSize = 512 * 2048

    /// Grabs the drive at `address`.
    /// - Parameter loadMedium: whether a real drive should close its tray first.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when libburn cannot grab it.
    public init(address: String, loadMedium: Bool = true) throws {
        self.address = address
        grabbed = try GrabbedDrive(address: address, load: loadMedium)
        logger.debug("drive grabbed", ["drive.address": address])
    }

    /// The path where the written disc can be read as a file: the file of a `stdio:`
    /// drive, or the device path of a real one.
    public var location: String {
        address.hasPrefix("stdio:") ? String(address.dropFirst("stdio:".count)) : address
    }

    /// Scans for real optical drives. Each is forgotten again right away, so none stays
    /// locked. `stdio:` drives are never found by a scan.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when libburn cannot scan, which
    ///   is also the case while this process has grabbed any drive.
    public static func scan() throws -> [ScannedDrive] {
        try GrabbedDrive.scan()
    }

    /// Inspects the medium in the drive.
    public func inspectMedia() throws -> LibburnMedia {
        let medium = try grabbed.medium()
        let role = try grabbed.role()
        return LibburnMedia(
            status: medium.status,
            profile: Self.mediaProfile(medium.profileNumber),
            profileNumber: Int(medium.profileNumber),
            profileName: medium.profileName,
            availableBytes: medium.availableBytes,
            isFile: role != 1)
    }

    /// Writes `image` as one closed session with one data track, streaming it from
    /// libisofs with no intermediate file, and waits until the drive is idle again.
    ///
    /// The caller checks beforehand that the medium is blank and large enough: a `stdio:`
    /// drive reports every file as blank and writes past any size.
    /// - Parameter progress: called on this thread about every 50 ms while writing.
    /// - Returns: the bytes written, their MD5 digest and ``location``.
    /// - Throws: `MediaCenterError` with `.mediaFailure` and libburn's and libisofs'
    ///   messages when the write fails at any point.
    public func write(
        _ image: ISOImage, speed: BurnSpeed = .maximum,
        progress: ((WriteProgress) -> Void)? = nil
    ) throws -> DiscWriteResult {
        let profile = speed == .maximum ? MediaProfile.unknown : try inspectMedia().profile
        try grabbed.setWriteSpeed(kilobytesPerSecond: speed.kilobytesPerSecond(for: profile))
        let source = try image.makeSource()
        let expectedBytes = source.size
        let layout = try BurnDiscLayout(source: source)
        let options = try grabbed.makeWriteOptions()
        try options.configureForClosedDataDisc()
        try options.chooseWriteType(for: layout)

        logger.debug(
            "write starting", ["drive.address": address, "image.bytes": String(expectedBytes)])
        try grabbed.startWrite(layout, options: options)
        let messages = try waitUntilIdle(totalBytes: expectedBytes, progress: progress)

        let wroteWell = try grabbed.wroteWell()
        let (md5, bytesRead) = try source.result()
        guard wroteWell, bytesRead == expectedBytes else {
            let summary =
                wroteWell ? "wrote \(bytesRead) of \(expectedBytes) bytes" : "write failed"
            throw MediaCenterError(
                .mediaFailure,
                "writing the image of \(image.directory) to \(address) failed after "
                    + "\(bytesRead) of \(expectedBytes) bytes; reject this disc and use a new one",
                cause: "burn_disc_write: " + errorText(messages, fallback: summary))
        }

        logger.debug("write finished", ["drive.address": address, "image.md5": md5])
        return DiscWriteResult(bytesWritten: bytesRead, md5: md5, location: location)
    }

    /// Erases the medium with a fast blank (`burn_disc_erase`) and waits until the drive is
    /// idle again. libburn 1.5.4 blanks only real drives and write-only `stdio:` files, and
    /// its `burn_disc_erase` accepts on a real drive only CD-RW and DVD-RW media, or other
    /// media that it reports full. The drive learns the medium's new state only when it is
    /// grabbed again.
    /// - Throws: `MediaCenterError` with `.mediaFailure` and libburn's messages when
    ///   libburn rejects the erase or reports an error during it.
    public func erase() throws {
        let started = try grabbed.startErase(fast: true)
        let messages = try started.messages + waitUntilIdle(totalBytes: 0, progress: nil)
        let errors = messages.filter { $0.isError && $0.isFromLibburn }
        guard started.isErasable, errors.isEmpty else {
            throw MediaCenterError(
                .mediaFailure,
                "erasing the medium in \(address) failed; reject this disc and use a new one",
                cause: "burn_disc_erase: "
                    + errorText(messages, fallback: "the medium is not erasable"))
        }
        logger.debug("erase finished", ["drive.address": address])
    }

    /// Reads the first `byteCount` bytes of the medium and returns their MD5 digest as 32
    /// lower-case hex digits.
    /// - Throws: `MediaCenterError` with `.mediaFailure` naming the offset that could not
    ///   be read.
    public func readMD5(byteCount: Int64) throws -> String {
        let digest = try MD5Context()
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: Self.readChunkSize, alignment: 2048)
        defer { buffer.deallocate() }

        var offset: Int64 = 0
        while offset < byteCount {
            let length = Int(min(Int64(Self.readChunkSize), byteCount - offset))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
            try readFully(at: offset, into: chunk, of: byteCount)
            digest.update(UnsafeRawBufferPointer(chunk))
            offset += Int64(length)
        }
        return try digest.finish()
    }

    /// Reads the ISO 9660 directory tree of the first `byteCount` bytes of the medium, with
    /// the same reads as ``readMD5(byteCount:)``. Only directory sectors are read.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when a sector cannot be read or
    ///   the directory is damaged.
    public func readDirectory(byteCount: Int64) throws -> DiscDirectory {
        try DiscDirectory(byteCount: byteCount) { sector, count in
            try readBytes(at: sector * Int64(DiscDirectory.sectorSize), count: count * 2048)
        }
    }

    /// Reads the content of the file `entry` of a directory that ``readDirectory(byteCount:)``
    /// returned. The whole file is held in memory, so read only small files this way.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when a sector cannot be read.
    public func readFile(_ entry: DiscDirectory.Entry) throws -> [UInt8] {
        let sectors = (entry.size + 2047) / 2048
        let bytes = try readBytes(at: entry.sector * 2048, count: Int(sectors * 2048))
        return Array(bytes.prefix(Int(entry.size)))
    }

    /// Checks the DICOM file-set on the first `byteCount` bytes of the medium as they read
    /// back. The DICOMDIR's offsets must land on its records. Each Referenced File ID must
    /// be a relative path of at most 8 level 1 names that names a file on the disc, and
    /// every file in `DICOM/` must be referenced. Each referenced file's transfer syntax
    /// must be one that `profile` allows. Only the directory and the DICOMDIR are read, so
    /// memory stays small whatever the disc holds.
    /// - Throws: `MediaCenterError` with `.mediaFailure` naming what is wrong, or the
    ///   offset that could not be read.
    public func checkFileSet(
        byteCount: Int64, profile: ApplicationProfile = .generalPurposeCD
    ) throws {
        let directory = try readDirectory(byteCount: byteCount)
        do {
            try DiscFileSetCheck(directory: directory, profile: profile).check(
                readFile: readFile)
        } catch let problem as DiscFileSetProblem {
            throw MediaCenterError(
                .mediaFailure,
                "the file-set on the disc in \(address) failed its check: \(problem.detail); "
                    + "reject this disc and write a new one")
        }
    }

    // MARK: - Helpers

    /// Reads `count` bytes from `byteOffset`, a multiple of 2048, in chunks of at most
    /// ``readChunkSize``.
    private func readBytes(at byteOffset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < count {
                let length = min(Self.readChunkSize, count - done)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + length)])
                try readFully(
                    at: byteOffset + Int64(done), into: chunk, of: byteOffset + Int64(count))
                done += length
            }
        }
        return bytes
    }

    /// Fills `chunk` from `offset` with `burn_read_data`, or throws naming the offset and
    /// the `total` bytes the caller reads.
    private func readFully(
        at offset: Int64, into chunk: UnsafeMutableRawBufferPointer, of total: Int64
    ) throws {
        let (ok, count, messages) = try grabbed.read(at: offset, into: chunk)
        // libburn 1.5.4 reports a short read from a `stdio:` file as a full one and
        // only queues a SORRY message, so an error from libburn counts as a failed read.
        let readErrors = messages.filter { $0.isError && $0.isFromLibburn }
        guard ok, count == Int64(chunk.count), readErrors.isEmpty else {
            throw MediaCenterError(
                .mediaFailure,
                "cannot read back \(address) at byte \(offset) of \(total); the disc "
                    + "is unreadable or shorter than written",
                cause: "burn_read_data: " + errorText(messages, fallback: "read \(count) bytes")
            )
        }
    }

    /// Releases the drive so that other programs can use it, and ejects a real drive's
    /// medium when `eject` is true. Later calls, and every other method, do nothing or
    /// throw.
    public func release(eject: Bool) {
        grabbed.release(eject: eject)
        logger.debug("drive released", ["drive.address": address, "eject": String(eject)])
    }

    /// Polls the drive until libburn's writer thread has ended, reporting progress, and
    /// returns the messages queued meanwhile.
    private func waitUntilIdle(
        totalBytes: Int64, progress: ((WriteProgress) -> Void)?
    ) throws -> [LibraryMessage] {
        var messages: [LibraryMessage] = []
        let clock = ContinuousClock()
        var lastReport: ContinuousClock.Instant?
        while true {
            let (activity, newMessages) = try grabbed.activity()
            messages += newMessages
            if activity.isIdle { return messages }

            if let progress, activity.sectors > 0,
                lastReport.map({ clock.now - $0 >= Self.progressInterval }) ?? true
            {
                lastReport = clock.now
                let written = min(Int64(activity.sector) * 2048, totalBytes)
                progress(WriteProgress(bytesWritten: written, totalBytes: totalBytes))
            }
            usleep(Self.pollInterval)
        }
    }

    /// Maps an MMC profile number to the product's media kind.
    static func mediaProfile(_ number: Int32) -> MediaProfile {
        switch number {
        case 0x09: .cdr
        case 0x0a: .cdrw
        case 0x11, 0x15: .dvdr
        case 0x13, 0x14: .dvdrw
        case 0x1a: .dvdPlusRW
        case 0x1b, 0x2b: .dvdPlusR
        case 0x41, 0x42: .bdr
        case 0x43: .bdre
        default: .unknown
        }
    }
}
