import DeviceTracking
import Foundation

/// Recorded udev devices and events under `Fixtures/`, written by hand in the forms that
/// `udevadm info --query=all` and `udevadm monitor --udev --property` print.
enum Fixtures {
    /// The folder of this file, from which the fixtures and the repository are found.
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// The repository's top folder.
    static let repositoryFolder = testsFolder.deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Returns the text of the fixture `name`.
    static func text(_ name: String) throws -> String {
        try String(
            contentsOf: testsFolder.appendingPathComponent("Fixtures/" + name), encoding: .utf8)
    }

    /// Returns the devices of the device recording `name`.
    static func devices(_ name: String) throws -> [UdevDevice] {
        try UdevRecording.devices(from: text(name))
    }

    /// Returns a source with the devices of `deviceRecording` present and the events of
    /// `eventRecording` to replay.
    static func source(
        devices deviceRecording: String? = nil, events eventRecording: String? = nil
    ) throws -> ReplayedUdevSource {
        try ReplayedUdevSource(
            deviceRecording: deviceRecording.map(text) ?? "",
            eventRecording: eventRecording.map(text) ?? "")
    }
}

/// Pulls every remaining event out of `source` and applies each to `tracker`.
/// - Returns: the changes of each delivered event, one list per event.
func replayAll(
    _ source: ReplayedUdevSource, into tracker: inout DeviceTracker
) throws -> [[DeviceEvent]] {
    var changes: [[DeviceEvent]] = []
    while !source.isDrained {
        if case .event(let event) = try source.receive(timeoutMilliseconds: 0) {
            changes.append(tracker.apply(event))
        }
    }
    return changes
}

/// Waits up to `seconds` for `condition`, checking every 10 ms.
/// - Returns: whether the condition became true in time.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// The usual paths of the recordings.
enum Paths {
    static let ataDrive =
        "/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sr0"
    static let usbDrive =
        "/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sr1"
    static let changer = "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/host7/target7:0:0/7:0:0:0"
    static let changerDrive =
        "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/host7/target7:0:1/7:0:1:0/block/sr2"
}
