import Foundation
import Glibc
import MediaCenterCore
import PatientStore
import Synchronization

/// The settings of spool retention, which a reload may change while the daemon runs.
public struct RetentionSettings: Sendable, Equatable {
    /// Days a done collection keeps its spool files; 0 removes them at the next pass.
    public var retentionDays: Int
    /// The share of the spool's file system in use, in percent, above which the oldest
    /// done collections lose their spool files before their time, until it is below again.
    public var lowWaterPercent: Int
    /// Seconds between two passes.
    public var interval: TimeInterval

    /// Makes the settings.
    public init(retentionDays: Int, lowWaterPercent: Int, interval: TimeInterval) {
        self.retentionDays = retentionDays
        self.lowWaterPercent = lowWaterPercent
        self.interval = interval
    }

    /// Makes the settings from the retention keys of `configuration`.
    public init(_ configuration: Configuration) {
        self.init(
            retentionDays: configuration.retentionDays,
            lowWaterPercent: configuration.spoolLowWater,
            interval: TimeInterval(configuration.retentionInterval))
    }
}

/// A done collection whose spool files a retention pass removes, and why.
public struct RetentionDecision: Sendable, Equatable {
    /// The cause of a removal.
    public enum Reason: String, Sendable {
        /// The collection was done for longer than the retention time.
        case expired
        /// The spool's file system was above the low-water mark.
        case space
    }

    public var collectionID: Int64
    /// The recorded size of the files, which the removal frees.
    public var bytes: Int64
    public var reason: Reason
}

/// Chooses the done collections whose spool files go, without touching any file.
public enum RetentionPolicy {
    /// Selects, among `candidates`, those done for `settings.retentionDays` or longer at
    /// `now`, then more of the longest finished ones while `space` (when known) stays above
    /// `settings.lowWaterPercent` after the selected bytes are freed.
    ///
    /// The space estimate counts the recorded file sizes, not the file system's blocks. A
    /// pass can therefore stop a little above the mark, and the next pass measures again.
    /// - Parameter candidates: done collections with spool files, in any order.
    /// - Returns: the collections to purge, the longest finished first.
    public static func select(
        _ candidates: [RetentionCandidate], now: Date, settings: RetentionSettings,
        space: FileSystemSpace?
    ) -> [RetentionDecision] {
        let oldestFirst = candidates.sorted {
            ($0.finishedAt, $0.collectionID) < ($1.finishedAt, $1.collectionID)
        }
        let cutoff = now.addingTimeInterval(-Double(settings.retentionDays) * 86_400)
        var decisions: [RetentionDecision] = []
        var freed: Int64 = 0

        for candidate in oldestFirst {
            let reason: RetentionDecision.Reason
            if candidate.finishedAt <= cutoff {
                reason = .expired
            } else if let space,
                space.usedPercent(afterFreeing: freed) > Double(settings.lowWaterPercent)
            {
                reason = .space
            } else {
                continue
            }
            decisions.append(
                RetentionDecision(
                    collectionID: candidate.collectionID, bytes: candidate.bytes, reason: reason))
            freed += candidate.bytes
        }
        return decisions
    }
}

/// The spool's free space and what retention could free, for the console.
public struct SpoolSpaceReport: Sendable, Codable, Equatable {
    /// Bytes an unprivileged process can still write on the spool's file system, or nil
    /// when `statvfs` failed.
    public var availableBytes: Int64?
    /// The share of that file system in use, in percent, or nil when `statvfs` failed.
    public var usedPercent: Double?
    /// The recorded size of the spool files of done collections that are not purged yet.
    public var reclaimableBytes: Int64

    /// Measures the spool of `store` now.
    public static func measure(spool: Spool, store: PatientStore) throws -> SpoolSpaceReport {
        let space = spool.fileSystemSpace()
        return SpoolSpaceReport(
            availableBytes: space?.availableBytes, usedPercent: space?.usedPercent,
            reclaimableBytes: try store.reclaimableBytes())
    }
}

/// Removes the spool files of done collections once their retention time is over, or
/// earlier when the spool's file system is above its low-water mark, on a thread of its
/// own: once at start and then every `interval` seconds.
///
/// Only collections in state `done` lose files; queued, burning, failed and receiving ones
/// never do. The rows stay and are marked purged, so `jobs` still lists the job with its
/// discs and history.
public final class Retention: Sendable {
    private let spool: Spool
    private let store: PatientStore
    private let now: @Sendable () -> Date
    private let measureSpace: @Sendable () -> FileSystemSpace?
    private let logger = Logger(label: "retention")

    private struct Control {
        var settings: RetentionSettings
        var running = false
        var stopRequested = false
        var wakeRequested = false
        /// When the last requested pass was granted, to grant at most one a second.
        var lastRequest: Date?
    }

    private let control: Mutex<Control>
    private let signal = NSCondition()
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes the service; `start()` begins the passes.
    /// - Parameters:
    ///   - now: The clock; tests give a virtual one.
    ///   - measureSpace: Measures the spool's file system; the default calls `statvfs`.
    public init(
        spool: Spool, store: PatientStore, settings: RetentionSettings,
        now: @escaping @Sendable () -> Date = { Date() },
        measureSpace: (@Sendable () -> FileSystemSpace?)? = nil
    ) {
        self.spool = spool
        self.store = store
        self.now = now
        self.measureSpace = measureSpace ?? { spool.fileSystemSpace() }
        self.control = Mutex(Control(settings: settings))
    }

    /// The settings in use.
    public var settings: RetentionSettings {
        control.withLock { $0.settings }
    }

    /// Replaces the settings and runs a pass with them soon.
    public func update(_ settings: RetentionSettings) {
        control.withLock { $0.settings = settings }
        wake()
    }

    /// Runs a pass soon, such as when the spool is above its high-water mark. Requests
    /// within a second of the last granted one are dropped, because each C-STORE rejected
    /// for space makes one.
    public func requestPass() {
        let granted = control.withLock { state in
            let current = now()
            if let last = state.lastRequest, current.timeIntervalSince(last) < 1,
                current >= last
            {
                return false
            }
            state.lastRequest = current
            return true
        }
        if granted { wake() }
    }

    /// Returns the spool's free space and the bytes retention could free.
    public func spaceReport() throws -> SpoolSpaceReport {
        try SpoolSpaceReport.measure(spool: spool, store: store)
    }

    /// Runs one pass: removes the files of the collections `RetentionPolicy` selects and
    /// logs each removal with the job ID and the bytes, never with patient data.
    /// - Returns: the collections whose files were removed.
    @discardableResult
    public func runPass() throws -> [RetentionDecision] {
        let settings = self.settings
        let decisions = RetentionPolicy.select(
            try store.retentionCandidates(), now: now(), settings: settings,
            space: measureSpace())

        var purged: [RetentionDecision] = []
        for decision in decisions {
            guard
                let paths = try store.markSpoolFilesPurged(
                    collection: decision.collectionID, at: now())
            else { continue }
            let failures = removeFiles(paths)
            let fields = [
                "job.id": String(decision.collectionID), "purge.bytes": String(decision.bytes),
                "purge.reason": decision.reason.rawValue,
            ]
            let why =
                decision.reason == .expired
                ? "done for \(settings.retentionDays) days or longer"
                : "spool above its low-water mark of \(settings.lowWaterPercent) %"
            logger.notice(
                "removed \(paths.count) spool files (\(decision.bytes) bytes) of job "
                    + "\(decision.collectionID): \(why)", fields)
            if let failure = failures.first {
                logger.warning(
                    "\(failures.count) spool files of job \(decision.collectionID) could not "
                        + "be removed and were marked purged; remove them by hand, the "
                        + "first: \(failure)", fields)
            }
            purged.append(decision)
        }
        return purged
    }

    /// Removes the files of instances marked purged that a stop left on disk between the
    /// mark and the removal.
    /// - Returns: how many files were removed.
    @discardableResult
    public func removeLeftoverFiles() throws -> Int {
        var removed = 0
        for path in try store.purgedSpoolPaths() where unlink(path) == 0 {
            removed += 1
        }
        if removed > 0 {
            logger.notice("removed \(removed) spool files that were marked purged")
        }
        return removed
    }

    /// Starts the thread of the passes.
    public func start() {
        let alreadyRunning = control.withLock { state in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }

        let thread = Thread { [self] in
            runLoop()
            stopped.signal()
        }
        thread.name = "retention"
        thread.start()
    }

    /// Asks the thread to stop after its current pass and waits for it.
    public func stop() {
        let running = control.withLock { state in
            state.stopRequested = true
            return state.running
        }
        wake()
        if running { stopped.wait() }
    }

    private func wake() {
        signal.lock()
        control.withLock { $0.wakeRequested = true }
        signal.signal()
        signal.unlock()
    }

    private func runLoop() {
        let settings = self.settings
        logger.info(
            "spool retention started: done jobs keep their spool files \(settings.retentionDays) "
                + "days, or less while the spool is above \(settings.lowWaterPercent) %")
        do {
            try removeLeftoverFiles()
        } catch {
            logger.error("cannot read the purged spool files from the database: \(error)")
        }
        while !control.withLock({ $0.stopRequested }) {
            do {
                try runPass()
            } catch {
                logger.error(
                    "retention pass failed, so no spool files were removed; check the data "
                        + "disk: \(error)")
            }
            waitForNextPass()
        }
    }

    private func waitForNextPass() {
        signal.lock()
        defer { signal.unlock() }
        let (woken, interval) = control.withLock { state in
            defer { state.wakeRequested = false }
            return (state.wakeRequested || state.stopRequested, state.settings.interval)
        }
        if !woken {
            _ = signal.wait(until: Date(timeIntervalSinceNow: interval))
            control.withLock { $0.wakeRequested = false }
        }
    }

    /// Removes `paths`; a file that is gone already counts as removed.
    /// - Returns: one message per file that could not be removed.
    private func removeFiles(_ paths: [String]) -> [String] {
        var failures: [String] = []
        for path in paths where unlink(path) != 0 && errno != ENOENT {
            failures.append("\(path): \(String(cString: strerror(errno)))")
        }
        return failures
    }
}
