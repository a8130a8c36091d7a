import Foundation
import PatientStore
import Synchronization
import TestSupport
import Testing

@testable import Appliance

private let day: TimeInterval = 86_400
private let start = Date(timeIntervalSince1970: 1_800_000_000)

@Suite struct RetentionPolicyTests {
    let settings = RetentionSettings(retentionDays: 7, lowWaterPercent: 80, interval: 300)

    func candidate(_ id: Int64, doneDaysAgo days: Double, bytes: Int64 = 100)
        -> RetentionCandidate
    {
        RetentionCandidate(
            collectionID: id, finishedAt: start.addingTimeInterval(-days * day), bytes: bytes)
    }

    @Test func expiredCollectionsAreSelected() {
        let decisions = RetentionPolicy.select(
            [
                candidate(1, doneDaysAgo: 8), candidate(2, doneDaysAgo: 7),
                candidate(3, doneDaysAgo: 6),
            ],
            now: start, settings: settings, space: nil)

        #expect(decisions.map(\.collectionID) == [1, 2])
        #expect(decisions.allSatisfy { $0.reason == .expired })
    }

    @Test func spaceBelowLowWaterKeepsFreshCollections() {
        let space = FileSystemSpace(usedBytes: 700, availableBytes: 300)

        let decisions = RetentionPolicy.select(
            [candidate(1, doneDaysAgo: 1), candidate(2, doneDaysAgo: 2)], now: start,
            settings: settings, space: space)

        #expect(decisions.isEmpty)
    }

    @Test func spaceAboveLowWaterTakesOldestFirst() {
        // 95 % used; the mark is 80 %, so 150 of 1000 bytes must go.
        let space = FileSystemSpace(usedBytes: 950, availableBytes: 50)
        let candidates = [
            candidate(3, doneDaysAgo: 1, bytes: 100), candidate(1, doneDaysAgo: 3, bytes: 100),
            candidate(2, doneDaysAgo: 2, bytes: 100),
        ]

        let decisions = RetentionPolicy.select(
            candidates, now: start, settings: settings, space: space)

        #expect(decisions.map(\.collectionID) == [1, 2])
        #expect(decisions.allSatisfy { $0.reason == .space })
    }

    @Test func expiredBytesCountTowardsLowWater() {
        // 85 % used; the expired collection frees 100 bytes, which brings it to 75 %.
        let space = FileSystemSpace(usedBytes: 850, availableBytes: 150)

        let decisions = RetentionPolicy.select(
            [candidate(1, doneDaysAgo: 10), candidate(2, doneDaysAgo: 1)], now: start,
            settings: settings, space: space)

        #expect(decisions == [RetentionDecision(collectionID: 1, bytes: 100, reason: .expired)])
    }

    @Test func zeroDaysSelectsEveryCollection() {
        var immediate = settings
        immediate.retentionDays = 0

        let decisions = RetentionPolicy.select(
            [candidate(1, doneDaysAgo: 0), candidate(2, doneDaysAgo: 0.001)], now: start,
            settings: immediate, space: nil)

        // Collection 2 finished earlier, so it comes first.
        #expect(decisions.map(\.collectionID) == [2, 1])
    }

    @Test func usedPercentAfterFreeingNeverGoesNegative() {
        let space = FileSystemSpace(usedBytes: 100, availableBytes: 900)

        #expect(space.usedPercent == 10)
        #expect(space.usedPercent(afterFreeing: 50) == 5)
        #expect(space.usedPercent(afterFreeing: 500) == 0)
    }
}

/// A spool and store in a temporary folder, with collections in chosen states.
struct SpoolFixture {
    let folder: String
    let spool: Spool
    let store: PatientStore

    init(_ label: String) throws {
        folder = try TestFiles.makeTemporaryFolder(label)
        spool = try Spool(root: folder + "/spool")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    /// Records one patient's instances with spool files of `size` bytes each, and moves
    /// the collection to `state`, finishing at `finished`.
    @discardableResult
    func collection(
        _ patient: String, files: Int = 2, size: Int = 100, state: CollectionState,
        finished: Date = start
    ) throws -> (id: Int64, paths: [String]) {
        let dayFolder = spool.root + "/20270115"
        try FileManager.default.createDirectory(
            atPath: dayFolder, withIntermediateDirectories: true)
        var id: Int64 = 0
        var paths: [String] = []
        for number in 0..<files {
            let path = dayFolder + "/\(UUID().uuidString).dcm"
            try Data(count: size).write(to: URL(fileURLWithPath: path))
            let outcome = try store.record(
                IncomingInstance(
                    spoolPath: path, size: Int64(size), sopClassUID: "1.2.840.10008.5.1.4.1.1.7",
                    sopInstanceUID: "2.25.\(abs(patient.hashValue)).\(number)",
                    transferSyntaxUID: "1.2.840.10008.1.2.1", studyInstanceUID: "1.2.3",
                    seriesInstanceUID: "1.2.3.4", patientNameBytes: Array(patient.utf8),
                    patientName: patient, patientID: patient, patientIDGenerated: false,
                    callingAETitle: "TEST", receivedAt: finished.addingTimeInterval(-60)))
            id = outcome.collectionID
            paths.append(path)
        }
        let path: [CollectionState] =
            switch state {
            case .receiving: []
            case .queued: [.queued]
            case .burning: [.queued, .burning]
            case .verifying: [.queued, .burning, .verifying]
            case .done: [.queued, .burning, .verifying, .done]
            case .failed: [.queued, .burning, .failed]
            }
        var current = CollectionState.receiving
        for next in path {
            try store.transition(
                collection: id, from: current, to: next, reason: "test", at: finished)
            current = next
        }
        return (id, paths)
    }
}

@Suite struct RetentionTests {
    let fixture: SpoolFixture
    let settings = RetentionSettings(retentionDays: 7, lowWaterPercent: 80, interval: 300)

    init() throws {
        fixture = try SpoolFixture("retention")
    }

    func retention(space: FileSystemSpace?, now: Date = start) -> Retention {
        Retention(
            spool: fixture.spool, store: fixture.store, settings: settings, now: { now },
            measureSpace: { space })
    }

    @Test func passRemovesExpiredDoneFilesOnly() throws {
        let old = try fixture.collection("OLD", state: .done, finished: start - 10 * day)
        let fresh = try fixture.collection("FRESH", state: .done, finished: start - day)

        let purged = try retention(space: nil).runPass()

        #expect(purged.map(\.collectionID) == [old.id])
        #expect(old.paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(fresh.paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(try fixture.store.purgedInstanceCount(inCollection: old.id) == 2)
        #expect(try fixture.store.reclaimableBytes() == 200)
    }

    @Test func purgedJobStaysListedWithHistory() throws {
        let old = try fixture.collection("OLD", state: .done, finished: start - 10 * day)
        try fixture.store.addDisc(
            DiscRecord(
                number: 1, count: 1, path: "/discs/1.iso", bytes: 10, md5: "x", verified: true,
                drive: "virtual0"), toCollection: old.id)

        try retention(space: nil).runPass()

        let listed = try #require(try fixture.store.collection(id: old.id))
        #expect(listed.state == .done)
        #expect(listed.instances == 2)
        #expect(listed.discs.count == 1)
        #expect(try fixture.store.transitions(ofCollection: old.id).count == 5)
    }

    @Test func spacePressureNeverTouchesUnfinishedJobs() throws {
        var kept: [String] = []
        for (name, state) in [
            ("FAILED", CollectionState.failed), ("QUEUED", .queued), ("BURNING", .burning),
            ("RECEIVING", .receiving), ("VERIFYING", .verifying),
        ] {
            kept += try fixture.collection(name, state: state, finished: start - 30 * day).paths
        }
        let done = try fixture.collection("DONE", state: .done, finished: start - day)

        let purged = try retention(space: FileSystemSpace(usedBytes: 99, availableBytes: 1))
            .runPass()

        #expect(purged.map(\.collectionID) == [done.id])
        #expect(purged.first?.reason == .space)
        #expect(kept.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func secondPassFindsNothingLeft() throws {
        try fixture.collection("OLD", state: .done, finished: start - 10 * day)
        let service = retention(space: nil)

        try service.runPass()

        #expect(try service.runPass().isEmpty)
        #expect(try fixture.store.retentionCandidates().isEmpty)
    }

    @Test func leftoverPurgedFilesAreRemoved() throws {
        let old = try fixture.collection("OLD", state: .done, finished: start - 10 * day)
        // The mark is committed, but the process stopped before the files went.
        _ = try fixture.store.markSpoolFilesPurged(collection: old.id)

        let removed = try retention(space: nil).removeLeftoverFiles()

        #expect(removed == 2)
        #expect(old.paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }

    @Test func markRejectsCollectionThatIsNotDone() throws {
        let failed = try fixture.collection("FAILED", state: .failed)

        #expect(try fixture.store.markSpoolFilesPurged(collection: failed.id) == nil)
        #expect(try fixture.store.purgedInstanceCount(inCollection: failed.id) == 0)
    }

    @Test func spaceReportCountsDoneFilesOnly() throws {
        try fixture.collection("DONE", files: 3, size: 50, state: .done)
        try fixture.collection("FAILED", files: 2, size: 70, state: .failed)

        let report = try retention(space: nil).spaceReport()

        #expect(report.reclaimableBytes == 150)
        #expect(report.availableBytes != nil)
    }

    @Test func updatedSettingsApplyToNextPass() throws {
        let recent = try fixture.collection("RECENT", state: .done, finished: start - 2 * day)
        let service = retention(space: nil)
        #expect(try service.runPass().isEmpty)

        service.update(RetentionSettings(retentionDays: 1, lowWaterPercent: 80, interval: 300))

        #expect(try service.runPass().map(\.collectionID) == [recent.id])
    }

    @Test func requestedPassRunsBeforeInterval() async throws {
        let clock = VirtualClock(start)
        let job = try fixture.collection("OLD", state: .done, finished: start - day)
        let service = Retention(
            spool: fixture.spool, store: fixture.store,
            settings: RetentionSettings(retentionDays: 7, lowWaterPercent: 80, interval: 3600),
            now: { clock.now }, measureSpace: { nil })
        service.start()
        defer { service.stop() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(job.paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        clock.advance(by: 7 * day)
        service.requestPass()

        var waited = 0
        while FileManager.default.fileExists(atPath: job.paths[0]), waited < 100 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(job.paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }
}

/// A clock that tests move by hand.
final class VirtualClock: Sendable {
    private let date: Mutex<Date>

    init(_ date: Date) {
        self.date = Mutex(date)
    }

    var now: Date { date.withLock { $0 } }

    func advance(by interval: TimeInterval) {
        date.withLock { $0 += interval }
    }
}
