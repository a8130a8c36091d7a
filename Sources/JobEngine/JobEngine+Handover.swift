import Foundation
import MediaCenterCore
import MediaHardware
import PatientStore

extension JobEngine {
    /// Whether the drive is attached. A drive without a presence source always is.
    var isDrivePresent: Bool {
        presence?.isPresent(drive.name) ?? true
    }

    /// Returns whether the drive went away since `mark` was taken, even if it came back
    /// meanwhile. Without a mark, returns whether it is gone now.
    func driveWentAway(since mark: DrivePresenceMark?) -> Bool {
        guard let presence else { return false }
        guard let mark else { return !presence.isPresent(drive.name) }
        return presence.hasDriveGone(since: mark)
    }

    /// Returns the numbers of the planned discs that an earlier run of the job already
    /// wrote and verified with exactly the same instances, in the same position of a set
    /// of the same size. Those discs are kept, and the job writes only the others.
    func keptDiscNumbers(_ discs: [PlannedDisc], collection id: Int64) throws -> Set<Int> {
        let verified = try store.verifiedDiscContents(ofCollection: id)
        guard !verified.isEmpty else { return [] }
        let count = discs.first?.count ?? 0
        for stale in verified where stale.count != count {
            logger.warning(
                "disc \(stale.number) of \(stale.count) from an earlier run of this job no "
                    + "longer belongs to its set, which is now \(count) discs; take it out of "
                    + "the output bin and do not hand it out with the new set",
                ["job.id": String(id), "drive.name": drive.name])
        }
        let keptDiscs = discs.filter { disc in
            let instanceIDs = Set(disc.instances.map(\.id))
            return verified.contains { earlier in
                earlier.number == disc.number && earlier.count == disc.count
                    && earlier.instanceIDs == instanceIDs
            }
        }
        return Set(keptDiscs.map(\.number))
    }

    /// Gives a job back to the queue after the drive went away under it, so that another
    /// drive takes it. A disc in progress counts as rejected, and the discs verified
    /// before stay part of the set.
    func handOver(
        _ id: Int64, from state: CollectionState, discInProgress disc: PlannedDisc?,
        error: any Error
    ) {
        var reason = "drive \(drive.name) was removed"
        if let disc {
            reason += " during disc \(disc.number) of \(disc.count)"
        }
        logger.error(
            "job handed back to the queue: \(reason): \(error)",
            ["job.id": String(id), "drive.name": drive.name])
        do {
            if let disc {
                try store.addReject(
                    RejectRecord(number: disc.number, reason: reason, path: nil, drive: drive.name),
                    toCollection: id)
            }
            try store.transition(
                collection: id, from: state, to: .queued,
                reason: reason + "; another drive takes the job")
        } catch {
            logger.error(
                "job cannot be handed back to the queue; it is queued again at the next "
                    + "start: \(error)",
                ["job.id": String(id), "drive.name": drive.name])
        }
    }

    /// Rejects a written disc that a changer's drive still contains at start. A disc is
    /// recorded only once it reaches the output bin, so a written disc left in the drive
    /// is one that a stopped daemon did not finish: its write, its read-back or its move
    /// was cut short. It gets a `REJECT` label, goes to the reject bin and is recorded
    /// against the job the drive took last, which runs again and writes it anew.
    func rejectLeftoverDisc() {
        guard let changer else { return }
        let fields = ["drive.name": drive.name, "changer.name": changer.name]
        do {
            guard try drive.inspectMedia().status == .written else { return }
            let reason = "the daemon stopped before this disc reached the output bin"
            try changer.printLabel(.reject(reason: reason), onDiscIn: drive.name)
            try changer.moveDisc(from: drive.name, to: .reject)
            if let id = try store.lastCollection(takenBy: drive.name) {
                let done = try store.collection(id: id)?.discs.filter(\.verified).count ?? 0
                try store.addReject(
                    RejectRecord(
                        number: done + 1, reason: reason, path: nil, drive: drive.name),
                    toCollection: id)
                logger.warning(
                    "disc left in the drive rejected: \(reason)",
                    fields.merging(["job.id": String(id)]) { $1 })
            } else {
                logger.warning("disc left in the drive rejected: \(reason)", fields)
            }
        } catch {
            logger.error(
                "a disc left in the drive cannot be checked or rejected; take it out by hand: "
                    + "\(error)", fields)
        }
    }
}
