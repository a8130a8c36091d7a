import DiscBurner
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import TestSupport
import Testing

/// A drive with a changer in front of it, with no libburn: the changer loads the media of
/// a planned supply and then good blanks, and the drive shows each medium's fault. It
/// records every step.
final class ScriptedChangerDrive: DiscDrive, DiscChanger {
    let name = "scripted0"
    let capacityBytes: Int64

    private struct State {
        var supply: [VirtualMedium]
        /// The media types of the discs to load, in order. CD-R follows them.
        var mediaTypes: [MediaProfile]
        var loaded: VirtualMedium?
        var loadedType = MediaProfile.cdr
        var written = false
        var events: [String] = []
        var labels: [DiscLabel] = []
    }

    private let state: Mutex<State>

    /// Makes a changer whose discs are `supply` and then good blanks, of the types
    /// `mediaTypes` and then CD-R. A `rewritable-written` disc is a CD-RW.
    init(
        supply: [VirtualMedium], capacityBytes: Int64 = 700 << 20,
        mediaTypes: [MediaProfile] = []
    ) {
        state = Mutex(State(supply: supply, mediaTypes: mediaTypes))
        self.capacityBytes = capacityBytes
    }

    var events: [String] { state.withLock { $0.events } }
    /// Every label printed, oldest first.
    var labels: [DiscLabel] { state.withLock { $0.labels } }

    var driveNames: [String] { [name] }

    func loadFromInput(into drive: String) throws {
        try state.withLock { state in
            guard state.loaded == nil else {
                throw MediaCenterError(.mediaFailure, "drive not empty")
            }
            state.loaded = state.supply.isEmpty ? .blank : state.supply.removeFirst()
            state.loadedType = state.mediaTypes.isEmpty ? .cdr : state.mediaTypes.removeFirst()
            if state.loaded == .rewritableWritten { state.loadedType = .cdrw }
            state.written = state.loaded == .written || state.loaded == .rewritableWritten
            state.events.append("load \(state.loaded!.rawValue)")
        }
    }

    func printLabel(_ label: DiscLabel, onDiscIn drive: String) throws {
        state.withLock { state in
            state.events.append("label \(label.lines[0])")
            state.labels.append(label)
        }
    }

    func moveDisc(from drive: String, to bin: ChangerBin) throws {
        state.withLock { state in
            state.loaded = nil
            state.written = false
            state.events.append("move \(bin.rawValue)")
        }
    }

    func inspectMedia() throws -> MediaInfo {
        state.withLock { state in
            guard state.loaded != nil else {
                return MediaInfo(profile: .unknown, status: .empty, capacityBytes: 0)
            }
            return state.written
                ? MediaInfo(profile: state.loadedType, status: .written, capacityBytes: 0)
                : MediaInfo(
                    profile: state.loadedType, status: .blank, capacityBytes: capacityBytes)
        }
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        let bytes = try imageByteCount(directory: directory, volumeID: volumeID)
        return try state.withLock { state in
            state.events.append("write")
            state.written = true
            if state.loaded == .writeError {
                throw MediaCenterError(.mediaFailure, "planned write failure")
            }
            let md5 = state.loaded == .verifyError ? "bad" : "aa"
            return DiscWriteResult(bytesWritten: bytes, md5: md5, location: "/dev/null")
        }
    }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        state.withLock { $0.events.append("verify") }
        return DiscVerification(matches: written.md5 == "aa", md5: "aa")
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 {
        try ScriptedDrive(.works).imageByteCount(directory: directory, volumeID: volumeID)
    }

    func eject() throws {
        state.withLock { $0.events.append("eject") }
    }

    func erase() throws {
        try state.withLock { state in
            guard state.loadedType.isRewritable else {
                throw MediaCenterError(.mediaFailure, "planned erase failure: not rewritable")
            }
            state.written = false
            state.events.append("erase")
        }
    }
}

/// Wraps ``PlainFileSets`` and records the profile of every plan it builds.
final class ProfileRecordingFileSets: FileSetMaking {
    let profiles = Mutex<[ApplicationProfile]>([])

    func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64] {
        profiles.withLock { $0.append(plan.profile) }
        return try PlainFileSets().makeFileSet(plan, into: directory)
    }
}

@Suite struct ChangerJobTests {
    let folder: String
    let store: PatientStore

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("changer-jobs")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    func receive(uid: String, bytes: Int64 = 8) throws -> Int64 {
        let path = folder + "/\(uid).dcm"
        try Data(count: Int(bytes)).write(to: URL(fileURLWithPath: path))
        return try store.record(
            IncomingInstance(
                spoolPath: path, size: bytes, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
                sopInstanceUID: uid, transferSyntaxUID: "1.2.840.10008.1.2.1",
                studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3",
                patientNameBytes: Array("DOE^J".utf8), patientName: "DOE^J", patientID: "P1",
                patientIDGenerated: false, callingAETitle: "TEST")
        ).collectionID
    }

    func run(
        _ drive: ScriptedChangerDrive, maxRejects: Int, labelReader: (any DiscLabelReading)? = nil,
        fileSets: any FileSetMaking = PlainFileSets(),
        profileSelection: ProfileSelection = .automatic, blankRewritable: Bool = false
    ) async throws -> CollectionRecord {
        let jobs = JobEngine(
            store: store, drive: drive, changer: drive, fileSets: fileSets,
            labelReader: labelReader,
            configuration: JobEngineConfiguration(
                completionTimeout: 600, stagingDirectory: folder + "/staging",
                maxConsecutiveRejects: maxRejects, profileSelection: profileSelection,
                blankRewritable: blankRewritable))
        try jobs.start()
        defer { jobs.stop() }
        let ids = try jobs.finishAll()
        for _ in 0..<400 {
            if let record = try store.collection(id: ids[0]),
                record.state == .done || record.state == .failed
            {
                return record
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MediaCenterError(.internalFailure, "the job never ended")
    }

    @Test func badDiscsAreRejectedWithReasons() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.written, .writeError, .verifyError])

        let record = try await run(drive, maxRejects: 3)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.rejects.count == 3)
        #expect(record.rejects[0].reason.contains("not blank"))
        #expect(record.rejects[1].reason.contains("write failed: planned write failure"))
        #expect(record.rejects[2].reason.contains("read-back differs"))
        #expect(record.rejects.allSatisfy { $0.number == 1 })
        #expect(record.discs.count == 1)
        #expect(record.discs.first?.verified == true)
        #expect(drive.events.filter { $0 == "label REJECT" }.count == 3)
        #expect(drive.events.filter { $0 == "move reject" }.count == 3)
        #expect(drive.events.last == "move output")
    }

    @Test func rejectsBeyondLimitFailJob() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.written, .written, .blank])

        let record = try await run(drive, maxRejects: 1)

        #expect(record.state == .failed)
        #expect(record.failureReason?.contains("2 discs in a row were rejected") == true)
        #expect(record.rejects.count == 2)
        #expect(record.discs.isEmpty)
        #expect(!drive.events.contains("write"))
    }

    @Test func goodDiscResetsRejectCount() async throws {
        // Two instances of 300 KiB on 400 KiB discs: one disc each.
        _ = try receive(uid: "1.1", bytes: 300 << 10)
        _ = try receive(uid: "1.2", bytes: 300 << 10)
        let drive = ScriptedChangerDrive(
            supply: [.written, .blank, .writeError, .blank], capacityBytes: 400 << 10)

        let record = try await run(drive, maxRejects: 1)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.discs.map(\.number) == [1, 2])
        #expect(record.rejects.map(\.number) == [1, 2])
    }

    @Test func everyStateChangeHasReason() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.verifyError])

        let record = try await run(drive, maxRejects: 3)

        #expect(record.state == .done)
        let history = try store.transitions(ofCollection: record.id)
        #expect(
            history.map(\.to) == [
                .receiving, .queued, .burning, .verifying, .burning, .verifying, .done,
            ])
        #expect(history.allSatisfy { !$0.reason.isEmpty })
        #expect(history[4].reason.contains("again on the next blank"))
    }

    @Test func profileFollowsFirstBlank() async throws {
        _ = try receive(uid: "1.1")
        let fileSets = ProfileRecordingFileSets()
        let drive = ScriptedChangerDrive(supply: [], mediaTypes: [.dvdr, .dvdr])

        let record = try await run(drive, maxRejects: 3, fileSets: fileSets)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(fileSets.profiles.withLock { $0 } == [.generalPurposeDVDJPEG])
    }

    @Test func fixedProfileOverridesMedia() async throws {
        _ = try receive(uid: "1.1")
        let fileSets = ProfileRecordingFileSets()
        let drive = ScriptedChangerDrive(supply: [], mediaTypes: [.bdr, .bdr])

        let record = try await run(
            drive, maxRejects: 3, fileSets: fileSets,
            profileSelection: .fixed(.generalPurposeCD))

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(fileSets.profiles.withLock { $0 } == [.generalPurposeCD])
    }

    @Test func laterBlankOfOtherProfileIsRejected() async throws {
        // Two instances of 300 KiB on 400 KiB discs: one disc each. The second disc's first
        // blank is a DVD-R, which needs another profile than the CD-R set.
        _ = try receive(uid: "1.1", bytes: 300 << 10)
        _ = try receive(uid: "1.2", bytes: 300 << 10)
        let drive = ScriptedChangerDrive(
            supply: [], capacityBytes: 400 << 10, mediaTypes: [.cdr, .dvdr, .cdr])

        let record = try await run(drive, maxRejects: 3)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.discs.map(\.number) == [1, 2])
        #expect(record.rejects.map(\.number) == [2])
        let reason = record.rejects.first?.reason ?? ""
        #expect(reason.contains("wrong media type"), "\(reason)")
        #expect(reason.contains("STD-GEN-DVD-JPEG"), "\(reason)")
    }

    @Test func rewritableDiscIsErasedWhenConfigured() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.rewritableWritten])

        let record = try await run(drive, maxRejects: 3, blankRewritable: true)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(record.rejects.isEmpty)
        #expect(Array(drive.events.prefix(3)) == ["load rewritable-written", "erase", "write"])
    }

    @Test func rewritableDiscIsRejectedByDefault() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.rewritableWritten])

        let record = try await run(drive, maxRejects: 3)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(!drive.events.contains("erase"))
        #expect(record.rejects.count == 1)
        let reason = record.rejects.first?.reason ?? ""
        #expect(reason.contains("CD-RW contains data"), "\(reason)")
        #expect(reason.contains("blank_rewritable"), "\(reason)")
    }

    @Test func writeOnceDiscIsNeverErased() async throws {
        _ = try receive(uid: "1.1")
        let drive = ScriptedChangerDrive(supply: [.written])

        let record = try await run(drive, maxRejects: 3, blankRewritable: true)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(!drive.events.contains("erase"))
        #expect(record.rejects.first?.reason.contains("not blank") == true)
    }
}

extension ChangerJobTests {
    @Test func discLeftInDriveIsRejectedAtStart() async throws {
        let id = try receive(uid: "1.1")
        try store.transition(collection: id, from: .receiving, to: .queued, reason: "test")
        try store.transition(
            collection: id, from: .queued, to: .burning,
            reason: PatientStore.tookJobReason(drive: "scripted0"))
        // The stopped daemon left a written disc in the drive.
        let drive = ScriptedChangerDrive(supply: [.written])
        try drive.loadFromInput(into: "scripted0")
        let queue = JobQueue(
            store: store,
            engines: [
                JobEngine(
                    store: store, drive: drive, changer: drive, fileSets: PlainFileSets(),
                    configuration: JobEngineConfiguration(
                        completionTimeout: 600, stagingDirectory: folder + "/staging"))
            ])

        try queue.start()
        defer { queue.stop() }
        var record = try #require(try store.collection(id: id))
        for _ in 0..<400 where record.state != .done && record.state != .failed {
            try await Task.sleep(for: .milliseconds(10))
            record = try #require(try store.collection(id: id))
        }

        #expect(record.state == .done)
        #expect(record.rejects.map(\.reason) == [
            "the daemon stopped before this disc reached the output bin"
        ])
        #expect(Array(drive.events.prefix(3)) == ["load written", "label REJECT", "move reject"])
    }
}
