import Foundation

/// Makes renames into spool folders durable for many association threads at once, with
/// one fsync of a folder covering every rename that came before it started (a group
/// commit).
///
/// Each caller takes a ticket after its rename. A sync that starts later covers that
/// ticket. While one sync of a folder runs, other callers wait, and the next sync covers
/// all of them together. With five associations this turns about five folder fsyncs
/// into one or two.
final class FolderSync: @unchecked Sendable {
    // @unchecked: every field below is read and written with `condition` locked.
    private let condition = NSCondition()
    private var folders: [String: FolderState] = [:]
    private let syncFolder: @Sendable (String) throws -> Void

    private struct FolderState {
        /// The last ticket handed out.
        var issued: UInt64 = 0
        /// Every ticket up to this one is durable.
        var durable: UInt64 = 0
        var syncing = false
        /// The last failed sync: it covered the tickets up to `through`.
        var failure: (through: UInt64, error: any Error)?
    }

    /// Makes the group commit around `syncFolder`, which syncs one folder.
    init(_ syncFolder: @escaping @Sendable (String) throws -> Void) {
        self.syncFolder = syncFolder
    }

    /// Returns once a sync of `folder` that started after this call has finished.
    /// - Throws: the error of that sync; a later sync that succeeds does not clear it for
    ///   callers it did not cover.
    func sync(_ folder: String) throws {
        condition.lock()
        defer { condition.unlock() }
        folders[folder, default: FolderState()].issued += 1
        let ticket = folders[folder]!.issued

        while true {
            let state = folders[folder]!
            if state.durable >= ticket { return }
            if let failure = state.failure, failure.through >= ticket { throw failure.error }
            if state.syncing {
                condition.wait()
                continue
            }

            let target = state.issued
            folders[folder]!.syncing = true
            condition.unlock()
            let outcome = Result { try syncFolder(folder) }
            condition.lock()
            folders[folder]!.syncing = false
            switch outcome {
            case .success:
                folders[folder]!.durable = max(folders[folder]!.durable, target)
            case .failure(let error):
                folders[folder]!.failure = (target, error)
            }
            forgetIdleFolders(except: folder)
            condition.broadcast()
        }
    }

    /// Drops the state of folders with nobody waiting, such as the folders of past days.
    private func forgetIdleFolders(except current: String) {
        guard folders.count > 2 else { return }
        for (name, state) in folders
        where name != current && !state.syncing && state.durable == state.issued {
            folders[name] = nil
        }
    }
}
