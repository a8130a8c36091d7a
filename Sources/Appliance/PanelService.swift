import Foundation
import FrontPanel
import GpioPanel
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization

/// The front panel of the running daemon: its LEDs follow the patient store and the drives,
/// and its buttons act on the job engine. The console's `panel` and `press` commands use
/// the same state and the same actions.
public final class PanelService: Sendable {
    /// The panel with its LEDs and button debouncing.
    public let panel: FrontPanel
    private let store: PatientStore
    private let engine: JobQueue
    /// The drives the engine burns on now.
    private let drives: @Sendable () -> [any DiscDrive]
    /// The names of the drives whose job waits for an operator to load a disc.
    private let drivesWaitingForMedia: @Sendable () -> [String]
    /// Whether a drive has no disc it can write, or nil to inspect each drive's medium.
    private let mediaMissing: (@Sendable () -> Bool)?
    private let acknowledgements: FailureAcknowledgements
    private let logger: Logger
    /// How often the LEDs are brought up to date with the store.
    private let refreshInterval: Duration

    private struct Control {
        var running = false
        var stopRequested = false
        /// Refresh failures in a row, so that a broken database is logged once and then
        /// every 100 refreshes.
        var failures = 0
        /// Whether `walkLEDs` owns the LEDs, so that refreshes leave them alone.
        var walking = false
    }

    private let control = Mutex(Control())
    private let wakeup = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes the service with the panel showing `starting`.
    /// - Parameters:
    ///   - drives: the drives the engine burns on; none shows `no-drive`.
    ///   - drivesWaitingForMedia: the names of the drives whose job waits for an operator
    ///     to load a disc, as a manual changer reports them.
    ///   - mediaMissing: whether a drive has no disc it can write, for drives whose
    ///     medium udev reports, so that the panel never grabs a real drive to look.
    ///   - stateFile: the file that keeps which failures were acknowledged across restarts.
    public init(
        hardware: any PanelHardware, store: PatientStore, engine: JobQueue,
        drives: @escaping @Sendable () -> [any DiscDrive],
        drivesWaitingForMedia: @escaping @Sendable () -> [String] = { [] },
        mediaMissing: (@Sendable () -> Bool)? = nil, stateFile: String,
        clock: any PanelClock = SystemPanelClock(),
        timing: PanelTiming = PanelTiming(), refreshInterval: Duration = .milliseconds(500),
        logger: Logger = Logger(label: "panel")
    ) {
        panel = FrontPanel(hardware: hardware, clock: clock, timing: timing, logger: logger)
        self.store = store
        self.engine = engine
        self.drives = drives
        self.drivesWaitingForMedia = drivesWaitingForMedia
        self.mediaMissing = mediaMissing
        acknowledgements = FailureAcknowledgements(path: stateFile, logger: logger)
        self.refreshInterval = refreshInterval
        self.logger = logger
        panel.show(PanelLights(for: ApplianceStatus(.starting)))
    }

    /// Opens the panel hardware that `configuration` selects. When `panel = gpio` cannot
    /// open a chip or a line, `panel_fallback = simulated` logs a warning and returns the
    /// simulated panel.
    /// - Throws: `MediaCenterError` for a missing or invalid board file, and for a chip or
    ///   line that cannot be opened with `panel_fallback = none`.
    public static func openHardware(
        _ configuration: Configuration, logger: Logger
    ) throws -> any PanelHardware {
        guard configuration.panel == .gpio else { return SimulatedPanel() }
        guard !configuration.panelBoard.isEmpty else {
            throw MediaCenterError(
                .invalidConfiguration,
                "panel = gpio needs a board file; set panel_board (--panel-board) to one of "
                    + "the files in board/, or set panel = simulated")
        }

        let board = try BoardFile.load(path: configuration.panelBoard)
        do {
            let hardware = try GpioPanel(board: board)
            logger.notice("front panel on GPIO", ["panel.board": board.path])
            return hardware
        } catch let error as MediaCenterError where error.code != .invalidConfiguration {
            guard configuration.panelFallback == .simulated else { throw error }
            logger.warning(
                "\(error); using the simulated front panel instead (panel_fallback = "
                    + "simulated), so only mediacenterctl panel and press reach it",
                ["panel.board": board.path])
            return SimulatedPanel()
        }
    }

    /// Starts the panel's thread and the thread that keeps its LEDs up to date.
    public func start() {
        let alreadyRunning = control.withLock { control in
            defer { control.running = true }
            return control.running
        }
        guard !alreadyRunning else { return }

        panel.start { [self] press in
            let outcome = handle(press)
            logger.notice(
                "panel button \(press): \(outcome.message)", ["panel.button": press.button.name])
        }
        let thread = Thread { [self] in
            let (seconds, attoseconds) = refreshInterval.components
            let pause = Double(seconds) + Double(attoseconds) / 1e18
            while !control.withLock({ $0.stopRequested }) {
                _ = wakeup.wait(timeout: .now() + pause)
                guard !control.withLock({ $0.stopRequested }) else { break }
                refreshQuietly()
            }
            stopped.signal()
        }
        thread.name = "panel-status"
        thread.start()
    }

    /// Stops both threads, turns the LEDs off and releases the panel hardware.
    public func stop() {
        let wasRunning = control.withLock { control in
            control.stopRequested = true
            return control.running
        }
        wakeup.signal()
        if wasRunning { stopped.wait() }
        panel.stop()
    }

    /// Reads the appliance's state now, shows it on the LEDs and returns it.
    @discardableResult
    public func refresh() throws -> PanelSnapshot {
        let status = try readStatus()
        let lights = PanelLights(for: status)
        panel.show(lights)
        return PanelSnapshot(status: status, lights: lights, backend: panel.hardware.backendName)
    }

    /// Presses `press.button` as if on the panel, for the console, and returns what it did.
    public func press(_ press: ButtonPress) -> PressOutcome {
        let outcome = handle(press)
        logger.notice(
            "panel button \(press) pressed on the console: \(outcome.message)",
            ["panel.button": press.button.name])
        return outcome
    }

    /// Lights each LED alone for `step`, in panel order, for a self-test that a person
    /// watches, then shows the appliance's state again.
    /// - Returns: each LED and whether the panel showed it alone once the step ended.
    public func walkLEDs(step: Duration = .milliseconds(300)) -> [(led: PanelLED, shown: Bool)] {
        control.withLock { $0.walking = true }
        var results: [(led: PanelLED, shown: Bool)] = []
        for led in PanelLED.allCases {
            let alone = PanelLights(
                ready: led == .ready ? .on : .off, busy: led == .busy ? .on : .off,
                error: led == .error ? .on : .off, mediaNeeded: led == .mediaNeeded ? .on : .off)
            panel.show(alone)
            let (seconds, attoseconds) = step.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            results.append((led, panel.lights == alone))
        }
        control.withLock { $0.walking = false }
        refreshQuietly()
        return results
    }

    // MARK: - Buttons

    /// Carries out a press, then brings the LEDs up to date.
    private func handle(_ press: ButtonPress) -> PressOutcome {
        let outcome: PressOutcome
        do {
            switch press.button {
            case .burn:
                outcome = try burn()
            case .eject:
                outcome = try eject()
            case .cancel:
                outcome = press.long ? try acknowledgeFailures() : cancelNotAvailable
            }
        } catch {
            logger.error("panel button \(press) failed: \(error)")
            outcome = PressOutcome(done: false, message: "\(press.button.name) failed: \(error)")
        }
        refreshQuietly()
        return outcome
    }

    /// Finishes every receiving collection, as `mediacenterctl burn --all` does.
    private func burn() throws -> PressOutcome {
        let queued = try engine.finishAll()
        guard !queued.isEmpty else {
            return PressOutcome(
                done: true, message: "no patient is receiving, so nothing was queued")
        }
        return PressOutcome(
            done: true, message: "queued jobs " + queued.map(String.init).joined(separator: ", "))
    }

    /// Ejects the disc of every drive, but only while no job is queued or running.
    private func eject() throws -> PressOutcome {
        let busy = try activeJobIDs()
        guard busy.isEmpty else {
            let jobs = busy.map(String.init).joined(separator: ", ")
            return PressOutcome(
                done: false,
                message: "the drive is in use by job \(jobs); press eject again once it is done")
        }
        let drives = self.drives()
        guard !drives.isEmpty else {
            return PressOutcome(done: false, message: "there is no drive to eject")
        }
        // NOTE: a job queued between the check above and the eject finds the drive opened.
        // The virtual drive rejects an eject while it writes. A real drive's job that then
        // finds no blank fails with a reason and can be retried.
        for drive in drives { try drive.eject() }
        return PressOutcome(
            done: true, message: "ejected " + drives.map(\.name).joined(separator: ", "))
    }

    private func acknowledgeFailures() throws -> PressOutcome {
        let count = try acknowledgements.acknowledge(try failedJobs())
        guard count > 0 else {
            return PressOutcome(done: true, message: "there is no failure to acknowledge")
        }
        return PressOutcome(
            done: true,
            message: "acknowledged \(count) failed job\(count == 1 ? "" : "s"); the error LED "
                + "is off until the next failure")
    }

    private var cancelNotAvailable: PressOutcome {
        PressOutcome(
            done: false,
            message: "cancelling a running job is not available yet; hold cancel (or use "
                + "mediacenterctl press cancel --long) to acknowledge a failed job")
    }

    // MARK: - Status

    /// Derives the panel's status from the store and the drives.
    private func readStatus() throws -> ApplianceStatus {
        let unacknowledged = acknowledgements.hasUnacknowledged(try failedJobs())
        guard !drives().isEmpty else {
            return ApplianceStatus(.noDrive, errorUnacknowledged: unacknowledged)
        }

        let activity: ApplianceActivity
        if !drivesWaitingForMedia().isEmpty {
            activity = .mediaNeeded
        } else if try !(store.collectionIDs(in: .burning) + store.collectionIDs(in: .verifying))
            .isEmpty
        {
            activity = .burning
        } else if needsMedia() {
            activity = .mediaNeeded
        } else if try !store.collectionIDs(in: .queued).isEmpty {
            activity = .queued
        } else if try !store.collectionIDs(in: .receiving).isEmpty {
            activity = .receiving
        } else {
            activity = .idle
        }
        return ApplianceStatus(activity, errorUnacknowledged: unacknowledged)
    }

    /// Returns whether a drive reports no disc or one it cannot write. It is called only
    /// while no job burns, so the drive is not inspected in the middle of a write.
    /// NOTE: a drive whose inspection fails counts as needing media, and a job that starts
    /// during the inspection is not waited for.
    private func needsMedia() -> Bool {
        if let mediaMissing { return mediaMissing() }
        return drives().contains { drive in
            guard let media = try? drive.inspectMedia() else { return true }
            return media.status == .empty || media.status == .unsuitable
        }
    }

    private func activeJobIDs() throws -> [Int64] {
        try [CollectionState.queued, .burning, .verifying].flatMap {
            try store.collectionIDs(in: $0)
        }
    }

    /// Returns the failed collections and when each last changed. The time distinguishes a
    /// new failure of a retried job from the failure acknowledged before.
    private func failedJobs() throws -> [Int64: Double] {
        var failed: [Int64: Double] = [:]
        for id in try store.collectionIDs(in: .failed) {
            if let record = try store.collection(id: id) {
                failed[id] = record.updatedAt.timeIntervalSince1970
            }
        }
        return failed
    }

    private func refreshQuietly() {
        guard !control.withLock({ $0.walking }) else { return }
        do {
            try refresh()
            control.withLock { $0.failures = 0 }
        } catch {
            let failures = control.withLock { control in
                control.failures += 1
                return control.failures
            }
            if failures == 1 || failures.isMultiple(of: 100) {
                logger.error(
                    "the front panel cannot read the appliance's state (\(failures) times in a "
                        + "row), so its LEDs are not up to date: \(error)")
            }
        }
    }
}

/// The panel's state at one moment, as the console shows it.
public struct PanelSnapshot: Sendable, Equatable {
    public var status: ApplianceStatus
    public var lights: PanelLights
    /// The hardware backend, `simulated` or `gpio`.
    public var backend: String
}

/// The result of a press, as the console reports it.
public struct PressOutcome: Sendable, Equatable {
    /// Whether the press did what the button is for; false when it was refused.
    public var done: Bool
    /// One sentence on what happened, or why nothing did.
    public var message: String
}

/// The failed jobs the operator acknowledged with a long press of cancel, kept in a small
/// JSON file so that a restart does not light the error LED again for them.
final class FailureAcknowledgements: Sendable {
    private let path: String
    private let logger: Logger
    /// The acknowledged jobs and the time each had last changed when it was acknowledged.
    private let acknowledged: Mutex<[Int64: Double]>

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
        var loaded: [Int64: Double] = [:]
        if let data = FileManager.default.contents(atPath: path) {
            if let file = try? JSONDecoder().decode(StateFile.self, from: data) {
                for (key, time) in file.acknowledgedFailures {
                    if let id = Int64(key) { loaded[id] = time }
                }
            } else {
                logger.warning(
                    "\(path) cannot be read as the panel's state, so earlier failures light "
                        + "the error LED again; hold cancel to acknowledge them")
            }
        }
        acknowledged = Mutex(loaded)
    }

    /// Returns whether a job in `failed` was not acknowledged as it is now.
    func hasUnacknowledged(_ failed: [Int64: Double]) -> Bool {
        acknowledged.withLock { acknowledged in
            failed.contains { acknowledged[$0.key] != $0.value }
        }
    }

    /// Acknowledges every job in `failed` and saves the list.
    /// - Returns: how many of them were not acknowledged before.
    func acknowledge(_ failed: [Int64: Double]) throws -> Int {
        try acknowledged.withLock { acknowledged in
            let count = failed.filter { acknowledged[$0.key] != $0.value }.count
            guard count > 0 else { return 0 }
            let file = StateFile(
                acknowledgedFailures: Dictionary(
                    uniqueKeysWithValues: failed.map { (String($0.key), $0.value) }))
            let data = try JSONEncoder().encode(file)
            do {
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw MediaCenterError(
                    .ioFailure, "cannot save the acknowledged failures to \(path)",
                    cause: error.localizedDescription)
            }
            acknowledged = failed
            return count
        }
    }

    private struct StateFile: Codable {
        /// Collection IDs as text, each with its last change in seconds since 1970.
        var acknowledgedFailures: [String: Double]
    }
}
