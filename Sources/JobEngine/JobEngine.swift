import Foundation
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization

/// Settings of the job engine.
public struct JobEngineConfiguration: Sendable {
    /// Seconds without a new instance after which a patient counts as finished.
    public var completionTimeout: TimeInterval
    /// Folder for file-sets while they are built; each job gets a folder of its own.
    public var stagingDirectory: String
    /// The maximum number of discs rejected in a row that a job with a changer goes on
    /// after. One more reject stops the job.
    public var maxConsecutiveRejects: Int

    /// The rule that chooses the application profile of each disc set.
    public var profileSelection: ProfileSelection
    /// Whether a rewritable disc that contains data is erased before it is written. When
    /// false, such a disc is rejected like any disc that is not blank.
    public var blankRewritable: Bool

    /// The valid range of `maxConsecutiveRejects`.
    public static let maxConsecutiveRejectsRange = 1...20

    public init(
        completionTimeout: TimeInterval, stagingDirectory: String, maxConsecutiveRejects: Int = 3,
        profileSelection: ProfileSelection = .automatic, blankRewritable: Bool = false
    ) {
        precondition(
            Self.maxConsecutiveRejectsRange.contains(maxConsecutiveRejects),
            "maxConsecutiveRejects \(maxConsecutiveRejects) is outside 1...20")
        self.completionTimeout = completionTimeout
        self.stagingDirectory = stagingDirectory
        self.maxConsecutiveRejects = maxConsecutiveRejects
        self.profileSelection = profileSelection
        self.blankRewritable = blankRewritable
    }
}

/// A rule by which the job engine chooses the application profile of a disc set.
public enum ProfileSelection: Sendable, Equatable {
    /// The profile of the first blank's media type (`MediaProfile.applicationProfile`).
    case automatic
    /// The same profile on every medium, such as STD-GEN-CD for the most widely read discs.
    case fixed(ApplicationProfile)
}

/// Moves patient collections from `receiving` to a verified disc, one job at a time per
/// drive, on a thread of its own. Every state change goes through `PatientStore`, which
/// records it with its reason.
public final class JobEngine: Sendable {
    let store: PatientStore
    let drive: any DiscDrive
    /// The changer that loads the drive, or nil for a drive loaded by hand.
    let changer: (any DiscChanger)?
    let fileSets: any FileSetMaking
    /// Reads what a verified disc's label shows beyond the patient's name and ID, or nil
    /// for labels with only those and the disc's position.
    let labelReader: (any DiscLabelReading)?
    /// Tells whether the drive is attached, or nil for a drive that cannot go away.
    let presence: (any DrivePresence)?
    /// The settings in use, which `updateConfiguration` may change between two steps.
    var configuration: JobEngineConfiguration { settings.withLock { $0 } }
    private let settings: Mutex<JobEngineConfiguration>
    let logger: Logger

    struct Control {
        var running = false
        var stopRequested = false
        var wakeRequested = false
        /// Whether the drive's absence was logged.
        var driveMissingLogged = false
        /// The job that runs on the drive now.
        var currentJob: Int64?
        /// Whether the console asked to cancel `currentJob`.
        var cancelRequested = false
        /// Whether the console uses the idle drive, so that no job may start on it.
        var heldByConsole = false
    }

    let control = Mutex(Control())
    private let signal = NSCondition()
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes an engine for `drive`. With a `changer`, each disc is loaded from its input bin
    /// and checked, and a disc that fails the check, the write or the read-back is rejected
    /// and the next one tried. Without one, such a disc fails the job. `labelReader` reads
    /// the birth date, study dates, modalities and institution for each disc's label.
    public init(
        store: PatientStore, drive: any DiscDrive, changer: (any DiscChanger)? = nil,
        fileSets: any FileSetMaking, labelReader: (any DiscLabelReading)? = nil,
        presence: (any DrivePresence)? = nil, configuration: JobEngineConfiguration,
        logger: Logger = Logger(label: "jobs")
    ) {
        self.store = store
        self.drive = drive
        self.changer = changer
        self.fileSets = fileSets
        self.labelReader = labelReader
        self.presence = presence
        self.settings = Mutex(configuration)
        self.logger = logger
    }

    /// Changes the settings while the engine runs, such as on a reload of the configuration
    /// file. The staging folder keeps its value. A job in progress reads the new values at
    /// its next step, and a changed completion timeout applies at the next look at the queue.
    public func updateConfiguration(_ change: (inout JobEngineConfiguration) -> Void) {
        settings.withLock { configuration in
            let staging = configuration.stagingDirectory
            change(&configuration)
            configuration.stagingDirectory = staging
        }
        wake()
    }

    // MARK: - Life cycle

    /// Starts the engine's thread.
    /// - Parameter requeueInterrupted: whether to queue again first the jobs that a
    ///   previous run left burning or verifying. With several engines on one store, only
    ///   the first start may do this (``JobQueue`` does it once), or an engine would take
    ///   back the job another one has just started.
    public func start(requeueInterrupted: Bool = true) throws {
        if requeueInterrupted {
            try requeueInterruptedJobs()
        }
        let alreadyRunning = control.withLock { state in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }

        let thread = Thread { [self] in
            runLoop()
            stopped.signal()
        }
        thread.name = "job-engine"
        thread.start()
    }

    /// Asks the engine to stop after the step it is in, and waits for its thread to end.
    /// A burn in progress finishes first, so no disc is left half written by a clean stop.
    public func stop() {
        requestStop()
        waitUntilStopped()
    }

    /// Asks the engine to stop after the step it is in, without waiting.
    func requestStop() {
        control.withLock { $0.stopRequested = true }
        changer?.interruptWaits()
        wake()
    }

    /// Waits until the engine's thread has ended; returns at once when it never started.
    /// Call it once per started engine, after ``requestStop()``.
    func waitUntilStopped() {
        if control.withLock({ $0.running }) {
            stopped.wait()
            control.withLock { $0.running = false }
        }
    }

    /// Makes the engine look at the queue now instead of at its next tick.
    public func wake() {
        signal.lock()
        control.withLock { $0.wakeRequested = true }
        signal.signal()
        signal.unlock()
    }

    // MARK: - Requests

    /// Finishes the receiving collections of `patientID` now, as if their completion
    /// timeout had passed.
    /// - Returns: the IDs of the collections that were queued.
    @discardableResult
    public func finish(patientID: String) throws -> [Int64] {
        let queued = try requests.finish(patientID: patientID)
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Queues a failed collection again, for example after the cause was fixed.
    /// - Returns: false when no failed collection has `id`.
    @discardableResult
    public func retry(collection id: Int64) throws -> Bool {
        let queued = try requests.retry(collection: id)
        if queued { wake() }
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

    // MARK: - The engine's thread

    private func runLoop() {
        logger.info("job engine started", ["drive.name": drive.name])
        // The count of consecutive database failures. Each one doubles the wait, up to
        // 30 s, so a full or broken data disk neither spins the CPU nor floods the log.
        var failures = 0
        while !control.withLock({ $0.stopRequested }) {
            do {
                let cutoff = Date(timeIntervalSinceNow: -configuration.completionTimeout)
                let idle = try store.receivingCollectionIDs(idleSince: cutoff)
                try queue(idle, reason: "no instance for \(Int(configuration.completionTimeout)) s")

                if isDriveReady(), let next = try store.collectionIDs(in: .queued).first,
                    claimDrive(for: next)
                {
                    defer { releaseDrive() }
                    try runJob(next)
                    failures = 0
                    continue
                }
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.error(
                        "job queue cannot be updated (\(failures) times in a row); check "
                            + "the data disk: \(error)")
                }
            }
            let pause = failures == 0 ? 0.5 : min(30, 0.5 * pow(2, Double(min(failures, 6))))
            waitForWork(seconds: pause)
        }
        logger.info("job engine stopped", ["drive.name": drive.name])
    }

    /// Returns whether the drive is attached and may take a job. Logs once when it goes
    /// and once when it comes back.
    private func isDriveReady() -> Bool {
        let present = isDrivePresent
        let changed = control.withLock { state in
            defer { state.driveMissingLogged = !present }
            return state.driveMissingLogged == present
        }
        if changed {
            if present {
                logger.notice("drive is back and takes jobs again", ["drive.name": drive.name])
            } else {
                logger.warning(
                    "drive is gone; it takes no job until it is attached again",
                    ["drive.name": drive.name])
            }
        }
        return present
    }

    private func waitForWork(seconds: TimeInterval) {
        signal.lock()
        defer { signal.unlock() }
        let woken = control.withLock { state in
            defer { state.wakeRequested = false }
            return state.wakeRequested || state.stopRequested
        }
        if !woken {
            _ = signal.wait(until: Date(timeIntervalSinceNow: seconds))
            control.withLock { $0.wakeRequested = false }
        }
    }

    @discardableResult
    private func queue(_ ids: [Int64], reason: String) throws -> [Int64] {
        let queued = try requests.queue(ids, reason: reason)
        if !queued.isEmpty { wake() }
        return queued
    }

    /// Queues again the jobs that a previous run left burning or verifying.
    func requeueInterruptedJobs() throws {
        try requests.requeueInterruptedJobs()
    }

    /// The queue changes this engine shares with the ``JobQueue``.
    var requests: JobRequests { JobRequests(store: store, logger: logger) }

    // MARK: - One job

    /// Runs one queued collection to `done` or `failed`: plans its discs, then writes,
    /// reads back and records each disc in turn.
    /// - Throws: when the job cannot even be marked as burning, so nothing was done.
    private func runJob(_ id: Int64) throws {
        let fields = ["job.id": String(id), "drive.name": drive.name]
        let started = try store.transition(
            collection: id, from: .queued, to: .burning,
            reason: PatientStore.tookJobReason(drive: drive.name))
        guard started else { return }
        logger.info("job started", fields)

        var state = CollectionState.burning
        var rejects = RejectCount(limit: configuration.maxConsecutiveRejects)
        // The disc being written, if any, for the reject record of a removed drive.
        var current: PlannedDisc?
        let presenceMark = presence?.markPresence(ofDrive: drive.name)
        let staging = configuration.stagingDirectory + "/job\(id)"
        defer { try? FileManager.default.removeItem(atPath: staging) }

        do {
            guard let collection = try store.collection(id: id) else {
                throw MediaCenterError(.notFound, "collection \(id) is no longer recorded")
            }
            let instances = try store.instances(inCollection: id)
            try checkSpoolFilesExist(instances)
            try? FileManager.default.removeItem(atPath: staging)
            let media: MediaInfo
            if let changer {
                media = try loadCheckedBlank(
                    from: changer, number: 1, imageBytes: nil, collection: id, rejects: &rejects)
                rejects.checkedBlankLoaded = true
            } else {
                media = try prepareBlank()
            }
            let profile = applicationProfile(for: media)
            logger.info(
                "disc set planned as \(profile.rawValue) on \(media.profile.rawValue)", fields)
            let discs = try planDiscs(
                collection, instances, capacityBytes: media.capacityBytes, profile: profile,
                staging: staging)
            let kept = try keptDiscNumbers(discs, collection: id)

            for disc in discs {
                try checkCancelRequest(id)
                if kept.contains(disc.number) {
                    logger.info(
                        "disc \(disc.number) of \(disc.count) was verified by an earlier run; "
                            + "kept", fields)
                    continue
                }
                if state == .verifying {
                    try store.transition(
                        collection: id, from: .verifying, to: .burning,
                        reason: "writing disc \(disc.number) of \(disc.count)")
                    state = .burning
                }
                current = disc
                try burn(
                    disc, of: collection, staging: staging, state: &state, rejects: &rejects)
                current = nil
            }
            if state == .burning {
                try store.transition(
                    collection: id, from: .burning, to: .verifying,
                    reason: "every disc was verified by an earlier run")
                state = .verifying
            }

            let count = discs.count
            let reason = count == 1 ? "disc 1 of 1 verified" : "all \(count) discs verified"
            try store.transition(collection: id, from: .verifying, to: .done, reason: reason)
            logger.notice("job done", fields.merging(["disc.count": String(count)]) { $1 })
        } catch let cancel as JobCancelled {
            logger.notice("job cancelled: \(cancel.message)", fields)
            _ = try? store.transition(
                collection: id, from: state, to: .failed, reason: JobCancelled.reason,
                failureReason: JobCancelled.reason)
            unloadAfterFailure(reason: JobCancelled.reason)
        } catch where driveWentAway(since: presenceMark) {
            handOver(id, from: state, discInProgress: current, error: error)
        } catch where control.withLock({ $0.stopRequested }) {
            logger.warning("job stopped with the daemon and is queued again: \(error)", fields)
            _ = try? store.transition(
                collection: id, from: state, to: .queued,
                reason: "the daemon stopped during the job; burning again at the next start")
            unloadAfterFailure(reason: "the daemon stopped during the job")
        } catch {
            logger.error("job failed: \(error)", fields)
            let reason = String(describing: error)
            _ = try? store.transition(
                collection: id, from: state, to: .failed, reason: reason, failureReason: reason)
            unloadAfterFailure(reason: reason)
        }
    }

    /// Writes one planned disc to a blank, reads it back and records it. On return the
    /// collection is `verifying` and the disc is ejected, or moved to the output bin when a
    /// changer loads the drive.
    /// - Parameter state: the collection's state, which this call moves to `verifying`
    ///   once the disc is written.
    /// - Throws: when the file-set cannot be built, the image does not fit the loaded
    ///   medium, the write fails or the read-back differs.
    private func burn(
        _ disc: PlannedDisc, of collection: CollectionRecord, staging: String,
        state: inout CollectionState, rejects: inout RejectCount
    ) throws {
        let id = collection.id
        let position = "disc \(disc.number) of \(disc.count)"
        let fields = [
            "job.id": String(id), "drive.name": drive.name, "disc.number": String(disc.number),
        ]
        let folder = try disc.folder ?? buildFileSet(disc, of: collection, staging: staging)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let volume = volumeID(id, disc: disc.number)
        let imageBytes = try drive.imageByteCount(directory: folder, volumeID: volume)
        if let changer {
            try burn(
                disc, folder: folder, imageBytes: imageBytes, with: changer,
                collection: collection, state: &state, rejects: &rejects)
            return
        }

        let media = try prepareBlank()
        guard applicationProfile(for: media) == disc.profile else {
            throw MediaCenterError(
                .mediaFailure,
                "wrong media type for \(position): the \(media.profile.rawValue) in "
                    + "\(drive.name) takes \(applicationProfile(for: media).rawValue), but the "
                    + "set was planned as \(disc.profile.rawValue); load media of the first "
                    + "disc's type and retry")
        }
        guard imageBytes <= media.capacityBytes else {
            throw MediaCenterError(
                .mediaFailure,
                "the image of \(position) is \(imageBytes) bytes but the medium in "
                    + "\(drive.name) has a capacity of \(media.capacityBytes) bytes; load "
                    + "media of the capacity the job was planned for (the first blank's) and "
                    + "retry")
        }

        try checkCancelRequest(id)
        var written = try drive.write(directory: folder, volumeID: volume)
        written.profile = disc.profile
        logger.info(
            "disc written, reading it back",
            fields.merging(["disc.bytes": String(written.bytesWritten)]) { $1 })
        try store.transition(
            collection: id, from: .burning, to: .verifying, reason: "\(position) written")
        state = .verifying

        let verification = try drive.verify(written)
        try store.addDisc(
            DiscRecord(
                number: disc.number, count: disc.count, path: written.location,
                bytes: written.bytesWritten, md5: written.md5, verified: verification.matches,
                drive: drive.name, profile: disc.profile.rawValue),
            instanceIDs: disc.instances.map(\.id), toCollection: id)
        try drive.eject()

        guard verification.matches else {
            throw MediaCenterError(
                .mediaFailure,
                "\(position) read back with MD5 \(verification.md5) instead of \(written.md5); "
                    + "the disc is unreliable, retry the job on a new blank")
        }
        logger.info("disc verified", fields)
    }

    /// Takes a written disc out of the drive after a failed job, so that the next job finds
    /// a blank. Through a changer the disc goes to the reject bin with a `REJECT` label.
    private func unloadAfterFailure(reason: String) {
        guard let changer else {
            try? drive.eject()
            return
        }
        guard let media = try? drive.inspectMedia(), media.status == .written else { return }
        try? changer.printLabel(.reject(reason: Self.labelReason(reason)), onDiscIn: drive.name)
        try? changer.moveDisc(from: drive.name, to: .reject)
    }

    /// Makes sure a blank disc is loaded. A rewritable disc that contains data is erased
    /// when `blankRewritable` is set, and fails the job naming that key when it is not.
    /// Another written disc left in the drive is ejected once, which on a virtual drive
    /// loads the next blank.
    /// - Returns: the blank medium.
    @discardableResult
    private func prepareBlank() throws -> MediaInfo {
        var media = try drive.inspectMedia()
        if media.status == .written, media.profile.isRewritable {
            guard configuration.blankRewritable else {
                throw MediaCenterError(.mediaFailure, rewritableNotErasedReason(media))
            }
            try eraseRewritable(media)
            media = try drive.inspectMedia()
        } else if media.status == .written {
            try drive.eject()
            media = try drive.inspectMedia()
        }
        guard media.status == .blank else {
            throw MediaCenterError(
                .mediaFailure,
                "drive \(drive.name) has no blank disc (found \(media.status.rawValue) "
                    + "\(media.profile.rawValue)); load a blank disc")
        }
        return media
    }

    /// Returns the application profile of a set whose first blank is `media`.
    func applicationProfile(for media: MediaInfo) -> ApplicationProfile {
        switch configuration.profileSelection {
        case .automatic: media.profile.applicationProfile
        case .fixed(let profile): profile
        }
    }

    /// Erases the rewritable disc `media` in the drive and logs it.
    func eraseRewritable(_ media: MediaInfo) throws {
        logger.info(
            "erasing a \(media.profile.rawValue) that contains data (blank_rewritable is on)",
            ["drive.name": drive.name])
        try drive.erase()
    }

    /// Returns the reason a rewritable disc that contains data is not used while
    /// `blankRewritable` is off, naming the configuration key that changes it.
    func rewritableNotErasedReason(_ media: MediaInfo) -> String {
        "the disc is not blank: the \(media.profile.rawValue) contains data and "
            + "blank_rewritable is off; set blank_rewritable = on to erase such discs, or load "
            + "a blank disc"
    }

    /// Fails the job before a blank is loaded when spool files of its instances are gone,
    /// so that no disc is burned without them.
    /// - Throws: `MediaCenterError` with `.notFound` naming the count and the first files.
    func checkSpoolFilesExist(_ instances: [StoredInstance]) throws {
        let missing = instances.map(\.spoolPath).filter {
            !FileManager.default.fileExists(atPath: $0)
        }
        guard !missing.isEmpty else { return }
        let shown = missing.prefix(5).joined(separator: ", ")
        let more = missing.count > 5 ? " and \(missing.count - 5) more" : ""
        throw MediaCenterError(
            .notFound,
            "\(missing.count) of the job's \(instances.count) spool files are missing: "
                + "\(shown)\(more); restore them and retry the job, or resend the studies")
    }

    /// Makes the ISO 9660 volume identifier of a disc from d-characters only, never from
    /// patient data.
    func volumeID(_ id: Int64, disc: Int) -> String {
        "MEDIACENTER_\(id)_\(disc)"
    }
}
