import DiscBurner
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import TestSupport
import Testing

/// Writes a file-set of plain files: README.TXT, one file of the stored size per instance,
/// named `Innnnnnn` in plan order, and a DICOMDIR that references them, so the virtual
/// drive's read-back check passes. The engine only needs a folder to burn.
struct PlainFileSets: FileSetMaking {
    func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64] {
        let text = "disc \(plan.discNumber) of \(plan.discCount), \(plan.instances.count) files\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/README.TXT"))
        for (offset, instance) in plan.instances.enumerated() {
            let name = String(format: "I%07d", offset + 1)
            let content = Data(count: Int(instance.size))
            try content.write(to: URL(fileURLWithPath: directory + "/" + name))
        }

        var records = [
            FixtureRecord(type: "PATIENT", lower: .record(1)),
            FixtureRecord(type: "STUDY", lower: .record(2)),
            FixtureRecord(type: "SERIES", lower: .record(3)),
        ]
        for offset in plan.instances.indices {
            let isLast = offset == plan.instances.count - 1
            records.append(
                FixtureRecord(
                    type: "IMAGE", fileID: [String(format: "I%07d", offset + 1)],
                    next: isLast ? nil : .record(records.count + 1)))
        }
        let dicomdir = Data(encodeDicomDir(records))
        try dicomdir.write(to: URL(fileURLWithPath: directory + "/DICOMDIR"))
        return plan.instances.map(\.size)
    }
}

/// A drive whose behaviour is planned by the test, standing in for hardware failures
/// that a virtual drive cannot show. It records what it was asked to do.
final class ScriptedDrive: DiscDrive {
    enum Plan: Sendable { case works, writeFails, verifyMismatches }

    let name = "scripted0"
    let plan: Plan
    let capacityBytes: Int64
    let calls = Mutex<[String]>([])
    /// The medium in the drive, which the first write or erase turns into a blank one.
    let medium = Mutex(MediaInfo(profile: .cdr, status: .blank, capacityBytes: 0))

    /// Makes a drive whose blank discs hold `capacityBytes`.
    /// Makes a drive whose blank discs hold `capacityBytes`, loaded with a disc of `media`
    /// that contains data when `written` is true.
    init(
        _ plan: Plan, capacityBytes: Int64 = 700 << 20, media: MediaProfile = .cdr,
        written: Bool = false
    ) {
        self.plan = plan
        self.capacityBytes = capacityBytes
        medium.withLock {
            $0 = MediaInfo(
                profile: media, status: written ? .written : .blank,
                capacityBytes: written ? 0 : capacityBytes)
        }
    }

    func inspectMedia() throws -> MediaInfo {
        calls.withLock { $0.append("inspect") }
        return medium.withLock { $0 }
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        calls.withLock { $0.append("write") }
        if plan == .writeFails {
            throw MediaCenterError(.mediaFailure, "planned write failure")
        }
        let bytes = try imageByteCount(directory: directory, volumeID: volumeID)
        guard bytes <= capacityBytes else {
            throw MediaCenterError(.mediaFailure, "image of \(bytes) bytes does not fit")
        }
        return DiscWriteResult(bytesWritten: bytes, md5: "aa", location: "/dev/null")
    }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        calls.withLock { $0.append("verify") }
        return DiscVerification(matches: plan != .verifyMismatches, md5: "bb")
    }

    /// Returns 16 sectors of overhead and the files of `directory` in whole sectors, about
    /// what an ISO 9660 image of a few files takes.
    func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        var bytes: Int64 = 16 * 2048
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let attributes = try FileManager.default.attributesOfItem(
                atPath: directory + "/" + name)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            bytes += (size + 2047) / 2048 * 2048
        }
        return bytes
    }

    func eject() throws {
        calls.withLock { $0.append("eject") }
    }

    func erase() throws {
        calls.withLock { $0.append("erase") }
        medium.withLock {
            $0 = MediaInfo(profile: $0.profile, status: .blank, capacityBytes: capacityBytes)
        }
    }
}

@Suite struct JobEngineTests {
    let folder: String
    let store: PatientStore

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("jobs")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    func receive(
        patientID: String, uid: String, series: String = "1.2.3", bytes: Int64 = 8,
        at date: Date = Date()
    ) throws -> Int64 {
        let path = folder + "/\(uid).dcm"
        try Data(count: Int(bytes)).write(to: URL(fileURLWithPath: path))
        return try store.record(
            IncomingInstance(
                spoolPath: path, size: bytes, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
                sopInstanceUID: uid, transferSyntaxUID: "1.2.840.10008.1.2.1",
                studyInstanceUID: "1.2", seriesInstanceUID: series,
                patientNameBytes: Array("DOE^J".utf8), patientName: "DOE^J",
                patientID: patientID, patientIDGenerated: false, callingAETitle: "TEST",
                receivedAt: date)
        ).collectionID
    }

    func engine(
        _ drive: any DiscDrive, timeout: TimeInterval = 600, blankRewritable: Bool = false
    ) -> JobEngine {
        JobEngine(
            store: store, drive: drive, fileSets: PlainFileSets(),
            configuration: JobEngineConfiguration(
                completionTimeout: timeout, stagingDirectory: folder + "/staging",
                blankRewritable: blankRewritable))
    }

    @Test func loadedRewritableDiscIsErased() async throws {
        let drive = ScriptedDrive(.works, media: .dvdPlusRW, written: true)
        let jobs = engine(drive, blankRewritable: true)
        let id = try receive(patientID: "P1", uid: "1.1")
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.discs.first?.profile == "STD-GEN-DVD-JPEG")
        let calls = drive.calls.withLock { $0 }
        #expect(calls.filter { $0 == "erase" }.count == 1)
        #expect(calls.firstIndex(of: "erase")! < calls.firstIndex(of: "write")!)
    }

    @Test func loadedRewritableDiscFailsJobWhenOff() async throws {
        let drive = ScriptedDrive(.works, media: .cdrw, written: true)
        let jobs = engine(drive)
        let id = try receive(patientID: "P1", uid: "1.1")
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .failed)
        #expect(record.failureReason?.contains("blank_rewritable is off") == true)
        #expect(!drive.calls.withLock { $0 }.contains("erase"))
    }

    func waitFor(_ id: Int64, _ states: Set<CollectionState>) async throws -> CollectionRecord {
        for _ in 0..<400 {
            if let record = try store.collection(id: id), states.contains(record.state) {
                return record
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MediaCenterError(.internalFailure, "collection \(id) never reached \(states)")
    }

    @Test func burnAllWritesVerifiedVirtualDisc() async throws {
        let drive = try VirtualDrive(
            name: "virtual0", folder: folder + "/discs", capacityBytes: 10 << 20)
        let jobs = engine(drive)
        let id = try receive(patientID: "P1", uid: "1.1")
        try jobs.start()
        defer { jobs.stop() }

        #expect(try jobs.finishAll() == [id])
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        #expect(record.discs.count == 1)
        #expect(record.discs.first?.verified == true)
        #expect(FileManager.default.fileExists(atPath: record.discs.first?.path ?? ""))
        let history = try store.transitions(ofCollection: id).map(\.to)
        #expect(history == [.receiving, .queued, .burning, .verifying, .done])
    }

    @Test func idlePatientFinishesAfterTimeout() async throws {
        let drive = ScriptedDrive(.works)
        let jobs = engine(drive, timeout: 1)
        let id = try receive(patientID: "P1", uid: "1.1", at: Date(timeIntervalSinceNow: -5))
        try jobs.start()
        defer { jobs.stop() }

        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done)
    }

    @Test func burnByPatientLeavesOthersReceiving() async throws {
        let jobs = engine(ScriptedDrive(.works))
        let first = try receive(patientID: "P1", uid: "1.1")
        let second = try receive(patientID: "P2", uid: "2.1")
        try jobs.start()
        defer { jobs.stop() }

        #expect(try jobs.finish(patientID: "P1") == [first])
        _ = try await waitFor(first, [.done])

        #expect(try store.collection(id: second)?.state == .receiving)
    }

    @Test func writeFailureFailsJobWithReason() async throws {
        let jobs = engine(ScriptedDrive(.writeFails))
        let id = try receive(patientID: "P1", uid: "1.1")
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .failed)
        #expect(record.failureReason?.contains("planned write failure") == true)
    }

    @Test func verifyMismatchFailsJobAndRecordsDisc() async throws {
        let jobs = engine(ScriptedDrive(.verifyMismatches))
        let id = try receive(patientID: "P1", uid: "1.1")
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .failed)
        #expect(record.discs.first?.verified == false)
        #expect(record.failureReason?.contains("read back") == true)
    }

    @Test func missingSpoolFileFailsJobBeforeWrite() async throws {
        let drive = ScriptedDrive(.works)
        let jobs = engine(drive)
        let id = try receive(patientID: "P1", uid: "1.1")
        _ = try receive(patientID: "P1", uid: "1.2")
        let missing = folder + "/1.2.dcm"
        unlink(missing)
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .failed)
        #expect(record.failureReason?.contains("1 of the job's 2 spool files") == true)
        #expect(record.failureReason?.contains(missing) == true)
        #expect(!drive.calls.withLock { $0 }.contains("write"))
    }

    @Test func updatedTimeoutFinishesIdlePatient() async throws {
        let jobs = engine(ScriptedDrive(.works), timeout: 600)
        let id = try receive(patientID: "P1", uid: "1.1", at: Date(timeIntervalSinceNow: -5))
        try jobs.start()
        defer { jobs.stop() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try store.collection(id: id)?.state == .receiving)

        jobs.updateConfiguration { $0.completionTimeout = 1 }
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done)
    }

    @Test func interruptedJobIsQueuedAgainAtStart() async throws {
        let id = try receive(patientID: "P1", uid: "1.1")
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "test")
        try store.transition(collection: id, from: .queued, to: .burning, reason: "test")
        let jobs = engine(ScriptedDrive(.works))

        try jobs.start()
        defer { jobs.stop() }
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        let reasons = try store.transitions(ofCollection: id).map(\.reason)
        #expect(reasons.contains { $0.contains("stopped while the job was burning") })
    }

    // The spanning tests use the scripted drive, because a virtual drive in use makes a
    // libburn drive scan of another test in this process fail.
    @Test func largeCollectionSpansVerifiedDiscs() async throws {
        let drive = ScriptedDrive(.works, capacityBytes: 400 << 10)
        let jobs = engine(drive)
        var id: Int64 = 0
        for index in 1...6 {
            let series = index <= 3 ? "1.2.3" : "1.2.4"
            id = try receive(patientID: "P1", uid: "1.\(index)", series: series, bytes: 100 << 10)
        }
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.discs.map(\.number) == [1, 2])
        #expect(record.discs.allSatisfy { $0.count == 2 })
        #expect(record.discs.allSatisfy { $0.verified })
        #expect(record.discs.allSatisfy { $0.bytes <= 400 << 10 })
        #expect(drive.calls.withLock { $0.filter { $0 == "write" }.count } == 2)
        let history = try store.transitions(ofCollection: id).map(\.to)
        #expect(
            history == [.receiving, .queued, .burning, .verifying, .burning, .verifying, .done])
    }

    @Test func instanceLargerThanDiscFailsJob() async throws {
        let drive = ScriptedDrive(.works, capacityBytes: 300 << 10)
        let jobs = engine(drive)
        _ = try receive(patientID: "P1", uid: "1.1", bytes: 10 << 10)
        let id = try receive(patientID: "P1", uid: "1.2", bytes: 400 << 10)
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let record = try await waitFor(id, [.done, .failed])

        #expect(record.state == .failed)
        #expect(record.failureReason?.contains("instance 1.2 is 409600 bytes") == true)
        #expect(record.failureReason?.contains("a capacity of 307200 bytes") == true)
        #expect(record.discs.isEmpty)
    }
}
