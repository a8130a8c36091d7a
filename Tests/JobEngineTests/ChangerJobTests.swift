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
        var loaded: VirtualMedium?
        var written = false
        var events: [String] = []
        var labels: [DiscLabel] = []
    }

    private let state: Mutex<State>

    init(supply: [VirtualMedium], capacityBytes: Int64 = 700 << 20) {
        state = Mutex(State(supply: supply))
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
            state.written = state.loaded == .written
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
                ? MediaInfo(profile: .cdr, status: .written, capacityBytes: 0)
                : MediaInfo(profile: .cdr, status: .blank, capacityBytes: capacityBytes)
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
        _ drive: ScriptedChangerDrive, maxRejects: Int, labelReader: (any DiscLabelReading)? = nil
    ) async throws -> CollectionRecord {
        let jobs = JobEngine(
            store: store, drive: drive, changer: drive, fileSets: PlainFileSets(),
            labelReader: labelReader,
            configuration: JobEngineConfiguration(
                completionTimeout: 600, stagingDirectory: folder + "/staging",
                maxConsecutiveRejects: maxRejects))
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
}
