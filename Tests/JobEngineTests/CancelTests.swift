import Dispatch
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import Testing

/// A drive whose first write waits until the test opens the gate, so that a cancel
/// request arrives while a disc is being written.
final class CancelGateDrive: DiscDrive {
    let name = "gated0"
    let inner = FailingDrive(name: "gated0")
    /// Set when the first write begins.
    let writing = Atomic(false)
    /// Opened by the test to let the first write finish.
    let gate = DispatchSemaphore(value: 0)
    let ejects = Mutex(0)

    func inspectMedia() throws -> MediaInfo { try inner.inspectMedia() }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        if inner.writeCount == 0 {
            writing.store(true, ordering: .releasing)
            gate.wait()
        }
        return try inner.write(directory: directory, volumeID: volumeID)
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try inner.imageByteCount(directory: directory, volumeID: volumeID)
    }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        try inner.verify(written)
    }

    func erase() throws { try inner.erase() }

    func eject() throws { ejects.withLock { $0 += 1 } }
}

@Suite struct CancelTests {
    let fixture: JobEngineTests

    init() throws {
        fixture = try JobEngineTests()
    }

    func engine(_ drive: any DiscDrive) -> JobEngine {
        JobEngine(
            store: fixture.store, drive: drive, fileSets: PlainFileSets(),
            configuration: JobEngineConfiguration(
                completionTimeout: 600, stagingDirectory: fixture.folder + "/staging"))
    }

    @Test func queuedJobFailsAtOnce() throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1", bytes: 1024)
        let queue = JobQueue(store: fixture.store, engines: [engine(FailingDrive(name: "drive0"))])
        try queue.finishAll()

        let outcome = try queue.cancel(job: id)

        #expect(outcome == .cancelledWhileQueued)
        let record = try #require(try fixture.store.collection(id: id))
        #expect(record.state == .failed)
        #expect(record.failureReason == "cancelled from the console")
        let reasons = try fixture.store.transitions(ofCollection: id).map(\.reason)
        #expect(reasons.last == "cancelled from the console")
    }

    @Test func receivingJobIsNotCancellable() throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1", bytes: 1024)
        let queue = JobQueue(store: fixture.store, engines: [engine(FailingDrive(name: "drive0"))])

        #expect(try queue.cancel(job: id) == .notCancellable(state: .receiving))
        #expect(try queue.cancel(job: 999) == .notFound)
    }

    @Test func burningJobStopsBeforeNextDisc() async throws {
        // Six 100 KB instances in two series span two 400 KB discs.
        var id: Int64 = 0
        for index in 1...6 {
            id = try fixture.receive(
                patientID: "P1", uid: "1.\(index)", series: index <= 3 ? "1.2.3" : "1.2.4",
                bytes: 100 << 10)
        }
        let drive = CancelGateDrive()
        let jobs = engine(drive)
        let queue = JobQueue(store: fixture.store, engines: [jobs])
        try queue.start()
        defer { queue.stop() }
        try queue.finishAll()
        // Polled rather than waited for, so that no thread of the test pool blocks.
        while !drive.writing.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(10))
        }

        let outcome = try queue.cancel(job: id)
        drive.gate.signal()
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(outcome == .stopping(drive: "gated0"))
        #expect(record.state == .failed)
        #expect(record.failureReason == "cancelled from the console")
        #expect(record.discs.map(\.number) == [1])
        #expect(record.discs.filter(\.verified).count == 1)
        #expect(record.rejects.isEmpty)
        #expect(drive.inner.writeCount == 1)
        #expect(jobs.currentJob == nil)
    }

    @Test func idleDriveIsHeldForConsole() throws {
        let jobs = engine(FailingDrive(name: "drive0"))

        let inside = jobs.whileIdle { jobs.whileIdle { 1 } }

        #expect(inside == .some(nil))
    }
}
