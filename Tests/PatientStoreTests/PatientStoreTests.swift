import Foundation
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
}
