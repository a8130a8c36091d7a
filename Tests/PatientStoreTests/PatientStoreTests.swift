import Foundation
import MediaCenterCore
import PatientStore
import TestSupport
import Testing

@Suite struct PatientStoreTests {
    let store: PatientStore
    let folder: String

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("store")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    func incoming(
        name: String = "DOE^JANE", id: String = "123", uid: String, generated: Bool = false
    ) -> IncomingInstance {
        IncomingInstance(
            spoolPath: folder + "/\(uid).dcm", size: 100, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
            sopInstanceUID: uid, transferSyntaxUID: "1.2.840.10008.1.2.1",
            studyInstanceUID: "1.2.3", seriesInstanceUID: "1.2.3.4",
            patientNameBytes: Array(name.utf8), patientName: name, patientID: id,
            patientIDGenerated: generated, callingAETitle: "MODALITY")
    }

    @Test func samePatientJoinsOneCollection() throws {
        let first = try store.record(incoming(uid: "1.1"))
        let second = try store.record(incoming(uid: "1.2"))

        #expect(first.openedCollection)
        #expect(!second.openedCollection)
        #expect(first.collectionID == second.collectionID)
        let collections = try store.collections()
        #expect(collections.count == 1)
        #expect(collections[0].instances == 2)
        #expect(collections[0].state == .receiving)
        #expect(collections[0].bytes == 200)
    }

    @Test func nameOrIDDifferenceOpensNewCollection() throws {
        let first = try store.record(incoming(uid: "1.1"))
        let otherName = try store.record(incoming(name: "DOE^JOHN", uid: "1.2"))
        let otherID = try store.record(incoming(id: "456", uid: "1.3"))

        #expect(Set([first.collectionID, otherName.collectionID, otherID.collectionID]).count == 3)
    }

    @Test func finishedCollectionIsNeverExtended() throws {
        let first = try store.record(incoming(uid: "1.1"))
        try store.transition(
            collection: first.collectionID, from: .receiving, to: .queued, reason: "test")
        try store.transition(
            collection: first.collectionID, from: .queued, to: .burning, reason: "test")

        let late = try store.record(incoming(uid: "1.2"))

        #expect(late.openedCollection)
        #expect(late.collectionID != first.collectionID)
        #expect(try store.instances(inCollection: first.collectionID).count == 1)
    }

    @Test func resentInstanceReplacesEarlierCopy() throws {
        let first = try store.record(incoming(uid: "1.1"))
        var again = incoming(uid: "1.1")
        again.spoolPath = folder + "/second.dcm"

        let second = try store.record(again)

        #expect(second.collectionID == first.collectionID)
        #expect(second.replacedSpoolPath == folder + "/1.1.dcm")
        let instances = try store.instances(inCollection: first.collectionID)
        #expect(instances.count == 1)
        #expect(instances.first?.spoolPath == folder + "/second.dcm")
    }

    @Test func transitionsAreRecordedWithReasons() throws {
        let id = try store.record(incoming(uid: "1.1")).collectionID
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "timeout")

        let stale = try store.transition(
            collection: id, from: .receiving, to: .queued, reason: "second caller")

        #expect(!stale)
        let history = try store.transitions(ofCollection: id)
        #expect(history.map(\.to) == [.receiving, .queued])
        #expect(history.last?.reason == "timeout")
    }

    @Test func idleCollectionsAreFoundByCutoff() throws {
        var old = incoming(uid: "1.1")
        old.receivedAt = Date(timeIntervalSinceNow: -120)
        let idle = try store.record(old).collectionID
        _ = try store.record(incoming(name: "OTHER", uid: "2.1"))

        let found = try store.receivingCollectionIDs(idleSince: Date(timeIntervalSinceNow: -60))

        #expect(found == [idle])
    }

    @Test func discsAreListedWithCollection() throws {
        let id = try store.record(incoming(uid: "1.1")).collectionID
        let disc = DiscRecord(
            number: 1, count: 1, path: "/tmp/x.iso", bytes: 2048, md5: "00", verified: true,
            drive: "virtual0")

        try store.addDisc(disc, toCollection: id)

        #expect(try store.collection(id: id)?.discs == [disc])
    }

    @Test func discProfileIsKept() throws {
        let id = try store.record(incoming(uid: "1.1")).collectionID
        let disc = DiscRecord(
            number: 1, count: 1, path: "/tmp/x.iso", bytes: 2048, md5: "00", verified: true,
            drive: "virtual0", profile: "STD-GEN-DVD-JPEG")

        try store.addDisc(disc, toCollection: id)

        #expect(try store.collection(id: id)?.discs.first?.profile == "STD-GEN-DVD-JPEG")
    }

    @Test func olderDatabaseGetsProfileColumn() throws {
        let path = folder + "/older.db"
        // The discs table as the store made it before it recorded profiles.
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("CREATE TABLE discs (id INTEGER PRIMARY KEY, collection_id INTEGER "
                       "NOT NULL, number INTEGER NOT NULL, count INTEGER NOT NULL, path TEXT "
                       "NOT NULL, bytes INTEGER NOT NULL, md5 TEXT NOT NULL, verified INTEGER "
                       "NOT NULL, drive TEXT NOT NULL, written_at REAL NOT NULL)")
            db.commit()
            """
        let run = try runTool(TestFiles.python, ["-c", script, path])
        try #require(run.status == 0, "\(run.text)")

        let older = try PatientStore(path: path)
        let id = try older.record(incoming(uid: "1.1")).collectionID
        let disc = DiscRecord(
            number: 1, count: 1, path: "/tmp/x.iso", bytes: 2048, md5: "00", verified: true,
            drive: "virtual0", profile: "STD-GEN-CD")
        try older.addDisc(disc, toCollection: id)

        #expect(try older.collection(id: id)?.discs == [disc])
        #expect(try PatientStore(path: path).collection(id: id)?.discs == [disc])
    }

    @Test func rejectsAreListedWithCollection() throws {
        let id = try store.record(incoming(uid: "1.1")).collectionID
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        let first = RejectRecord(
            number: 1, reason: "the disc is not blank", path: nil, drive: "virtual0", at: at)
        let second = RejectRecord(
            number: 2, reason: "the read-back differs", path: "/tmp/x.iso", drive: "virtual0",
            at: at)

        try store.addReject(first, toCollection: id)
        try store.addReject(second, toCollection: id)

        let record = try #require(try store.collection(id: id))
        #expect(record.rejects == [first, second])
        #expect(record.state == .receiving)
    }

    @Test func dataSurvivesReopening() throws {
        let id = try store.record(incoming(uid: "1.1")).collectionID

        let reopened = try PatientStore(path: folder + "/mediacenter.db")

        #expect(try reopened.collection(id: id)?.instances == 1)
    }

    @Test func unwritableDatabasePathIsReported() throws {
        #expect(throws: Error.self) {
            try PatientStore(path: "/proc/no-such-folder/mediacenter.db")
        }
    }

    @Test func resendUnderOtherPatientMovesTheInstance() throws {
        var first = incoming(name: "DOE^JANE", id: "WRONG", uid: "1.1")
        first.spoolPath = folder + "/first.dcm"
        let kept = try store.record(incoming(name: "DOE^JANE", id: "WRONG", uid: "1.2"))
        _ = try store.record(first)
        var corrected = incoming(name: "DOE^JANE", id: "RIGHT", uid: "1.1")
        corrected.spoolPath = folder + "/corrected.dcm"

        let outcome = try store.record(corrected)

        #expect(outcome.replacedSpoolPath == folder + "/first.dcm")
        #expect(outcome.replacedInCollection == kept.collectionID)
        #expect(!outcome.removedEmptyCollection)
        #expect(
            try store.instances(inCollection: kept.collectionID).map(\.sopInstanceUID) == ["1.2"])
        #expect(
            try store.instances(inCollection: outcome.collectionID).map(\.spoolPath)
                == [folder + "/corrected.dcm"])
    }

    @Test func resendThatEmptiesACollectionRemovesIt() throws {
        let wrong = try store.record(incoming(name: "DOE^JANE", id: "WRONG", uid: "1.1"))
        var corrected = incoming(name: "DOE^JANE", id: "RIGHT", uid: "1.1")
        corrected.spoolPath = folder + "/corrected.dcm"

        let outcome = try store.record(corrected)

        #expect(outcome.removedEmptyCollection)
        #expect(outcome.replacedInCollection == wrong.collectionID)
        #expect(try store.collection(id: wrong.collectionID) == nil)
        #expect(try store.transitions(ofCollection: wrong.collectionID).isEmpty)
        #expect(try store.collections().map(\.id) == [outcome.collectionID])
    }

    @Test func resendAfterTheFirstDiscStartedKeepsBothCopies() throws {
        let first = try store.record(incoming(name: "DOE^JANE", id: "WRONG", uid: "1.1"))
        try store.transition(
            collection: first.collectionID, from: .receiving, to: .queued, reason: "test")
        var corrected = incoming(name: "DOE^JANE", id: "RIGHT", uid: "1.1")
        corrected.spoolPath = folder + "/corrected.dcm"

        let outcome = try store.record(corrected)

        #expect(outcome.replacedSpoolPath == nil)
        #expect(try store.instances(inCollection: first.collectionID).count == 1)
        #expect(try store.instances(inCollection: outcome.collectionID).count == 1)
    }

    @Test func accessListAddsListsAndRemoves() throws {
        try store.addRemoteAE(
            RemoteAE(aeTitle: "CT_ROOM2", host: "10.1.2.3", port: 104, description: "CT"))
        try store.addRemoteAE(RemoteAE(aeTitle: "ANY_PORT", host: "pacs.example"))

        #expect(
            try store.remoteAEs() == [
                RemoteAE(aeTitle: "ANY_PORT", host: "pacs.example"),
                RemoteAE(aeTitle: "CT_ROOM2", host: "10.1.2.3", port: 104, description: "CT"),
            ])
        #expect(throws: MediaCenterError.self) {
            try store.addRemoteAE(RemoteAE(aeTitle: "CT_ROOM2", host: "10.9.9.9"))
        }
        #expect(try store.removeRemoteAE("CT_ROOM2")?.host == "10.1.2.3")
        #expect(try store.removeRemoteAE("CT_ROOM2") == nil)
        #expect(try store.remoteAEs().map(\.aeTitle) == ["ANY_PORT"])

        let reopened = try PatientStore(path: folder + "/mediacenter.db")
        #expect(try reopened.remoteAEs().map(\.aeTitle) == ["ANY_PORT"])
    }
}
