import DeviceTracking
import MediaHardware
import Synchronization
import Testing

@Suite struct DeviceRegistryTests {
    /// Applies every event of `source` to `registry`.
    private func replay(_ source: ReplayedUdevSource, into registry: DeviceRegistry) throws {
        while !source.isDrained {
            if case .event(let event) = try source.receive(timeoutMilliseconds: 0) {
                registry.apply(event)
            }
        }
    }

    @Test func presenceMarkSeesDriveRemovedDuringBurn() throws {
        let source = try Fixtures.source(events: "usb-drive-removed-during-burn.txt")
        let registry = DeviceRegistry()

        // The first two events add the scsi_device and the drive with a blank DVD+R.
        for _ in 0..<2 {
            if case .event(let event) = try source.receive(timeoutMilliseconds: 0) {
                registry.apply(event)
            }
        }
        let mark = try #require(registry.markPresence(ofDrive: "/dev/sr1"))
        #expect(!registry.hasDriveGone(since: mark))

        try replay(source, into: registry)

        #expect(registry.hasDriveGone(since: mark))
        #expect(registry.markPresence(ofDrive: "/dev/sr1") == nil)
        #expect(registry.drives.isEmpty)
    }

    @Test func repluggedDriveStillCountsAsGone() throws {
        let registry = DeviceRegistry()
        let drive = UdevDevice(
            devpath: Paths.usbDrive, subsystem: "block", devtype: "disk", devnode: "/dev/sr1",
            properties: ["ID_CDROM": "1"])
        registry.apply(UdevEvent(action: .add, device: drive))
        let mark = try #require(registry.markPresence(ofDrive: "/dev/sr1"))

        registry.apply(UdevEvent(action: .remove, device: drive))
        registry.apply(UdevEvent(action: .add, device: drive))

        #expect(registry.hasDriveGone(since: mark))
        let newMark = try #require(registry.markPresence(ofDrive: "/dev/sr1"))
        #expect(newMark.generation > mark.generation)
        #expect(!registry.hasDriveGone(since: newMark))
    }

    @Test func unknownDriveHasNoMark() {
        let registry = DeviceRegistry()

        #expect(registry.markPresence(ofDrive: "virtual0") == nil)
        #expect(registry.markPresence(ofDrive: "/dev/sr0") == nil)
    }

    @Test func registryServesAsDrivePresence() throws {
        let registry = DeviceRegistry()
        let presence: any DrivePresence = registry
        registry.reconcile(with: try Fixtures.devices("present-at-start.txt"))

        #expect(presence.markPresence(ofDrive: "/dev/sr0") != nil)
    }

    @Test func observerSeesChangesInOrder() throws {
        let registry = DeviceRegistry()
        let seen = Mutex<[DeviceEvent]>([])
        let token = registry.addObserver { event in seen.withLock { $0.append(event) } }

        try replay(try Fixtures.source(events: "changer-added.txt"), into: registry)
        registry.removeObserver(token)
        registry.reconcile(with: [])

        let events = seen.withLock { $0 }
        #expect(events.count == 3)
        guard events.count == 3 else { return }
        guard case .changerAdded = events[0], case .changerUpdated = events[1],
            case .driveAdded = events[2]
        else {
            Issue.record("unexpected order: \(events)")
            return
        }
        #expect(registry.changers.isEmpty)
    }

    @Test func streamDeliversChanges() async throws {
        let registry = DeviceRegistry()
        let stream = registry.changes()

        registry.reconcile(with: try Fixtures.devices("present-at-start.txt"))
        registry.reconcile(with: [])
        registry.finishStreams()

        var events: [DeviceEvent] = []
        for await event in stream { events.append(event) }
        #expect(events.count == 2)
        guard events.count == 2 else { return }
        guard case .driveAdded(let added) = events[0], case .driveRemoved(let removed) = events[1]
        else {
            Issue.record("unexpected events: \(events)")
            return
        }
        #expect(added.devnode == "/dev/sr0")
        #expect(removed.devnode == "/dev/sr0")
    }

    @Test func readsFromOtherThreadsWhileApplying() async throws {
        let registry = DeviceRegistry()
        let devices = try Fixtures.devices("present-at-start.txt")

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<200 {
                    registry.reconcile(with: devices)
                    registry.reconcile(with: [])
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<200 {
                        let count = registry.drives.count
                        #expect(count <= 1)
                        _ = registry.drive(atNode: "/dev/sr0")
                    }
                }
            }
        }
        #expect(registry.drives.isEmpty)
    }

    @Test func driveLookupByNode() throws {
        let registry = DeviceRegistry()
        registry.reconcile(with: try Fixtures.devices("present-at-start.txt"))

        #expect(registry.drive(atNode: "/dev/sr0")?.devpath == Paths.ataDrive)
        #expect(registry.drive(atNode: "/dev/sda") == nil)
    }
}
