import MediaCenterCore
import Testing

@testable import DeviceTracking

@Suite struct UdevRecordingTests {
    @Test func deviceRecordReadsFields() throws {
        let devices = try UdevRecording.devices(
            from: """
                P: /devices/virtual/block/sr9
                U: block
                T: disk
                N: sr9
                S: cdrom
                E: ID_CDROM=1
                E: ID_MODEL=A=B
                """)

        #expect(devices.count == 1)
        #expect(devices.first?.devpath == "/devices/virtual/block/sr9")
        #expect(devices.first?.subsystem == "block")
        #expect(devices.first?.devtype == "disk")
        #expect(devices.first?.devnode == "/dev/sr9")
        #expect(devices.first?.properties["ID_MODEL"] == "A=B")
    }

    @Test func deviceRecordingOfAllFixtureRecords() throws {
        let devices = try Fixtures.devices("present-at-start.txt")

        #expect(devices.count == 7)
        #expect(devices.filter { $0.subsystem == "scsi" }.count == 2)
    }

    @Test func malformedDeviceLineNamesTheLine() throws {
        let error = try #require(throws: MediaCenterError.self) {
            try UdevRecording.devices(from: "P: /devices/x\nnot a field\n")
        }

        #expect(error.code == .parseFailure)
        #expect(error.message.contains("line 2"))
        #expect(error.message.contains("not a field"))
    }

    @Test func recordWithoutSubsystemIsRejected() throws {
        let error = try #require(throws: MediaCenterError.self) {
            try UdevRecording.devices(from: "P: /devices/x\nE: ID_CDROM=1\n")
        }

        #expect(error.message.contains("line 1"))
    }

    @Test func eventRecordingSkipsKernelEvents() throws {
        let events = try UdevRecording.events(from: try Fixtures.text("usb-drive-lifecycle.txt"))

        #expect(events.count == 7)
        #expect(events.first?.device.subsystem == "scsi")
        #expect(events.map(\.action) == [.add, .add, .add, .change, .change, .change, .change])
    }

    @Test func unknownActionIsRejected() throws {
        let error = try #require(throws: MediaCenterError.self) {
            try UdevRecording.events(
                from: "UDEV  [1.0] explode  /devices/x (block)\nSUBSYSTEM=block\n")
        }

        #expect(error.message.contains("explode"))
    }

    @Test func scsiParentGivesPeripheralType() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")

        let devices = try source.enumerate()

        let drive = try #require(devices.first { $0.devpath == Paths.ataDrive })
        #expect(drive.scsiDevice?.peripheralType == 5)
        #expect(devices.allSatisfy { $0.subsystem != "scsi" })
        #expect(ReplayedUdevSource.peripheralType(fromModalias: "scsi:t-0x08") == 8)
        #expect(ReplayedUdevSource.peripheralType(fromModalias: "usb:v1234") == nil)
    }
}
