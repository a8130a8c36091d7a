import Foundation
import Glibc
import MediaCenterCore

/// A received instance after its rename into the spool.
public struct SpoolEntry: Sendable {
    public var path: String
    public var size: Int64
    /// The folder the rename changed, which must be synced before the acknowledgement.
    public var folder: String
}

/// The spool: received instances on the data disk, each in a file of its own. A C-STORE
/// is received into `temporaryFolder`, synced, and renamed into a dated folder, so a file
/// outside `temporaryFolder` is always complete.
public struct Spool: Sendable {
    public let root: String
    public var temporaryFolder: String { root + "/tmp" }

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(
            atPath: root + "/tmp", withIntermediateDirectories: true)
    }

    /// Returns a fresh path in the temporary folder for the next C-STORE.
    public func temporaryPath() -> String {
        temporaryFolder + "/" + UUID().uuidString + ".part"
    }

    /// Removes temporary files that an interrupted receive left behind. None of them was
    /// acknowledged, because status 0000 is sent only after the rename.
    /// - Returns: how many files were removed.
    @discardableResult
    public func removeTemporaryFiles() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryFolder)) ?? []
        for name in names { unlink(temporaryFolder + "/" + name) }
        return names.count
    }

    /// Flushes the received file at `path` to the disk. Call it before `moveIntoSpool`, so
    /// a file that reaches the spool is complete even after a power cut.
    public func syncReceivedFile(_ path: String) throws {
        try syncFile(path)
    }

    /// Renames the synced temporary file at `path` into today's folder.
    /// - Returns: the final path, the file's size in bytes, and the folder, which the
    ///   caller syncs with `syncFolder` before it acknowledges the instance.
    public func moveIntoSpool(_ path: String, now: Date = Date()) throws -> SpoolEntry {
        let folder = root + "/" + Spool.dayFormat(now)
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
            try syncFile(root)
        }

        let destination = folder + "/" + UUID().uuidString + ".dcm"
        guard rename(path, destination) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot move the received instance into the spool \(folder)",
                call: "rename")
        }

        var status = stat()
        guard stat(destination, &status) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot read the size of \(destination)", call: "stat")
        }
        return SpoolEntry(path: destination, size: Int64(status.st_size), folder: folder)
    }

    /// Returns the share of the spool's file system in use, in percent from 0 to 100, as
    /// `df` shows it: used blocks against used plus available ones, so that blocks reserved
    /// for root count neither way. Returns nil when statvfs fails.
    public func usedPercent() -> Double? {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return nil }
        let used = Double(info.f_blocks) - Double(info.f_bfree)
        let usable = used + Double(info.f_bavail)
        guard usable > 0 else { return nil }
        return used / usable * 100
    }

    /// Flushes a spool folder, making the renames into it durable.
    public func syncFolder(_ folder: String) throws {
        try syncFile(folder)
    }

    /// Flushes a file or folder to the disk with `fsync(2)`.
    private func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot open \(path) to sync it", call: "open")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot sync \(path) to disk", call: "fsync")
        }
    }

    private static func dayFormat(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday))
    }
}
