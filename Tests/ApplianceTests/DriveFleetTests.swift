import Appliance
import DeviceTracking
import Foundation
import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import TestSupport
import Testing

/// A drive named after a device node that always has a blank and whose writes succeed.
final class NodeDrive: DiscDrive {
    let name: String

    init(name: String) {
        self.name = name
    }

    func inspectMedia() throws -> MediaInfo {
        MediaInfo(profile: .cdr, status: .blank, capacityBytes: 700 << 20)
    }

    func write(directory: String, volumeID: String) throws -> DiscWriteResult {
        DiscWriteResult(bytesWritten: 2048, md5: "aa", location: name)
    }

    func imageByteCount(directory: String, volumeID: String) throws -> Int64 { 2048 }

    func verify(_ written: DiscWriteResult) throws -> DiscVerification {
        DiscVerification(matches: true, md5: written.md5)
    }

    func erase() throws {}

    func eject() throws {}
}

/// Writes an empty folder as the file-set; the fleet tests only need a job to finish.
struct EmptyFileSets: FileSetMaking {
    func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64] {
        plan.instances.map(\.size)
    }
}

@Suite struct DriveFleetTests {
    let folder: String
    let store: PatientStore

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("fleet")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    /// Returns the udev recording `name` of the device tracking tests.
    func recording(_ name: String) throws -> String {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(
            contentsOf: tests.appendingPathComponent("DeviceTrackingTests/Fixtures/" + name),
            encoding: .utf8)
    }

    @Test func drivesFoundAtStartAndLaterGetEngines() async throws {
        let source = try ReplayedUdevSource(
            deviceRecording: try recording("present-at-start.txt"),
            eventRecording: try recording("usb-drive-removed-during-burn.txt"))
        let monitor = DeviceMonitor(source: source)
        let queue = JobQueue(store: store, engines: [])
        try queue.start()
        defer { queue.stop() }
        let fleet = DriveFleet(
            registry: monitor.registry, queue: queue, logger: Logger(label: "test")
        ) { [store, folder] node in
            JobEngine(
                store: store, drive: NodeDrive(name: node), fileSets: EmptyFileSets(),
                presence: monitor.registry,
                configuration: JobEngineConfiguration(
                    completionTimeout: 600, stagingDirectory: folder + "/staging"))
        }

        fleet.start()
        try monitor.start()
        defer { monitor.stop() }
        for _ in 0..<200 where !source.isDrained {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(200))

        #expect(queue.drives.map(\.name) == ["/dev/sr0", "/dev/sr1"])
        #expect(monitor.registry.isPresent("/dev/sr0"))
        #expect(!monitor.registry.isPresent("/dev/sr1"))
    }

    @Test func queueWithoutDrivesTakesRequests() throws {
        let path = folder + "/1.dcm"
        try Data(count: 8).write(to: URL(fileURLWithPath: path))
        let id = try store.record(
            IncomingInstance(
                spoolPath: path, size: 8, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
                sopInstanceUID: "1.1", transferSyntaxUID: "1.2.840.10008.1.2.1",
                studyInstanceUID: "1.2", seriesInstanceUID: "1.2.3",
                patientNameBytes: Array("DOE^J".utf8), patientName: "DOE^J",
                patientID: "P1", patientIDGenerated: false, callingAETitle: "TEST",
                receivedAt: Date())
        ).collectionID
        let queue = JobQueue(store: store, engines: [])
        try queue.start()
        defer { queue.stop() }

        #expect(try queue.finishAll() == [id])
        #expect(try store.collection(id: id)?.state == .queued)
    }
}
