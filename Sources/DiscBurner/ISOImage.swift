import Foundation
import MediaCenterCore

/// An ISO 9660 level 1 image of a file-set folder, laid out but not yet produced: libisofs
/// keeps a tree of references to the folder's files and reads them only while the image
/// is written to a drive.
///
/// The image is plain ISO 9660 with no Rock Ridge and no Joliet, because DICOM media
/// (PS3.12 Annex F, STD-GEN-CD) name files in ISO 9660 level 1 only, and a reader that
/// finds Rock Ridge or Joliet names prefers them. Each name is recorded as DICOM
/// PS3.12 F.1.2.1 requires: a file without extension as `NAME.;1`, a file with an
/// extension as `NAME.EXT;1`, and a directory as `NAME`. Readers that hide version
/// numbers show these as `NAME` and `NAME.EXT`, as xorriso 1.5.4 does. The Linux kernel
/// driver also maps them to lower case unless mounted with `map=off` (its mount options
/// are in the kernel's Documentation/filesystems/isofs.rst).
///
/// Every name in the folder must already be a level 1 name, so that the names on the
/// disc are exactly the names in the folder and the DICOMDIR's references stay true.
/// NOTE: a viewer program with long or lower-case file names cannot be put on a disc
/// this way. It would need a Joliet tree, which readers then prefer for every file.
public final class ISOImage {
    /// The folder whose content is the root of the disc.
    public let directory: String
    /// The ISO 9660 volume identifier: the DICOM File-set ID.
    public let volumeID: String
    /// The volume's creation date and the date of every directory record.
    public let recordingDate: Date
    /// The size of the image in bytes, a multiple of 2048. It stays true while the files
    /// in the folder keep their sizes.
    public let byteCount: Int64
    /// The number of files and directories in the image, the root excluded.
    public let entryCount: Int

    private let handle: IsoImageHandle
    private let options: IsoWriteOptions

    /// The maximum length of a volume identifier, in characters.
    public static let maxVolumeIDLength = 32
    /// The maximum number of ISO 9660 directory levels, the root counted as level 1.
    public static let maxDirectoryLevels = 8
    /// The largest file one ISO 9660 level 1 extent can record: 4 GiB less one byte.
    public static let maxFileSize: Int64 = 0xFFFF_FFFF

    /// Lays out the image of `directory`.
    /// - Parameters:
    ///   - directory: the file-set root. Every entry must be a regular file or a directory
    ///     with an ISO 9660 level 1 name: directories `NAME`, files `NAME` or `NAME.EXT`,
    ///     where NAME is 1 to 8 and EXT 1 to 3 of A-Z, 0-9 and underscore.
    ///   - volumeID: 0 to 32 of A-Z, 0-9 and underscore.
    ///   - recordingDate: the volume's creation date, by default the current time.
    /// - Throws: `MediaCenterError` with `.invalidArgument` naming the first entry or value
    ///   that breaks a rule, `.ioFailure` when the folder cannot be read.
    public init(directory: String, volumeID: String, recordingDate: Date = Date()) throws {
        try Self.checkVolumeID(volumeID)
        self.directory = directory
        self.volumeID = volumeID
        self.recordingDate = recordingDate

        let entries = try Self.listEntries(of: directory)
        handle = try IsoImageHandle(volumeID: volumeID)
        handle.setVolumeID(volumeID)
        handle.setApplicationID("MEDIACENTER \(ImplementationIdentity.productVersion)")
        for entry in entries {
            switch entry.kind {
            case .directory:
                try handle.addDirectory(named: entry.name, under: entry.parentPath)
            case .file:
                try handle.addFile(localPath: entry.localPath, under: entry.parentPath)
            }
        }
        entryCount = entries.count

        options = try IsoWriteOptions(recordingDate: time_t(recordingDate.timeIntervalSince1970))
        byteCount = try options.imageSize(of: handle)

        let messages = try BurnLibraries.locked { BurnLibraries.takeMessages() }
        if messages.contains(where: \.isError) {
            throw MediaCenterError(
                .ioFailure, "libisofs reported errors while laying out the image of \(directory)",
                cause: errorText(messages, fallback: ""))
        }
    }

    /// Starts libisofs producing the image, which libburn reads from the returned source.
    func makeSource() throws -> HashingImageSource {
        try options.makeSource(of: handle)
    }

    // MARK: - Rules

    /// Checks that `volumeID` is 0 to 32 d-characters (A-Z, 0-9, underscore).
    /// - Throws: `MediaCenterError` with `.invalidArgument`.
    public static func checkVolumeID(_ volumeID: String) throws {
        guard volumeID.utf8.count <= maxVolumeIDLength, volumeID.utf8.allSatisfy(isDCharacter)
        else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid volume ID \"\(volumeID)\": use at most \(maxVolumeIDLength) "
                    + "characters of A-Z, 0-9 and underscore")
        }
    }

    /// Returns whether `name` is a level 1 file name: `NAME` or `NAME.EXT`, with NAME 1 to 8 and
    /// EXT 1 to 3 d-characters.
    public static func isValidFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let base = parts.first else { return false }
        guard ISO9660Name.isValid(String(base)) else { return false }
        guard parts.count == 2 else { return true }
        let fileExtension = parts[1]
        return (1...3).contains(fileExtension.utf8.count)
            && fileExtension.utf8.allSatisfy(isDCharacter)
    }

    /// Returns whether `name` is a level 1 directory name: 1 to 8 d-characters, no extension.
    public static func isValidDirectoryName(_ name: String) -> Bool {
        ISO9660Name.isValid(name)
    }

    private static func isDCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_")
    }

    // MARK: - Walking the folder

    private enum EntryKind {
        case directory
        case file
    }

    /// One file or directory to add, in an order where each parent comes first.
    private struct Entry {
        var kind: EntryKind
        var name: String
        var localPath: String
        /// The path of the parent directory inside the image, such as `/` or `/DICOM`.
        var parentPath: String
    }

    /// Lists every entry below `root`, checking each against the level 1 rules.
    private static func listEntries(of root: String) throws -> [Entry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw MediaCenterError(
                .invalidArgument, "the file-set folder \(root) does not exist or is not a folder")
        }

        var entries: [Entry] = []
        try collectEntries(localFolder: root, imagePath: "/", level: 1, into: &entries)
        return entries
    }

    /// Adds the entries of `localFolder`, which is the image directory `imagePath` at
    /// directory level `level`, and of every folder below it.
    private static func collectEntries(
        localFolder: String, imagePath: String, level: Int, into entries: inout [Entry]
    ) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: localFolder).sorted()
        } catch {
            throw MediaCenterError(
                .ioFailure, "cannot list the folder \(localFolder)", cause: "\(error)")
        }

        for name in names {
            let localPath = localFolder + "/" + name
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: localPath)
            } catch {
                throw MediaCenterError(
                    .ioFailure, "cannot read the attributes of \(localPath)", cause: "\(error)")
            }
            let type = attributes[.type] as? FileAttributeType

            if type == .typeDirectory {
                guard isValidDirectoryName(name) else {
                    throw invalidName(localPath, "a directory name must be 1 to 8 of A-Z, 0-9, _")
                }
                guard level < maxDirectoryLevels else {
                    throw MediaCenterError(
                        .invalidArgument,
                        "the folder \(localPath) is nested deeper than ISO 9660 allows "
                            + "(\(maxDirectoryLevels) levels, the root included)")
                }
                entries.append(
                    Entry(kind: .directory, name: name, localPath: localPath, parentPath: imagePath)
                )
                let childPath = imagePath == "/" ? "/" + name : imagePath + "/" + name
                try collectEntries(
                    localFolder: localPath, imagePath: childPath, level: level + 1, into: &entries)
            } else if type == .typeRegular {
                guard isValidFileName(name) else {
                    throw invalidName(
                        localPath,
                        "a file name must be NAME or NAME.EXT, with NAME 1 to 8 "
                            + "and EXT 1 to 3 of A-Z, 0-9, _")
                }
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
                guard size <= maxFileSize else {
                    throw MediaCenterError(
                        .invalidArgument,
                        "the file \(localPath) has \(size) bytes; ISO 9660 level 1 records "
                            + "at most \(maxFileSize) bytes per file")
                }
                entries.append(
                    Entry(kind: .file, name: name, localPath: localPath, parentPath: imagePath))
            } else {
                throw MediaCenterError(
                    .invalidArgument,
                    "\(localPath) is neither a regular file nor a folder (symbolic links and "
                        + "special files cannot go on the disc); replace it with a copy")
            }
        }
    }

    private static func invalidName(_ path: String, _ rule: String) -> MediaCenterError {
        MediaCenterError(
            .invalidArgument, "invalid ISO 9660 level 1 name at \(path): \(rule)")
    }
}
