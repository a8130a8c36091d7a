import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import TestSupport
import Testing

/// Counts the drives that are writing, so a test can see two writes overlap.
final class WriteGate: Sendable {
    private let writers = Mutex((now: 0, max: 0))

    /// The maximum number of drives that were writing at one moment.
    var maxAtOnce: Int { writers.withLock { $0.max } }

    /// Holds a write until `count` drives are writing, or 10 s have passed.
    func pass(waitingFor count: Int) {
        writers.withLock { state in
            state.now += 1
            state.max = max(state.max, state.now)
        }
        let deadline = Date(timeIntervalSinceNow: 10)
        while writers.withLock({ $0.max }) < count, Date() < deadline {
            usleep(2_000)
        }
        writers.withLock { $0.now -= 1 }
    }
}

/// A drive of a given name that always has a blank and whose write passes a shared gate.
final class GatedDrive: DiscDrive {
    let name: String
    let gate: WriteGate
    let drivesAtOnce: Int

    init(name: String, gate: WriteGate, drivesAtOnce: Int) {
        self.name = name
        self.gate = gate
        self.drivesAtOnce = drivesAtOnce
    }

    func inspectMedia() throws -> MediaInfo {
        MediaInfo(profile: .cdr, status: .blank, capacityBytes: 700 << 20)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        gate.pass(waitingFor: drivesAtOnce)
        return DiscWriteResult(bytesWritten: 2048, md5: "aa", location: "/dev/null")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 { 2048 }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        DiscVerification(matches: true, md5: written.md5)
    }

    func erase() throws {
        throw MediaCenterError(.mediaFailure, "not a rewritable medium")
    }

    func eject() throws {}
}

@Suite struct JobQueueTests {
    let fixture: JobEngineTests

    init() throws {
        fixture = try JobEngineTests()
    }

    func queue(_ drives: [any DiscDrive]) -> JobQueue {
        JobQueue(store: fixture.store, engines: drives.map { fixture.engine($0) })
    }

    @Test func patientsBurnOnIdleDrivesAtOnce() async throws {
        let gate = WriteGate()
        let drives = (0..<2).map { GatedDrive(name: "gated\($0)", gate: gate, drivesAtOnce: 2) }
        let first = try fixture.receive(patientID: "P1", uid: "1.1")
        let second = try fixture.receive(patientID: "P2", uid: "2.1")
        let jobs = queue(drives)
        try jobs.start()
        defer { jobs.stop() }

        #expect(try jobs.finishAll().sorted() == [first, second].sorted())
        let records = [
            try await fixture.waitFor(first, [.done, .failed]),
            try await fixture.waitFor(second, [.done, .failed]),
        ]

        #expect(records.map(\.state) == [.done, .done])
        #expect(gate.maxAtOnce == 2)
        #expect(Set(records.compactMap { $0.discs.first?.drive }) == ["gated0", "gated1"])
    }

    @Test func moreJobsThanDrivesAllFinishOnce() async throws {
        let gate = WriteGate()
        let drives = (0..<2).map { GatedDrive(name: "gated\($0)", gate: gate, drivesAtOnce: 1) }
        let ids = try (1...5).map { try fixture.receive(patientID: "P\($0)", uid: "\($0).1") }
        let jobs = queue(drives)
        try jobs.start()
        defer { jobs.stop() }

        try jobs.finishAll()
        for id in ids {
            let record = try await fixture.waitFor(id, [.done, .failed])
            #expect(record.state == .done)
            #expect(record.discs.count == 1)
            let burning = try fixture.store.transitions(ofCollection: id).filter {
                $0.to == .burning
            }
            #expect(burning.count == 1)
        }
    }

    @Test func interruptedJobIsQueuedAgainOnceForAllDrives() async throws {
        let id = try fixture.receive(patientID: "P1", uid: "1.1")
        try fixture.store.transition(
            collection: id, from: .receiving, to: .queued, reason: "test")
        try fixture.store.transition(collection: id, from: .queued, to: .burning, reason: "test")
        let gate = WriteGate()
        let drives = (0..<3).map { GatedDrive(name: "gated\($0)", gate: gate, drivesAtOnce: 1) }
        let jobs = queue(drives)

        try jobs.start()
        defer { jobs.stop() }
        let record = try await fixture.waitFor(id, [.done, .failed])

        #expect(record.state == .done)
        #expect(record.discs.count == 1)
        let requeued = try fixture.store.transitions(ofCollection: id).filter {
            $0.reason.contains("stopped while the job was burning")
        }
        #expect(requeued.count == 1)
    }
}
