import Foundation
import MediaCenterCore
import PatientStore

/// The changes of the job queue that need no drive: queuing finished patients, queuing a
/// failed job again, and queuing again the jobs a stopped daemon left half done. The
/// engines and the ``JobQueue`` share them, so a queue without any drive still takes
/// requests from the console.
struct JobRequests: Sendable {
    let store: PatientStore
    let logger: Logger

    /// Queues the receiving collections of `patientID`.
    func finish(patientID: String) throws -> [Int64] {
        try queue(
            try store.receivingCollectionIDs(patientID: patientID),
            reason: "burn requested for the patient")
    }

    /// Queues every receiving collection.
    func finishAll() throws -> [Int64] {
        try queue(
            try store.collectionIDs(in: .receiving), reason: "burn requested for all patients")
    }

    /// Queues the failed collection `id` again.
    /// - Returns: false when no failed collection has `id`.
    func retry(collection id: Int64) throws -> Bool {
        let queued = try store.transition(
            collection: id, from: .failed, to: .queued, reason: "retry requested")
        if queued {
            logger.info("failed job queued again", ["job.id": String(id)])
        }
        return queued
    }

    /// Moves the receiving collections among `ids` to `queued` for `reason`.
    /// - Returns: the IDs that were queued; another caller may have queued the others.
    func queue(_ ids: [Int64], reason: String) throws -> [Int64] {
        var queued: [Int64] = []
        for id in ids
        where try store.transition(collection: id, from: .receiving, to: .queued, reason: reason) {
            logger.info("job queued: \(reason)", ["job.id": String(id)])
            queued.append(id)
        }
        return queued
    }

    /// Queues again the jobs that a previous run left burning or verifying.
    func requeueInterruptedJobs() throws {
        for state in [CollectionState.burning, .verifying] {
            for id in try store.collectionIDs(in: state) {
                try store.transition(
                    collection: id, from: state, to: .queued,
                    reason: "the daemon stopped while the job was \(state.rawValue); burning again")
                logger.warning(
                    "job was interrupted while \(state.rawValue) and is queued again",
                    ["job.id": String(id)])
            }
        }
    }
}
