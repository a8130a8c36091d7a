import Foundation
import Glibc
import MediaCenterCore

/// A viewer program that goes on every disc: the content of a configured folder, copied to
/// the `VIEWER` folder at the disc root, and optionally `AUTORUN.INF` at the root, which
/// names the program to start.
///
/// The disc image records ISO 9660 level 1 names only and never renames a file, so every
/// name in the folder must already be one. `init(folder:autorun:)` checks the whole folder
/// once, and the daemon calls it at start so that a bad folder stops it there.
public struct ViewerPayload: Sendable, Equatable {
    /// The folder at the disc root that contains the viewer's files.
    public static let discFolder = "VIEWER"
    /// The file at the disc root that names the program to start.
    public static let autorunName = "AUTORUN.INF"
    /// The maximum number of directory levels on the disc, the root counted as level 1.
    public static let maxDirectoryLevels = 8
    /// The largest file one ISO 9660 level 1 extent can record: 4 GiB less one byte.
    public static let maxFileSize: Int64 = 0xFFFF_FFFF

    /// The configured folder, symbolic links resolved.
    public let source: String
    /// The program to start, relative to `source` with `/` between names, or nil.
    public let autorun: String?
    /// The folders below `source`, relative to it, each before its content.
    public let folders: [String]
    /// The files below `source`, relative to it.
    public let files: [String]

    /// Checks `folder` and everything in it, and lists what a disc gets.
    /// - Parameters:
    ///   - folder: the viewer's folder. Every file and folder name below it must be an ISO
    ///     9660 level 1 name: folders `NAME`, files `NAME` or `NAME.EXT`, NAME 1 to 8 and
    ///     EXT 1 to 3 of A-Z, 0-9 and underscore. On the disc it lies below `VIEWER`, so it
    ///     may have 6 levels of folders. A symbolic link must point to a file or folder
    ///     inside it, and every file must be readable.
    ///   - autorun: the program to start, relative to `folder`, or nil for no `AUTORUN.INF`.
    /// - Throws: `MediaCenterError` with `.invalidConfiguration` naming the first path that
    ///   breaks a rule, and the rule.
    public init(folder: String, autorun: String?) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw Self.invalid(
                folder,
                "the viewer folder is not found; create it or set "
                    + "viewer_folder to an existing folder")
        }
        guard isFolder.boolValue else {
            throw Self.invalid(folder, "the viewer folder is a file, not a folder")
        }
        let source = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path

        var scan = FolderScan(root: source)
        try scan.walk("", level: 2)
        self.source = source
        self.folders = scan.folders
        self.files = scan.files

        if let autorun {
            guard files.contains(autorun) else {
                throw Self.invalid(
                    source + "/" + autorun,
                    "viewer_autorun names no file of the viewer folder; give the program's "
                        + "path relative to viewer_folder, such as BIN/VIEWER.EXE")
            }
        }
        self.autorun = autorun
    }

    /// The text of `AUTORUN.INF`, or nil without a program to start. It is a Windows file,
    /// so it gets CRLF line ends and backslashes between names.
    public var autorunText: String? {
        guard let autorun else { return nil }
        let program = ([Self.discFolder] + autorun.split(separator: "/").map(String.init))
            .joined(separator: "\\")
        return "[autorun]\r\nopen=\(program)\r\n"
    }

    /// Copies the viewer's files to `VIEWER` below `root`, and writes `AUTORUN.INF`.
    /// - Returns: the paths of the files written, relative to `root`.
    /// - Throws: `MediaCenterError` naming the file that cannot be copied or written.
    func copy(into root: String) throws -> [String] {
        let target = root + "/" + Self.discFolder
        try createFolder(target)
        for folder in folders {
            try createFolder(target + "/" + folder)
        }

        var written: [String] = []
        for file in files {
            let from = source + "/" + file
            let to = target + "/" + file
            do {
                // The disc image takes regular files and folders only, so a link inside the
                // folder becomes a copy of the file it points to.
                try FileManager.default.copyItem(
                    atPath: URL(fileURLWithPath: from).resolvingSymlinksInPath().path,
                    toPath: to)
            } catch {
                throw MediaCenterError(
                    .ioFailure,
                    "the viewer file \(from) cannot be copied to \(to); check that it still "
                        + "exists (the viewer folder is checked only when the daemon starts, "
                        + "so restart it after changing the folder) and that the work folder "
                        + "has free space", cause: "\(error)")
            }
            written.append(Self.discFolder + "/" + file)
        }

        if let text = autorunText {
            let path = root + "/" + Self.autorunName
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw MediaCenterError(
                    .ioFailure, "\(path) cannot be written; check free space and permissions")
            }
            written.append(Self.autorunName)
        }
        return written
    }

    /// Returns whether `name` is a level 1 file name: `NAME` or `NAME.EXT`, NAME 1 to 8 and
    /// EXT 1 to 3 of A-Z, 0-9 and underscore.
    public static func isValidFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: return ISO9660Name.isValid(parts[0])
        case 2:
            return ISO9660Name.isValid(parts[0]) && ISO9660Name.isValid(parts[1])
                && parts[1].count <= 3
        default: return false
        }
    }

    static func invalid(_ path: String, _ rule: String) -> MediaCenterError {
        MediaCenterError(.invalidConfiguration, "viewer folder: \(path): \(rule)")
    }

    private func createFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false)
        } catch {
            throw MediaCenterError(
                .ioFailure,
                "the folder \(path) cannot be created; check free space and permissions",
                cause: "\(error)")
        }
    }
}

/// The walk of a viewer folder that checks each entry and lists folders and files.
private struct FolderScan {
    /// The viewer folder, symbolic links resolved.
    let root: String
    var folders: [String] = []
    var files: [String] = []

    /// Checks the entries of the folder `relative` (empty for the root), which lies at
    /// directory level `level` of the disc, and of every folder below it.
    mutating func walk(_ relative: String, level: Int) throws {
        let path = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw ViewerPayload.invalid(path, "the folder cannot be read; check its permissions")
        }

        for name in names {
            let child = relative.isEmpty ? name : relative + "/" + name
            let childPath = root + "/" + child
            let kind = try entryKind(childPath)
            switch kind {
            case .folder:
                guard ISO9660Name.isValid(name) else {
                    throw ViewerPayload.invalid(
                        childPath,
                        "a folder name must be 1 to 8 of A-Z, 0-9 and underscore (ISO 9660 "
                            + "level 1); rename it, because the disc keeps names unchanged")
                }
                guard level < ViewerPayload.maxDirectoryLevels else {
                    throw ViewerPayload.invalid(
                        childPath,
                        "the folder would lie deeper than \(ViewerPayload.maxDirectoryLevels) "
                            + "directory levels on the disc (the root and VIEWER included); "
                            + "move it up")
                }
                folders.append(child)
                try walk(child, level: level + 1)
            case .file(let size):
                guard ViewerPayload.isValidFileName(name) else {
                    throw ViewerPayload.invalid(
                        childPath,
                        "a file name must be NAME or NAME.EXT with NAME 1 to 8 and EXT 1 to 3 "
                            + "of A-Z, 0-9 and underscore (ISO 9660 level 1); rename it, "
                            + "because the disc keeps names unchanged")
                }
                guard size <= ViewerPayload.maxFileSize else {
                    throw ViewerPayload.invalid(
                        childPath,
                        "the file has \(size) bytes, and ISO 9660 level 1 records at most "
                            + "\(ViewerPayload.maxFileSize)")
                }
                guard access(childPath, R_OK) == 0 else {
                    throw ViewerPayload.invalid(
                        childPath, "the file is not readable; check its permissions")
                }
                files.append(child)
            }
        }
    }

    private enum Kind {
        case folder
        case file(size: Int64)
    }

    /// Returns what `path` is once symbolic links are followed, after checking that a link
    /// stays inside the viewer folder.
    private func entryKind(_ path: String) throws -> Kind {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw ViewerPayload.invalid(path, "the entry cannot be read (\(errnoText()))")
        }
        if (status.st_mode & S_IFMT) == S_IFLNK {
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard target != root else {
                throw ViewerPayload.invalid(
                    path, "the symbolic link points to the viewer folder itself; remove it")
            }
            guard target.hasPrefix(root + "/") else {
                throw ViewerPayload.invalid(
                    path,
                    "the symbolic link points to \(target), outside the viewer folder; "
                        + "copy that file or folder into the viewer folder instead")
            }
            guard stat(path, &status) == 0 else {
                throw ViewerPayload.invalid(path, "the symbolic link points to nothing")
            }
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .file(size: Int64(status.st_size))
        default:
            throw ViewerPayload.invalid(
                path, "the entry is neither a file nor a folder, so it cannot go on a disc")
        }
    }

    private func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
