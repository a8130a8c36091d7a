import Foundation
import Glibc
import MediaCenterCore
import PatientStore

/// Compares the spool with the database at start, before the listener opens.
///
/// Instance rows are committed without an fsync of their own, because the spool file is
/// synced before the instance is acknowledged. A power cut can therefore take away the
/// newest rows but never their files. This recovery puts those instances back into the
/// receiving collection of their patient. A file that the database does not know and that
/// cannot be parsed is moved to `spool/orphaned` and reported, never deleted.
///
/// The other way round, rows whose spool file is gone without retention having purged it
/// are marked missing in the database and reported, never deleted. The job engine fails a
/// job that contains them when it runs, naming the files.
struct SpoolRecovery {
    let spool: Spool
    let store: PatientStore
    let logger = Logger(label: "recovery")

    /// The folder under the spool for files that cannot be recorded.
    static let orphanedFolderName = "orphaned"

    /// The result of one recovery pass.
    struct Summary: Equatable {
        var recorded = 0
        /// The new paths, under `spool/orphaned`, of files that cannot be parsed. A file
        /// that could not be moved is listed at its old path.
        var orphaned: [String] = []
        /// Rows whose spool file is gone, which are now marked missing.
        var missing: [MissingSpoolFile] = []
    }

    /// Records every unknown spool file, moves the unreadable ones aside, marks the rows
    /// whose files are gone, and returns what it found.
    func run() throws -> Summary {
        var summary = Summary()
        try recordUnknownFiles(&summary)
        try markMissingFiles(&summary)
        return summary
    }

    private func recordUnknownFiles(_ summary: inout Summary) throws {
        let known = try store.recordedSpoolPaths()

        for path in spoolFiles() where !known.contains(path) {
            do {
                let keys = try InstanceKeys(path: path)
                var status = stat()
                guard stat(path, &status) == 0 else {
                    throw MediaCenterError.fromErrno(
                        .ioFailure, "cannot stat \(path)", call: "stat")
                }
                let received = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
                let outcome = try store.record(
                    keys.incoming(
                        spoolPath: path, size: Int64(status.st_size),
                        callingAETitle: "", receivedAt: received))
                if let replaced = outcome.replacedSpoolPath { unlink(replaced) }
                summary.recorded += 1
            } catch {
                summary.orphaned.append(moveToOrphaned(path, parseError: error))
            }
        }

        if summary.recorded > 0 {
            logger.notice(
                "recorded \(summary.recorded) spool files again whose database rows were lost")
        }
        if !summary.orphaned.isEmpty {
            logger.warning(
                "\(summary.orphaned.count) spool files are not recorded and cannot be read; "
                    + "they are in \(spool.root)/\(Self.orphanedFolderName) for inspection",
                ["orphaned.count": String(summary.orphaned.count)])
        }
    }

    /// Moves an unreadable file to the orphaned folder, keeping its dated folder in the
    /// name, and returns where it is now.
    private func moveToOrphaned(_ path: String, parseError: any Error) -> String {
        let folder = spool.root + "/" + Self.orphanedFolderName
        let parts = path.split(separator: "/").suffix(2)
        let destination = folder + "/" + parts.joined(separator: "-")
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
            guard rename(path, destination) == 0 else {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot move \(path) to \(folder)", call: "rename")
            }
        } catch {
            logger.error(
                "spool file \(path) is not recorded and cannot be read (\(parseError)), and "
                    + "it cannot be moved aside, so it was left in place: \(error)")
            return path
        }
        logger.error(
            "spool file \(path) is not recorded and cannot be read; moved to \(destination) "
                + "for inspection: \(parseError)")
        return destination
    }

    /// Marks the rows whose spool file is gone and logs them by job, with no patient data.
    private func markMissingFiles(_ summary: inout Summary) throws {
        let gone = try store.recordedSpoolFiles().filter {
            access($0.path, F_OK) != 0 && errno == ENOENT
        }
        try store.recordMissingSpoolFiles(gone.map(\.instanceID))
        summary.missing = try store.missingSpoolFiles()
        guard !summary.missing.isEmpty else { return }

        let byJob = Dictionary(grouping: summary.missing, by: \.collectionID)
        let jobs = byJob.keys.sorted().map { "\($0) (\(byJob[$0]!.count))" }
        logger.warning(
            "spool files missing for recorded instances that were not purged: "
                + "\(summary.missing.count); jobs (files missing): "
                + "\(jobs.joined(separator: ", ")). The rows are kept, and a job not yet "
                + "burned fails naming the files. Restore the files from a backup and restart, "
                + "or resend the studies",
            [
                "missing.count": String(summary.missing.count),
                "job.ids": byJob.keys.sorted().map(String.init).joined(separator: ","),
            ])
    }

    /// Lists every `.dcm` file in the dated spool folders, oldest folder first.
    private func spoolFiles() -> [String] {
        let manager = FileManager.default
        let folders = ((try? manager.contentsOfDirectory(atPath: spool.root)) ?? [])
            .filter { $0 != "tmp" && $0 != Self.orphanedFolderName }.sorted()
        return folders.flatMap { folder -> [String] in
            let names = (try? manager.contentsOfDirectory(atPath: spool.root + "/" + folder)) ?? []
            return names.filter { $0.hasSuffix(".dcm") }.sorted()
                .map { spool.root + "/" + folder + "/" + $0 }
        }
    }
}
