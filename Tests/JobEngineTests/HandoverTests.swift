import Foundation
@testable import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import Testing

/// The attached drives, as a test sets them. Each attach starts a new appearance.
final class AttachedDrives: DrivePresence {
    private let appearances = Mutex<(attached: [String: UInt64], next: UInt64)>(([:], 1))

    init(_ names: Set<String>) {
        for name in names { attach(name) }
    }

    func attach(_ name: String) {
        appearances.withLock { state in
            state.attached[name] = state.next
            state.next += 1
        }
    }

    func detach(_ name: String) {
        appearances.withLock { _ = $0.attached.removeValue(forKey: name) }
    }

    func isPresent(_ driveName: String) -> Bool {
        appearances.withLock { $0.attached[driveName] != nil }
    }

    func markPresence(ofDrive driveName: String) -> DrivePresenceMark? {
        appearances.withLock { state in
            state.attached[driveName].map {
                DrivePresenceMark(driveName: driveName, generation: $0)
            }
        }
    }

    func hasDriveGone(since mark: DrivePresenceMark) -> Bool {
        appearances.withLock { $0.attached[mark.driveName] != mark.generation }
    }
}

/// A drive whose writes fail from a given write on, optionally by going away.
final class FailingDrive: DiscDrive {
    let name: String
    let failingWrite: Int
    let presence: AttachedDrives?
    let replacement: String?
    let writes = Mutex(0)

    /// Makes a drive whose write number `failingWrite` (from 1) and later ones fail. With
    /// `presence`, the drive detaches itself there, as a drive pulled out mid-burn, and
    /// the drive named `replacement` is attached in its place.
    init(
        name: String, failingWrite: Int = .max, presence: AttachedDrives? = nil,
        replacement: String? = nil
    ) {
        self.name = name
        self.failingWrite = failingWrite
        self.presence = presence
        self.replacement = replacement
    }

    var writeCount: Int { writes.withLock { $0 } }

    func inspectMedia() throws -> MediaInfo {
        MediaInfo(profile: .cdr, status: .blank, capacityBytes: 400 << 10)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        let number = writes.withLock { count in
            count += 1
            return count
        }
        if number >= failingWrite {
            presence?.detach(name)
            if let replacement { presence?.attach(replacement) }
            throw MediaCenterError(.mediaFailure, "planned failure of write \(number)")
        }
        let bytes = try ScriptedDrive(.works).imageByteCount(
            directory: directory, volumeID: volumeID)
        return DiscWriteResult(bytesWritten: bytes, md5: "aa", location: "/dev/null")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try ScriptedDrive(.works).imageByteCount(directory: directory, volumeID: volumeID)
    }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        DiscVerification(matches: true, md5: written.md5)
    }

    func erase() throws {
        throw MediaCenterError(.mediaFailure, "not a rewritable medium")
    }

    func eject() throws {}
}

@Suite struct HandoverTests {
    let fixture: JobEngineTests

    init() throws {
        fixture = try JobEngineTests()
    }

    /// Records six 100 KB instances in two series, which span two 400 KB discs.
    func receiveTwoDiscPatient() throws -> Int64 {
        var id: Int64 = 0
        for index in 1...6 {
            let series = index <= 3 ? "1.2.3" : "1.2.4"
            id = try fixture.receive(
                patientID: "P1", uid: "1.\(index)", series: series, bytes: 100 << 10)
        }
        return id
    }

    func engine(_ drive: any DiscDrive, presence: AttachedDrives? = nil) -> JobEngine {
        JobEngine(
            store: fixture.store, drive: drive, fileSets: PlainFileSets(), presence: presence,
            configuration: JobEngineConfiguration(
                completionTimeout: 600, stagingDirectory: fixture.folder + "/staging"))
    }

    @Test func retryKeepsVerifiedDiscs() async throws {
        let id = try receiveTwoDiscPatient()
        let first = FailingDrive(name: "drive0", failingWrite: 2)
        let jobs = engine(first)
        try jobs.start()
        try jobs.finishAll()
        let failed = try await fixture.waitFor(id, [.done, .failed])
        jobs.stop()
        #expect(failed.state == .failed)
        #expect(failed.discs.map(\.number) == [1])

        let second = FailingDrive(name: "drive1")
        let retried = engine(second)
        try retried.start()
        defer { retried.stop() }
        try retried.retry(collection: id)
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        #expect(second.writeCount == 1)
        #expect(record.discs.map(\.number) == [1, 2])
        #expect(record.discs.map(\.drive) == ["drive0", "drive1"])
    }

    @Test func removedDriveHandsJobToAnother() async throws {
        let id = try receiveTwoDiscPatient()
        let presence = AttachedDrives(["drive0"])
        let pulled = FailingDrive(
            name: "drive0", failingWrite: 2, presence: presence, replacement: "drive1")
        let spare = FailingDrive(name: "drive1")
        let queue = JobQueue(store: fixture.store, engines: [
            engine(pulled, presence: presence), engine(spare, presence: presence),
        ])
        try queue.start()
        defer { queue.stop() }

        try queue.finishAll()
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.discs.map(\.number) == [1, 2])
        #expect(record.discs.map(\.drive) == ["drive0", "drive1"])
        #expect(spare.writeCount == 1)
        #expect(record.rejects.map(\.reason) == ["drive drive0 was removed during disc 2 of 2"])
        let reasons = try fixture.store.transitions(ofCollection: id).map(\.reason)
        #expect(reasons.contains("drive drive0 was removed during disc 2 of 2; another drive "
            + "takes the job"))
    }

    @Test func repluggedDriveStillHandsJobOver() async throws {
        let id = try receiveTwoDiscPatient()
        let presence = AttachedDrives(["drive0"])
        // The drive goes away at write 2 and comes back at once under the same name.
        let replugged = FailingDrive(
            name: "drive0", failingWrite: 2, presence: presence, replacement: "drive0")
        let jobs = engine(replugged, presence: presence)
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        let reasons = try await waitForReason("another drive takes the job", of: id)

        #expect(reasons.contains("drive drive0 was removed during disc 2 of 2; another drive "
            + "takes the job"))
    }

    /// Waits until a transition of collection `id` has a reason containing `fragment`.
    func waitForReason(_ fragment: String, of id: Int64) async throws -> [String] {
        for _ in 0..<200 {
            let reasons = try fixture.store.transitions(ofCollection: id).map(\.reason)
            if reasons.contains(where: { $0.contains(fragment) }) { return reasons }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try fixture.store.transitions(ofCollection: id).map(\.reason)
    }

    @Test func absentDriveTakesNoJob() async throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1")
        let presence = AttachedDrives([])
        let drive = FailingDrive(name: "drive0")
        let jobs = engine(drive, presence: presence)
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try fixture.store.collection(id: id)?.state == .queued)

        presence.attach("drive0")
        let record = try await fixture.waitFor(id, [.done, .failed])
        #expect(record.state == .done)
    }
}

/// A drive that calls `duringWrite` inside its first write, so a test can act while a disc
/// is being written.
final class HookedDrive: DiscDrive {
    let name = "hooked0"
    let duringWrite = Mutex<(@Sendable () -> Void)?>(nil)

    func inspectMedia() throws -> MediaInfo {
        MediaInfo(profile: .cdr, status: .blank, capacityBytes: 400 << 10)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        let hook = duringWrite.withLock { hook in
            defer { hook = nil }
            return hook
        }
        hook?()
        let bytes = try imageByteCount(directory: directory, volumeID: volumeID)
        return DiscWriteResult(bytesWritten: bytes, md5: "aa", location: "/dev/null")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try ScriptedDrive(.works).imageByteCount(directory: directory, volumeID: volumeID)
    }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        DiscVerification(matches: true, md5: written.md5)
    }

    func erase() throws {}

    func eject() throws {}
}

extension HandoverTests {
    @Test func stopBetweenDiscsQueuesJobAgain() async throws {
        // Twelve 100 KB instances in four series span four 400 KB discs.
        var id: Int64 = 0
        for index in 1...12 {
            id = try fixture.receive(
                patientID: "P1", uid: "1.\(index)", series: "1.2.\(index / 4)", bytes: 100 << 10)
        }
        let drive = HookedDrive()
        let jobs = engine(drive)
        // The stop comes while disc 1 is being written.
        drive.duringWrite.withLock { $0 = { jobs.requestStop() } }

        try jobs.start()
        try jobs.finishAll()
        jobs.waitUntilStopped()

        let record = try #require(try fixture.store.collection(id: id))
        #expect(record.state == .queued)
        #expect(record.discs.map(\.number) == [1])
        let reasons = try fixture.store.transitions(ofCollection: id).map(\.reason)
        #expect(reasons.last?.contains("daemon stopped during the job") == true)
    }
}
