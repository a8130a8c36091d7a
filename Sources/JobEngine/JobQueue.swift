import Foundation
import MediaCenterCore
import PatientStore

/// The burn jobs of every drive. Each drive has a ``JobEngine`` that takes the next queued
/// collection when it is idle, so jobs run on all idle drives at once. The whole disc set
/// of one patient is written by the drive that took the job.
///
/// Requests from the console (finish a patient, retry a job) go through the queue, which
/// wakes every engine so that the first idle one starts at once.
public final class JobQueue: Sendable {
    /// The engines, one per drive, in the order of the drives.
    public let engines: [JobEngine]

    /// Makes a queue served by `engines`, which must share one store.
    /// - Precondition: `engines` is not empty.
    public init(engines: [JobEngine]) {
        precondition(!engines.isEmpty, "a job queue needs at least one engine")
        self.engines = engines
    }

    /// Queues again the jobs that a previous run left half done, then starts every engine.
    public func start() throws {
        try engines[0].requeueInterruptedJobs()
        for engine in engines {
            try engine.start(requeueInterrupted: false)
        }
    }

    /// Asks every engine to stop after the step it is in, and waits for all of them. Burns
    /// in progress on several drives finish side by side.
    public func stop() {
        for engine in engines { engine.requestStop() }
        for engine in engines { engine.waitUntilStopped() }
    }

    /// Makes every engine look at the queue now.
    public func wake() {
        for engine in engines { engine.wake() }
    }

    /// Finishes the receiving collections of `patientID` now.
    /// - Returns: the IDs of the collections that were queued.
    @discardableResult
    public func finish(patientID: String) throws -> [Int64] {
        let queued = try engines[0].finish(patientID: patientID)
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Finishes every receiving collection now.
    /// - Returns: the IDs of the collections that were queued.
    @discardableResult
    public func finishAll() throws -> [Int64] {
        let queued = try engines[0].finishAll()
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Queues a failed collection again.
    /// - Returns: false when no failed collection has `id`.
    @discardableResult
    public func retry(collection id: Int64) throws -> Bool {
        let queued = try engines[0].retry(collection: id)
        if queued { wake() }
        return queued
    }
}
