import MediaCenterCore

/// The kind of medium in a drive, as MMC profiles name them.
public enum MediaProfile: String, Sendable, Codable {
    case cdr = "CD-R"
    case cdrw = "CD-RW"
    case dvdr = "DVD-R"
    case dvdPlusR = "DVD+R"
    case dvdrw = "DVD-RW"
    case dvdPlusRW = "DVD+RW"
    case bdr = "BD-R"
    case bdre = "BD-RE"
    case unknown = "unknown"

    /// Whether the medium can be erased and written again.
    public var isRewritable: Bool {
        switch self {
        case .cdrw, .dvdrw, .dvdPlusRW, .bdre: true
        case .cdr, .dvdr, .dvdPlusR, .bdr, .unknown: false
        }
    }

    /// The application profile of a file-set on this medium: the JPEG profiles on DVD and
    /// BD media, and STD-GEN-CD, the most widely read one, on CD media and on media the
    /// drive cannot name.
    public var applicationProfile: ApplicationProfile {
        switch self {
        case .cdr, .cdrw, .unknown: .generalPurposeCD
        case .dvdr, .dvdPlusR, .dvdrw, .dvdPlusRW: .generalPurposeDVDJPEG
        case .bdr, .bdre: .generalPurposeBDJPEG
        }
    }
}

/// The state of the medium a drive found when it inspected it.
public enum DiscStatus: String, Sendable, Codable {
    /// No medium in the drive.
    case empty
    /// A blank medium, ready to be written.
    case blank
    /// A medium that already contains data.
    case written
    /// A medium that cannot be written here (wrong type, or the drive reports an error).
    case unsuitable
}

/// The medium in a drive.
public struct MediaInfo: Sendable, Equatable {
    public var profile: MediaProfile
    public var status: DiscStatus
    /// Bytes that can be written on the medium; 0 when it is not blank.
    public var capacityBytes: Int64

    public init(profile: MediaProfile, status: DiscStatus, capacityBytes: Int64) {
        self.profile = profile
        self.status = status
        self.capacityBytes = capacityBytes
    }
}

/// A finished write: how much went to the drive and the MD5 digest of the stream as it
/// was written, which read-back verification compares against.
public struct DiscWriteResult: Sendable, Equatable {
    public var bytesWritten: Int64
    /// The MD5 digest of every byte sent to the drive, as 32 lower-case hex digits.
    public var md5: String
    /// The path to read the written disc from: the image file of a virtual drive,
    /// or the device node of a real one.
    public var location: String
    /// The application profile of the file-set that was written, whose transfer syntaxes
    /// the read-back check allows in the DICOMDIR. The caller sets it, because the drive
    /// writes any folder.
    public var profile: ApplicationProfile

    public init(
        bytesWritten: Int64, md5: String, location: String,
        profile: ApplicationProfile = .generalPurposeCD
    ) {
        self.bytesWritten = bytesWritten
        self.md5 = md5
        self.location = location
        self.profile = profile
    }
}

/// A read-back check of a written disc.
public struct DiscVerification: Sendable, Equatable {
    /// Whether the bytes read back have the digest that was written.
    public var matches: Bool
    /// The MD5 digest of the bytes read back.
    public var md5: String

    public init(matches: Bool, md5: String) {
        self.matches = matches
        self.md5 = md5
    }
}

/// An optical drive, real or virtual. Every method blocks, so callers run them on a
/// thread of their own, never on the cooperative pool.
public protocol DiscDrive: AnyObject, Sendable {
    /// A name for logs and the console, such as `virtual0` or `/dev/sr0`.
    var name: String { get }

    /// Inspects the medium in the drive.
    func inspectMedia() throws -> MediaInfo

    /// Builds an ISO 9660 image of the folder `directory` and writes it to the blank medium,
    /// streaming with no intermediate image file.
    /// - Parameters:
    ///   - directory: the root of the file-set; it becomes the root of the disc.
    ///   - volumeID: the ISO 9660 volume identifier, at most 32 characters of A-Z, 0-9, _.
    /// - Throws: `MediaCenterError` with code `.mediaFailure` when the medium is not blank,
    ///   the image does not fit, or the drive fails during the write.
    func write(directory: String, volumeID: String) throws -> DiscWriteResult

    /// Lays out the ISO 9660 image of `directory` without writing it.
    /// - Returns: the bytes `write(directory:volumeID:)` would write for the folder as it
    ///   is now.
    func imageByteCount(directory: String, volumeID: String) throws -> Int64

    /// Reads the written medium back through the drive and compares it with `written`.
    func verify(_ written: DiscWriteResult) throws -> DiscVerification

    /// Erases a rewritable medium that contains data with a fast blank, which leaves it
    /// blank and ready for `write(directory:volumeID:)`.
    /// - Throws: `MediaCenterError` with code `.mediaFailure` when the medium is not
    ///   rewritable or the erase fails.
    func erase() throws

    /// Ejects the medium. A virtual drive then loads the next blank disc.
    func eject() throws
}
