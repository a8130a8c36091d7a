import Foundation
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization

/// The burn jobs of every drive. Each drive has a ``JobEngine`` that takes the next queued
/// collection when it is idle, so jobs run on all idle drives at once. The whole disc set
/// of one patient is written by the drive that took the job.
///
/// Requests from the console (finish a patient, retry a job) go through the queue, which
/// wakes every engine so that the first idle one starts at once.
public final class JobQueue: Sendable {
    private struct Members {
        var engines: [JobEngine]
        var started = false
        var stopped = false
        /// Seconds without a new instance after which a patient counts as finished while
        /// no drive is attached, or nil to leave that to the engines alone.
        var completionTimeout: TimeInterval?
        /// The thread that finishes idle patients while no drive is attached.
        var keeper: JoinableThread?
    }

    private let members: Mutex<Members>
    let requests: JobRequests

    /// The engines, one per drive, in the order they joined.
    public var engines: [JobEngine] { members.withLock { $0.engines } }

    /// The drives of the engines, in the same order.
    public var drives: [any DiscDrive] { engines.map(\.drive) }

    /// Makes a queue of the jobs in `store`, served by `engines`, which must use the same
    /// store. The queue may start with none, when drives are found later (see ``add(_:)``).
    /// - Parameter completionTimeout: seconds without a new instance after which a patient
    ///   counts as finished while no drive is attached, because then no engine finishes
    ///   idle patients. With nil they stay receiving until a drive is attached.
    public init(
        store: PatientStore, engines: [JobEngine], completionTimeout: TimeInterval? = nil,
        logger: Logger = Logger(label: "jobs")
    ) {
        members = Mutex(Members(engines: engines, completionTimeout: completionTimeout))
        requests = JobRequests(store: store, logger: logger)
    }

    /// Queues again the jobs that a previous run left half done, then starts every engine.
    public func start() throws {
        let engines = members.withLock { members in
            members.started = true
            return members.engines
        }
        try requests.requeueInterruptedJobs()
        for engine in engines {
            engine.rejectLeftoverDisc()
            try engine.start(requeueInterrupted: false)
        }
        if members.withLock({ $0.completionTimeout != nil }) {
            let keeper = try JoinableThread(name: "job-queue") { [self] in keepQueue() }
            members.withLock { $0.keeper = keeper }
        }
    }

    /// Adds the engine of a drive found after the start, and starts it when the queue runs.
    public func add(_ engine: JobEngine) throws {
        let start = members.withLock { members in
            members.engines.append(engine)
            return members.started && !members.stopped
        }
        if start {
            engine.rejectLeftoverDisc()
            try engine.start(requeueInterrupted: false)
        }
    }

    /// Asks every engine to stop after the step it is in, and waits for all of them. Burns
    /// in progress on several drives finish side by side.
    public func stop() {
        let (engines, keeper) = members.withLock { members in
            members.stopped = true
            defer { members.keeper = nil }
            return (members.engines, members.keeper)
        }
        for engine in engines { engine.requestStop() }
        for engine in engines { engine.waitUntilStopped() }
        keeper?.join()
    }

    /// Changes the completion timeout used while no drive is attached.
    public func setCompletionTimeout(_ seconds: TimeInterval) {
        members.withLock { $0.completionTimeout = seconds }
    }

    /// Finishes idle patients twice a second while no drive is attached, until the queue
    /// stops. Once a drive is attached, its engine does this.
    private func keepQueue() {
        while true {
            usleep(500_000)
            let (stopped, idleEngines, timeout) = members.withLock {
                ($0.stopped, $0.engines.isEmpty, $0.completionTimeout)
            }
            if stopped { return }
            guard idleEngines, let timeout else { continue }
            do {
                let idle = try requests.store.receivingCollectionIDs(
                    idleSince: Date(timeIntervalSinceNow: -timeout))
                _ = try requests.queue(idle, reason: "no instance for \(Int(timeout)) s")
            } catch {
                requests.logger.error("idle patients cannot be queued: \(error)")
            }
        }
    }

    /// Makes every engine look at the queue now.
    public func wake() {
        for engine in engines { engine.wake() }
    }

    /// Finishes the receiving collections of `patientID` now. Without any drive the jobs
    /// wait in the queue.
    /// - Returns: the IDs of the collections that were queued.
    @discardableResult
    public func finish(patientID: String) throws -> [Int64] {
        let queued = try requests.finish(patientID: patientID)
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Finishes every receiving collection now.
    /// - Returns: the IDs of the collections that were queued.
    @discardableResult
    public func finishAll() throws -> [Int64] {
        let queued = try requests.finishAll()
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Queues a failed collection again.
    /// - Returns: false when no failed collection has `id`.
    @discardableResult
    public func retry(collection id: Int64) throws -> Bool {
        let queued = try requests.retry(collection: id)
        if queued { wake() }
        return queued
    }
}
