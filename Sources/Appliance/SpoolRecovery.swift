import Foundation
import Glibc
import MediaCenterCore
import PatientStore

/// Finds spool files that the database does not know, and records them again.
///
/// Instance rows are committed without an fsync of their own, because the spool file is
/// synced before the instance is acknowledged. A power cut can therefore take away the
/// newest rows but never their files. This recovery runs before the listener opens and
/// puts those instances back into the receiving collection of their patient. A file that
/// cannot be parsed is reported and left where it is, never deleted.
struct SpoolRecovery {
    let spool: Spool
    let store: PatientStore
    let logger = Logger(label: "recovery")

    /// The result of one recovery pass.
    struct Summary: Equatable {
        var recorded = 0
        var unreadable: [String] = []
    }

    /// Records every unknown spool file and returns what it found.
    func run() throws -> Summary {
        let known = try store.recordedSpoolPaths()
        var summary = Summary()

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
                logger.error(
                    "spool file \(path) is not recorded and cannot be read; it was left in "
                        + "place for inspection: \(error)")
                summary.unreadable.append(path)
            }
        }

        if summary.recorded > 0 {
            logger.notice(
                "recorded \(summary.recorded) spool files again whose database rows were lost")
        }
        return summary
    }

    /// Lists every `.dcm` file in the dated spool folders, oldest folder first.
    private func spoolFiles() -> [String] {
        let manager = FileManager.default
        let folders = ((try? manager.contentsOfDirectory(atPath: spool.root)) ?? [])
            .filter { $0 != "tmp" }.sorted()
        return folders.flatMap { folder -> [String] in
            let names = (try? manager.contentsOfDirectory(atPath: spool.root + "/" + folder)) ?? []
            return names.filter { $0.hasSuffix(".dcm") }.sorted()
                .map { spool.root + "/" + folder + "/" + $0 }
        }
    }
}
