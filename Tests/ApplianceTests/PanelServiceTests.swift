import Appliance
import Foundation
import FrontPanel
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import TestSupport
import Testing

/// A drive that reports the media status the test sets and records its ejects. The panel
/// only inspects and ejects, so writing is never reached.
final class PanelTestDrive: DiscDrive {
    let name = "panel0"
    let status = Mutex(DiscStatus.blank)
    let ejects = Mutex(0)

    func inspectMedia() throws -> MediaInfo {
        MediaInfo(profile: .cdr, status: status.withLock { $0 }, capacityBytes: 700 << 20)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        throw MediaCenterError(.unsupported, "the panel test drive does not write")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 { 0 }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        throw MediaCenterError(.unsupported, "the panel test drive does not verify")
    }

    func erase() throws {}

    func eject() throws {
        ejects.withLock { $0 += 1 }
    }
}

/// The daemon's panel over a real store, with the job engine left stopped so that the
/// tests move collections between states themselves.
@Suite struct PanelServiceTests {
    let folder: String
    let store: PatientStore
    let engine: JobQueue
    let drive = PanelTestDrive()

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("panel")
        store = try PatientStore(path: folder + "/mediacenter.db")
        engine = JobQueue(
            store: store,
            engines: [
                JobEngine(
                    store: store, drive: drive, fileSets: NoFileSets(),
                    configuration: JobEngineConfiguration(
                        completionTimeout: 600, stagingDirectory: folder + "/staging"))
            ])
    }

    func service(drives: [any DiscDrive]? = nil) -> PanelService {
        let drives = drives ?? [drive]
        return PanelService(
            hardware: SimulatedPanel(), store: store, engine: engine, drives: { drives },
            stateFile: folder + "/panel.json")
    }

    func receive(uid: String) throws -> Int64 {
        let path = folder + "/\(uid).dcm"
        try Data(count: 8).write(to: URL(fileURLWithPath: path))
        return try store.record(
            IncomingInstance(
                spoolPath: path, size: 8, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
                sopInstanceUID: uid, transferSyntaxUID: "1.2.840.10008.1.2.1",
                studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3",
                patientNameBytes: Array("DOE^J".utf8), patientName: "DOE^J",
                patientID: "P1", patientIDGenerated: false, callingAETitle: "TEST",
                receivedAt: Date())
        ).collectionID
    }

    /// Moves a received collection through queued and burning to failed at `date`.
    func fail(_ id: Int64, at date: Date = Date()) throws {
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "test")
        try store.transition(collection: id, from: .queued, to: .burning, reason: "test")
        try store.transition(
            collection: id, from: .burning, to: .failed, reason: "test",
            failureReason: "planned failure", at: date)
    }

    @Test func idleStoreShowsReady() throws {
        let snapshot = try service().refresh()

        #expect(snapshot.status == ApplianceStatus(.idle))
        #expect(snapshot.lights == PanelLights(ready: .on))
        #expect(snapshot.backend == "simulated")
    }

    @Test func newServiceShowsStarting() {
        #expect(service().panel.lights == PanelLights(ready: .blinking))
    }

    @Test func noDriveShowsError() throws {
        let snapshot = try service(drives: []).refresh()

        #expect(snapshot.status.activity == .noDrive)
        #expect(snapshot.lights.error == .on)
    }

    @Test func burnPressQueuesReceivingPatient() throws {
        let panel = service()
        let id = try receive(uid: "1.1")
        let before = try panel.refresh()

        let outcome = panel.press(ButtonPress(.burn))
        let after = try panel.refresh()

        #expect(before.status.activity == .receiving)
        #expect(outcome.done)
        #expect(outcome.message == "queued jobs \(id)")
        #expect(try store.collection(id: id)?.state == .queued)
        #expect(after.status.activity == .queued)
        #expect(after.lights.busy == .blinking)
    }

    @Test func burningJobBlocksEject() throws {
        let panel = service()
        let id = try receive(uid: "1.1")
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "test")
        try store.transition(collection: id, from: .queued, to: .burning, reason: "test")

        let snapshot = try panel.refresh()
        let outcome = panel.press(ButtonPress(.eject))

        #expect(snapshot.status.activity == .burning)
        #expect(snapshot.lights.busy == .on)
        #expect(!outcome.done)
        #expect(outcome.message.contains("in use by job \(id)"))
        #expect(drive.ejects.withLock { $0 } == 0)
    }

    @Test func idleEjectEjectsDrive() {
        let outcome = service().press(ButtonPress(.eject))

        #expect(outcome.done)
        #expect(outcome.message == "ejected panel0")
        #expect(drive.ejects.withLock { $0 } == 1)
    }

    @Test func emptyDriveShowsMediaNeeded() throws {
        drive.status.withLock { $0 = .empty }

        let snapshot = try service().refresh()

        #expect(snapshot.status.activity == .mediaNeeded)
        #expect(snapshot.lights.mediaNeeded == .on)
    }

    @Test func jobWaitingForOperatorShowsMediaNeeded() throws {
        let id = try receive(uid: "1.1")
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "test")
        try store.transition(collection: id, from: .queued, to: .burning, reason: "test")
        let panel = PanelService(
            hardware: SimulatedPanel(), store: store, engine: engine,
            drives: { [drive = self.drive] in [drive] }, drivesWaitingForMedia: { ["panel0"] },
            stateFile: folder + "/panel.json")

        let snapshot = try panel.refresh()

        #expect(snapshot.status.activity == .mediaNeeded)
        #expect(snapshot.lights.mediaNeeded == .on)
    }

    @Test func failedJobBlinksUntilLongCancel() throws {
        let panel = service()
        try fail(try receive(uid: "1.1"))

        let failed = try panel.refresh()
        let short = panel.press(ButtonPress(.cancel))
        let long = panel.press(ButtonPress(.cancel, long: true))
        let acknowledged = try panel.refresh()
        let again = panel.press(ButtonPress(.cancel, long: true))

        #expect(failed.status.errorUnacknowledged)
        #expect(failed.lights.error == .blinking)
        #expect(!short.done)
        #expect(short.message.contains("not available yet"))
        #expect(long.done)
        #expect(long.message.hasPrefix("acknowledged 1 failed job;"))
        #expect(!acknowledged.status.errorUnacknowledged)
        #expect(acknowledged.lights.error == .off)
        #expect(again.message == "there is no failure to acknowledge")
    }

    @Test func acknowledgementSurvivesRestart() throws {
        try fail(try receive(uid: "1.1"))
        _ = service().press(ButtonPress(.cancel, long: true))

        let restarted = try service().refresh()

        #expect(!restarted.status.errorUnacknowledged)
    }

    @Test func retriedJobFailingAgainLightsError() throws {
        let panel = service()
        let id = try receive(uid: "1.1")
        try fail(id, at: Date(timeIntervalSinceNow: -10))
        _ = panel.press(ButtonPress(.cancel, long: true))

        try store.transition(collection: id, from: .failed, to: .queued, reason: "retry")
        try store.transition(collection: id, from: .queued, to: .burning, reason: "test")
        try store.transition(
            collection: id, from: .burning, to: .failed, reason: "test",
            failureReason: "planned failure")

        #expect(try panel.refresh().status.errorUnacknowledged)
    }

    @Test func gpioWithoutBoardRejected() {
        var configuration = Configuration()
        configuration.panel = .gpio

        #expect(throws: MediaCenterError.self) {
            _ = try PanelService.openHardware(configuration, logger: Logger(label: "test"))
        }
    }

    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/dev/gpiochip0"),
            "this machine has gpiochip0, so the board would open"))
    func missingChipFallsBackOrStops() throws {
        let board = folder + "/board.conf"
        let text = BoardAssignment.allCases.enumerated().map { index, assignment in
            "\(assignment.name) gpiochip0 \(index)"
        }.joined(separator: "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: board))
        var configuration = Configuration()
        configuration.panel = .gpio
        configuration.panelBoard = board

        let fallback = try PanelService.openHardware(configuration, logger: Logger(label: "test"))
        configuration.panelFallback = .none
        var stopError: MediaCenterError?
        do {
            _ = try PanelService.openHardware(configuration, logger: Logger(label: "test"))
        } catch let error as MediaCenterError {
            stopError = error
        }

        #expect(fallback.backendName == "simulated")
        #expect(stopError?.code == .notFound)
        #expect(stopError?.message.hasPrefix("GPIO chip not found: gpiochip0") == true)
    }
}

/// A file-set maker for an engine that never runs a job.
struct NoFileSets: FileSetMaking {
    func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64] {
        throw MediaCenterError(.unsupported, "the panel tests run no job")
    }
}
