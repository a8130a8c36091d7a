import Foundation
import MediaCenterCore
import PatientStore

/// The error that ends a job that the console cancelled.
struct JobCancelled: Error {
    /// The reason recorded with the job's `failed` state.
    static let reason = "cancelled from the console"
    var message: String
}

/// The result of a cancel request.
public enum CancelOutcome: Sendable, Equatable {
    /// The queued job failed at once with the reason "cancelled from the console".
    case cancelledWhileQueued
    /// The job runs on `drive` and stops at its next safe point.
    case stopping(drive: String)
    /// The job is in `state`, which cannot be cancelled.
    case notCancellable(state: CollectionState)
    /// No job has the ID.
    case notFound
}

extension JobEngine {
    /// The name of the engine's drive.
    public var driveName: String { drive.name }

    /// The job that runs on the drive now, or nil while the drive is idle.
    public var currentJob: Int64? {
        control.withLock { $0.currentJob }
    }

    /// Asks the engine to stop job `id` at its next safe point: before the next disc of its
    /// set, or before the next write to a blank. A disc being written or read back is
    /// finished first, and a disc that was verified stays verified and in the output bin.
    /// The job then fails with the reason "cancelled from the console" and can be retried.
    /// - Returns: false when the engine does not run job `id`.
    public func requestCancel(job id: Int64) -> Bool {
        let accepted = control.withLock { control in
            guard control.currentJob == id else { return false }
            control.cancelRequested = true
            return true
        }
        if accepted {
            logger.notice(
                "cancel requested on the console; the job stops at its next safe point",
                ["job.id": String(id), "drive.name": drive.name])
        }
        return accepted
    }

    /// Runs `body` while no job runs on the drive, and keeps jobs from starting on it
    /// meanwhile.
    /// - Returns: nil without calling `body` when a job runs on the drive.
    public func whileIdle<Result>(_ body: () throws -> Result) rethrows -> Result? {
        let held = control.withLock { control in
            guard control.currentJob == nil, !control.heldByConsole else { return false }
            control.heldByConsole = true
            return true
        }
        guard held else { return nil }
        defer { control.withLock { $0.heldByConsole = false } }
        return try body()
    }

    /// Marks job `id` as the drive's current job, unless the console uses the drive.
    func claimDrive(for id: Int64) -> Bool {
        control.withLock { control in
            guard !control.heldByConsole else { return false }
            control.currentJob = id
            control.cancelRequested = false
            return true
        }
    }

    /// Marks the drive as idle again after a job.
    func releaseDrive() {
        control.withLock { control in
            control.currentJob = nil
            control.cancelRequested = false
        }
    }

    /// Throws `JobCancelled` when the console requested to cancel job `id`, and a
    /// `MediaCenterError` when the daemon is stopping, so that the job is queued again
    /// instead of writing the rest of its set first.
    func checkCancelRequest(_ id: Int64) throws {
        let (cancelled, stopping) = control.withLock {
            ($0.currentJob == id && $0.cancelRequested, $0.stopRequested)
        }
        if cancelled {
            throw JobCancelled(message: "stopped at a safe point on \(drive.name)")
        }
        if stopping {
            throw MediaCenterError(
                .mediaFailure, "the daemon is stopping; the job stopped at a safe point")
        }
    }
}

extension JobQueue {
    /// Cancels job `id`: a queued job fails at once, and a running one stops at its next
    /// safe point (see ``JobEngine/requestCancel(job:)``).
    public func cancel(job id: Int64) throws -> CancelOutcome {
        let store = requests.store
        for _ in 0..<3 {
            guard let record = try store.collection(id: id) else { return .notFound }
            switch record.state {
            case .queued:
                let reason = JobCancelled.reason
                if try store.transition(
                    collection: id, from: .queued, to: .failed, reason: reason,
                    failureReason: reason)
                {
                    requests.logger.notice("queued job cancelled", ["job.id": String(id)])
                    return .cancelledWhileQueued
                }
            case .burning, .verifying:
                if let engine = engines.first(where: { $0.requestCancel(job: id) }) {
                    return .stopping(drive: engine.drive.name)
                }
            case .receiving, .done, .failed:
                return .notCancellable(state: record.state)
            }
            // The job changed state between the read and the request, such as a queued
            // job that a drive took just then; look again.
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let record = try store.collection(id: id) else { return .notFound }
        return .notCancellable(state: record.state)
    }

    /// Returns each drive's name and the job running on it.
    public var driveJobs: [(drive: String, job: Int64?)] {
        engines.map { ($0.drive.name, $0.currentJob) }
    }
}
