import Foundation
import PatientStore
import TestSupport
import Testing

@testable import Appliance

@Suite struct SpoolRecoveryTests {
    let fixture: SpoolFixture

    init() throws {
        fixture = try SpoolFixture("recovery")
    }

    var recovery: SpoolRecovery {
        SpoolRecovery(spool: fixture.spool, store: fixture.store)
    }

    @Test func missingFileIsMarkedAndRowKept() throws {
        let job = try fixture.collection("GONE", files: 3, state: .queued)
        unlink(job.paths[1])

        let summary = try recovery.run()

        #expect(summary.missing.map(\.path) == [job.paths[1]])
        #expect(summary.missing.map(\.collectionID) == [job.id])
        #expect(try fixture.store.instances(inCollection: job.id).count == 3)
        #expect(try fixture.store.missingSpoolFiles().count == 1)
    }

    @Test func restoredFileLosesItsMark() throws {
        let job = try fixture.collection("BACK", files: 2, state: .queued)
        let saved = try Data(contentsOf: URL(fileURLWithPath: job.paths[0]))
        unlink(job.paths[0])
        let first = try recovery.run()
        try saved.write(to: URL(fileURLWithPath: job.paths[0]))

        let second = try recovery.run()

        #expect(first.missing.count == 1)
        #expect(second.missing.isEmpty)
        #expect(try fixture.store.missingSpoolFiles().isEmpty)
    }

    @Test func missingMarkKeepsFirstDate() throws {
        let job = try fixture.collection("GONE", files: 1, state: .failed)
        unlink(job.paths[0])
        let first = try recovery.run()

        let second = try recovery.run()

        #expect(second.missing.map(\.since) == first.missing.map(\.since))
    }

    @Test func purgedFilesAreNotReportedMissing() throws {
        let job = try fixture.collection("PURGED", files: 2, state: .done)
        let paths = try #require(try fixture.store.markSpoolFilesPurged(collection: job.id))
        paths.forEach { unlink($0) }

        let summary = try recovery.run()

        #expect(summary.missing.isEmpty)
    }

    @Test func unreadableUnknownFileMovesToOrphaned() throws {
        let folder = fixture.spool.root + "/20270116"
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/garbage.dcm"
        try Data("not DICOM".utf8).write(to: URL(fileURLWithPath: path))

        let summary = try recovery.run()

        let moved = fixture.spool.root + "/orphaned/20270116-garbage.dcm"
        #expect(summary.orphaned == [moved])
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try String(contentsOfFile: moved, encoding: .utf8) == "not DICOM")
    }

    @Test func orphanedFolderIsNotScannedAgain() throws {
        let folder = fixture.spool.root + "/orphaned"
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true)
        try Data("not DICOM".utf8).write(to: URL(fileURLWithPath: folder + "/20270116-old.dcm"))

        let summary = try recovery.run()

        #expect(summary.orphaned.isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder + "/20270116-old.dcm"))
    }
}
