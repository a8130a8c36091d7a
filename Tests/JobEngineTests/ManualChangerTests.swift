import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import Testing

/// A drive that an operator loads by hand: empty until the test puts a disc in, and empty
/// again after each eject.
final class HandLoadedDrive: DiscDrive {
    let name = "tray0"
    private let loaded = Mutex<DiscStatus>(.empty)

    /// Puts a disc of `status` into the drive, as an operator who closes the tray.
    func insert(_ status: DiscStatus) {
        loaded.withLock { $0 = status }
    }

    var status: DiscStatus { loaded.withLock { $0 } }

    func inspectMedia() throws -> MediaInfo {
        let status = self.status
        return MediaInfo(
            profile: status == .empty ? .unknown : .cdr, status: status,
            capacityBytes: status == .blank ? 700 << 20 : 0)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        loaded.withLock { $0 = .written }
        return DiscWriteResult(bytesWritten: 2048, md5: "aa", location: "/dev/null")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 { 2048 }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        DiscVerification(matches: true, md5: written.md5)
    }

    func erase() throws {
        loaded.withLock { $0 = .blank }
    }

    func eject() throws {
        loaded.withLock { $0 = .empty }
    }
}

@Suite struct ManualChangerTests {
    let fixture: JobEngineTests
    let drive = HandLoadedDrive()
    let changer: ManualChanger

    init() throws {
        fixture = try JobEngineTests()
        changer = try ManualChanger(name: "manual0", drives: [drive], pollInterval: 0.01)
    }

    func engine() -> JobEngine {
        JobEngine(
            store: fixture.store, drive: drive, changer: changer, fileSets: PlainFileSets(),
            configuration: JobEngineConfiguration(
                completionTimeout: 600, stagingDirectory: fixture.folder + "/staging"))
    }

    /// Waits until the changer reports that `drive` needs a disc.
    func waitForMediaRequest() async throws {
        for _ in 0..<400 where changer.drivesWaitingForMedia != ["tray0"] {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(changer.drivesWaitingForMedia == ["tray0"])
    }

    @Test func jobWaitsForOperatorDisc() async throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1")
        let jobs = engine()
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        try await waitForMediaRequest()
        drive.insert(.blank)
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        #expect(drive.status == .empty)
        #expect(changer.drivesWaitingForMedia == [])
    }

    @Test func writtenDiscIsEjectedAsReject() async throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1")
        let jobs = engine()
        try jobs.start()
        defer { jobs.stop() }

        drive.insert(.written)
        try jobs.finishAll()
        try await waitForMediaRequest()
        drive.insert(.blank)
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        #expect(record.rejects.count == 1)
        #expect(record.rejects.first?.reason.contains("not blank") == true)
    }

    @Test func stopWhileWaitingQueuesJobAgain() async throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1")
        let jobs = engine()
        try jobs.start()

        try jobs.finishAll()
        try await waitForMediaRequest()
        jobs.stop()

        let record = try #require(try fixture.store.collection(id: id))
        #expect(record.state == .queued)
        let reasons = try fixture.store.transitions(ofCollection: id).map(\.reason)
        #expect(reasons.last?.contains("daemon stopped during the job") == true)
    }

    @Test func unknownDriveIsError() throws {
        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "tray9")
        }

        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("tray0") == true)
    }
}
